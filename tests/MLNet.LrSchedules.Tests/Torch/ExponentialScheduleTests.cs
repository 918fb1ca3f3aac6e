using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Torch;

[TestClass]
public sealed class ExponentialScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("torch", "ExponentialLR");

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesPyTorch(OracleCase c)
    {
        var schedule = LrSchedule.Exponential(c.Double("gamma"));
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void MultipliesByGammaEveryStep()
    {
        double[] expected = [2, 1, 0.5, 0.25];
        Oracle.AssertMatches("exp", "lr", expected, Oracle.Trajectory(LrSchedule.Exponential(0.5), 2.0, 4), 1e-15);
    }

    [TestMethod]
    public void HugeStepIsFinite()
    {
        Assert.AreEqual(0.0, LrSchedule.Exponential(0.99).GetLearningRate(1_000_000_000_000, 1.0));
        Assert.AreEqual(1.0, LrSchedule.Exponential(1.0).GetLearningRate(1_000_000_000_000, 1.0));
    }

    [TestMethod]
    public void RejectsInvalidParameters()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Exponential(0));
        StringAssert.Contains(e.Message, "Parameter 'gamma' must be a finite number > 0; received 0.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Exponential(double.PositiveInfinity));
        StringAssert.Contains(e.Message, "Parameter 'gamma' must be a finite number > 0; received Infinity.");
    }
}
