namespace MLNet.LrSchedules.Tests.Keras;

[TestClass]
public sealed class KerasScheduleTests
{
    [TestMethod]
    public void InverseTimeDecayHandComputed()
    {
        var s = LrSchedule.InverseTimeDecay(10, 0.5);
        Assert.AreEqual(0.1, s.GetLearningRate(0, 0.1));
        Assert.AreEqual(0.1 / 1.25, s.GetLearningRate(5, 0.1), 1e-15);
        Assert.AreEqual(0.1 / 1.5, s.GetLearningRate(10, 0.1), 1e-15);
        var stairs = LrSchedule.InverseTimeDecay(10, 0.5, staircase: true);
        Assert.AreEqual(0.1, stairs.GetLearningRate(9, 0.1));
        Assert.AreEqual(0.1 / 1.5, stairs.GetLearningRate(10, 0.1), 1e-15);
        Assert.AreEqual(0.1 / 2.0, stairs.GetLearningRate(29, 0.1), 1e-15);
        double huge = s.GetLearningRate(1_000_000_000_000, 0.1);
        Assert.IsTrue(huge > 0 && huge < 1e-11);
    }

    [TestMethod]
    public void ExponentialContinuousHandComputed()
    {
        var s = LrSchedule.ExponentialContinuous(Math.Log(2) / 100);
        Assert.AreEqual(0.1, s.GetLearningRate(0, 0.1));
        Assert.AreEqual(0.05, s.GetLearningRate(100, 0.1), 1e-15);
        Assert.AreEqual(0.025, s.GetLearningRate(200, 0.1), 1e-15);
        Assert.AreEqual(0.0, s.GetLearningRate(1_000_000_000_000, 0.1));
        Assert.AreEqual(0.1, LrSchedule.ExponentialContinuous(0).GetLearningRate(1_000_000_000_000, 0.1));
    }

    [TestMethod]
    public void LinearDecayStopsAtTheFloor()
    {
        var s = LrSchedule.LinearDecay(0.001, floor: 0.02);
        Assert.AreEqual(0.1, s.GetLearningRate(0, 0.1));
        Assert.AreEqual(0.05, s.GetLearningRate(50, 0.1), 1e-15);
        Assert.AreEqual(0.02, s.GetLearningRate(80, 0.1), 1e-15);
        Assert.AreEqual(0.02, s.GetLearningRate(81, 0.1));
        Assert.AreEqual(0.02, s.GetLearningRate(1_000_000_000_000, 0.1));
        Assert.AreEqual(0.0, LrSchedule.LinearDecay(0.01).GetLearningRate(11, 0.1));
    }

    [TestMethod]
    public void DecaysAreNonIncreasing()
    {
        LrSchedule[] all = [LrSchedule.InverseTimeDecay(7, 0.3), LrSchedule.InverseTimeDecay(7, 0.3, true),
            LrSchedule.ExponentialContinuous(0.01), LrSchedule.LinearDecay(0.0007, 0.01)];
        foreach (var s in all)
            for (int t = 1; t <= 300; t++)
                Assert.IsTrue(s.GetLearningRate(t, 0.1) <= s.GetLearningRate(t - 1, 0.1), $"{s.GetType().Name} {t}");
    }

    private static void Throws(Action action, string message) =>
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(action).Message, message);

    [TestMethod]
    public void InvalidParametersThrowWithTheirNames()
    {
        Throws(() => LrSchedule.InverseTimeDecay(0, 0.5), "Parameter 'decaySteps' must be an integer >= 1; received 0.");
        Throws(() => LrSchedule.InverseTimeDecay(10, -0.5), "Parameter 'decayRate' must be a finite number >= 0; received -0.5.");
        Throws(() => LrSchedule.ExponentialContinuous(-1), "Parameter 'alpha' must be a finite number >= 0; received -1.");
        Throws(() => LrSchedule.ExponentialContinuous(double.NaN), "Parameter 'alpha' must be a finite number >= 0; received NaN.");
        Throws(() => LrSchedule.LinearDecay(-0.1), "Parameter 'alpha' must be a finite number >= 0; received -0.1.");
        Throws(() => LrSchedule.LinearDecay(0.1, floor: -1), "Parameter 'floor' must be a finite number >= 0; received -1.");
    }
}
