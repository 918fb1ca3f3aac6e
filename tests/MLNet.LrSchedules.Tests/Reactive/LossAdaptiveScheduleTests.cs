namespace MLNet.LrSchedules.Tests.Reactive;

[TestClass]
public sealed class LossAdaptiveScheduleTests
{
    [TestMethod]
    public void BaseRateBeforeAnyReport()
    {
        var s = new LossAdaptiveSchedule(delta: 3);
        var state = s.CreateState(0.2);
        Assert.AreEqual(new LossAdaptiveState(0.2, 0.2, null), state);
        Assert.AreEqual(0.2, s.GetLearningRate(state));
        Assert.AreEqual(0.2, s.GetLearningRate(100, 0.2));
        Assert.AreEqual(ScheduleSignal.Loss, s.Signal);
        Assert.AreEqual(1.0, new LossAdaptiveSchedule().Delta);
    }

    [TestMethod]
    [DataRow(3.0, 1.0, 0.1)]      // 0.2 / √4
    [DataRow(1.0, 0.0, 0.2)]      // 0.2 / √1
    [DataRow(0.0, 123.0, 0.2)]    // δ = 0 keeps the base rate
    [DataRow(0.5, 6.0, 0.1)]      // 0.2 / √4
    [DataRow(8.0, 1.0, 0.2 / 3)]  // 0.2 / √9
    public void RateIsBaseOverRootOfOnePlusDeltaLoss(double delta, double loss, double expected)
    {
        var s = new LossAdaptiveSchedule(delta);
        var state = s.Observe(s.CreateState(0.2), loss);
        Assert.AreEqual(expected, state.LearningRate, 1e-15);
        Assert.AreEqual(loss, ((LossAdaptiveState)state).LastLoss);
    }

    [TestMethod]
    public void TheMostRecentLossWins()
    {
        var s = new LossAdaptiveSchedule(1);
        var state = s.Observe(s.Observe(s.Observe(s.CreateState(1.0), 99), 0.5), 3);
        Assert.AreEqual(0.5, state.LearningRate, 1e-15);
        Assert.AreEqual(new LossAdaptiveState(1.0, 0.5, 3), state);
    }

    [TestMethod]
    public void DrivenByLrSchedulerAndIgnoresOtherSignals()
    {
        var scheduler = new LrScheduler(new LossAdaptiveSchedule(3), 0.4);
        Assert.AreEqual(ScheduleSignal.Loss, scheduler.Listens);
        Assert.AreEqual(0.4, scheduler.LearningRate);
        scheduler.Report(ScheduleSignal.Metric, 100);
        scheduler.Report(ScheduleSignal.GradientDot, 100);
        Assert.AreEqual(0.4, scheduler.LearningRate);
        scheduler.Report(ScheduleSignal.Loss, 5);
        scheduler.Advance();
        Assert.AreEqual(0.1, scheduler.LearningRate, 1e-15);
    }

    [TestMethod]
    [DataRow(-0.5, "Parameter 'value' must be a finite number >= 0; received -0.5.")]
    [DataRow(double.PositiveInfinity, "Parameter 'value' must be a finite number >= 0; received Infinity.")]
    [DataRow(double.NaN, "Parameter 'value' must be a finite number >= 0; received NaN.")]
    public void RejectsNegativeOrNonFiniteLosses(double loss, string message)
    {
        var s = new LossAdaptiveSchedule(1);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s.Observe(s.CreateState(1), loss));
        StringAssert.StartsWith(e.Message, message);
    }

    [TestMethod]
    [DataRow(-1.0, "Parameter 'delta' must be a finite number >= 0; received -1.")]
    [DataRow(double.NaN, "Parameter 'delta' must be a finite number >= 0; received NaN.")]
    [DataRow(double.PositiveInfinity, "Parameter 'delta' must be a finite number >= 0; received Infinity.")]
    public void RejectsDelta(double delta, string message)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LossAdaptiveSchedule(delta));
        StringAssert.StartsWith(e.Message, message);
        Assert.AreEqual("delta", e.ParamName);
    }

    [TestMethod]
    public void RejectsForeignStatesAndInvalidStates()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => new LossAdaptiveSchedule().Observe(new HypergradientState(1), 1));
        StringAssert.StartsWith(e.Message, "Parameter 'state' must be a LossAdaptiveState; received a HypergradientState.");
        StringAssert.StartsWith(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LossAdaptiveState(-1, 1, null)).Message,
            "Parameter 'baseLearningRate' must be a finite number >= 0; received -1.");
        StringAssert.StartsWith(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LossAdaptiveState(1, double.NaN, null)).Message,
            "Parameter 'learningRate' must be a finite number >= 0; received NaN.");
        StringAssert.StartsWith(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LossAdaptiveState(1, 1, -2)).Message,
            "Parameter 'lastLoss' must be a finite number >= 0; received -2.");
    }
}
