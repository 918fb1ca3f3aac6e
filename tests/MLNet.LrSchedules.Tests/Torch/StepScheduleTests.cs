using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Torch;

[TestClass]
public sealed class StepScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("torch", "StepLR");

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesPyTorch(OracleCase c)
    {
        var schedule = LrSchedule.Step(c.Int("step_size"), c.Double("gamma"));
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void DecaysEveryStepSizeSteps()
    {
        var schedule = LrSchedule.Step(3, 0.5);
        double[] expected = [1, 1, 1, 0.5, 0.5, 0.5, 0.25];
        Oracle.AssertMatches("step", "lr", expected, Oracle.Trajectory(schedule, 1.0, 7), 1e-15);
    }

    [TestMethod]
    public void DefaultGammaIsPyTorchs()
    {
        var schedule = new StepSchedule(10);
        Assert.AreEqual(0.1, schedule.Gamma);
        Assert.AreEqual(0.1 * 2.0, schedule.GetLearningRate(10, 2.0), 1e-15);
    }

    [TestMethod]
    public void HugeStepIsFiniteAndClosedForm()
    {
        var schedule = LrSchedule.Step(int.MaxValue, 0.5);
        Assert.AreEqual(0.25, schedule.GetLearningRate(2L * int.MaxValue, 1.0));
        Assert.AreEqual(0.5, schedule.GetLearningRate(2L * int.MaxValue - 1, 1.0));
        Assert.AreEqual(0.0, LrSchedule.Step(1, 0.5).GetLearningRate(1_000_000_000_000, 1.0));
    }

    [TestMethod]
    public void RejectsInvalidParameters()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Step(0));
        StringAssert.Contains(e.Message, "Parameter 'stepSize' must be an integer >= 1; received 0.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Step(5, 0));
        StringAssert.Contains(e.Message, "Parameter 'gamma' must be a finite number > 0; received 0.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Step(5, double.NaN));
        StringAssert.Contains(e.Message, "Parameter 'gamma' must be a finite number > 0; received NaN.");
    }
}
