using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Torch;

[TestClass]
public sealed class ConstantFactorScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("torch", "ConstantLR");

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesPyTorch(OracleCase c)
    {
        var schedule = LrSchedule.ConstantFactor(c.Double("factor"), c.Int("total_iters"));
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void AppliesFactorUntilTotalIters()
    {
        var schedule = LrSchedule.ConstantFactor(0.5, 2);
        double[] expected = [0.5, 0.5, 1, 1];
        Oracle.AssertMatches("constant", "lr", expected, Oracle.Trajectory(schedule, 1.0, 4), 1e-15);
        Assert.AreEqual(Duration.Steps(2), schedule.Length);
    }

    [TestMethod]
    public void DefaultsArePyTorchs()
    {
        var schedule = new ConstantFactorSchedule();
        Assert.AreEqual(1.0 / 3, schedule.Factor);
        Assert.AreEqual(5, schedule.TotalIters);
        Assert.AreEqual(0.9 / 3, schedule.GetLearningRate(4, 0.9), 1e-16);
        Assert.AreEqual(0.9, schedule.GetLearningRate(5, 0.9));
    }

    [TestMethod]
    public void ZeroTotalItersKeepsTheFactorForEverAsPyTorch()
    {
        var schedule = LrSchedule.ConstantFactor(0.25, 0);
        Assert.AreEqual(0.25, schedule.GetLearningRate(0, 1.0));
        Assert.AreEqual(0.25, schedule.GetLearningRate(1_000_000_000_000, 1.0));
        Assert.IsNull(schedule.Length);
    }

    [TestMethod]
    public void ZeroFactorGivesZeroThenTheBaseRate()
    {
        var schedule = LrSchedule.ConstantFactor(0, 3);
        Assert.AreEqual(0.0, schedule.GetLearningRate(2, 1.0));
        Assert.AreEqual(1.0, schedule.GetLearningRate(3, 1.0));
    }

    [TestMethod]
    public void RejectsInvalidParameters()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.ConstantFactor(1.5));
        StringAssert.Contains(e.Message, "Parameter 'factor' must be in [0, 1]; received 1.5.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.ConstantFactor(-0.1));
        StringAssert.Contains(e.Message, "Parameter 'factor' must be in [0, 1]; received -0.1.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.ConstantFactor(0.5, -1));
        StringAssert.Contains(e.Message, "Parameter 'totalIters' must be an integer >= 0; received -1.");
    }
}
