using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Torch;

[TestClass]
public sealed class LinearFactorScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("torch", "LinearLR");

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesPyTorch(OracleCase c)
    {
        var schedule = LrSchedule.LinearFactor(c.Double("start_factor"), c.Double("end_factor"), c.Int("total_iters"));
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void RampsThenHoldsTheEndFactor()
    {
        var schedule = LrSchedule.LinearFactor(0.25, 0.75, 4);
        double[] expected = [0.25, 0.375, 0.5, 0.625, 0.75, 0.75];
        Oracle.AssertMatches("linear", "lr", expected, Oracle.Trajectory(schedule, 1.0, 6), 1e-15);
        Assert.AreEqual(0.75 * 2, schedule.GetLearningRate(1_000_000_000_000, 2.0), 1e-15);
        Assert.AreEqual(Duration.Steps(4), schedule.Length);
    }

    [TestMethod]
    public void DefaultsArePyTorchs()
    {
        var schedule = new LinearFactorSchedule();
        Assert.AreEqual(1.0 / 3, schedule.StartFactor);
        Assert.AreEqual(1.0, schedule.EndFactor);
        Assert.AreEqual(5, schedule.TotalIters);
        Assert.AreEqual(1.0, schedule.GetLearningRate(5, 1.0), 1e-15);
    }

    [TestMethod]
    public void ZeroTotalItersKeepsTheStartFactorAsPyTorch()
    {
        var schedule = LrSchedule.LinearFactor(0.5, 1.0, 0);
        Assert.AreEqual(0.5, schedule.GetLearningRate(0, 1.0));
        Assert.AreEqual(0.5, schedule.GetLearningRate(10, 1.0));
    }

    [TestMethod]
    public void RejectsInvalidParameters()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.LinearFactor(0));
        StringAssert.Contains(e.Message, "Parameter 'startFactor' must be in (0, 1]; received 0.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.LinearFactor(1.01));
        StringAssert.Contains(e.Message, "Parameter 'startFactor' must be in (0, 1]; received 1.01.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.LinearFactor(0.5, 1.5));
        StringAssert.Contains(e.Message, "Parameter 'endFactor' must be in [0, 1]; received 1.5.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.LinearFactor(0.5, 1, -2));
        StringAssert.Contains(e.Message, "Parameter 'totalIters' must be an integer >= 0; received -2.");
    }
}
