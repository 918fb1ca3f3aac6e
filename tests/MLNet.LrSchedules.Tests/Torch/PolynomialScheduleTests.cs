using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Torch;

[TestClass]
public sealed class PolynomialScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("torch", "PolynomialLR");

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesPyTorch(OracleCase c)
    {
        var schedule = LrSchedule.Polynomial(c.Int("total_iters"), c.Double("power"));
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void DecaysToZeroAndStays()
    {
        var schedule = LrSchedule.Polynomial(4, 2.0);
        double[] expected = [1, 0.5625, 0.25, 0.0625, 0, 0];
        Oracle.AssertMatches("poly", "lr", expected, Oracle.Trajectory(schedule, 1.0, 6), 1e-15);
        Assert.AreEqual(0.0, schedule.GetLearningRate(1_000_000_000_000, 1.0));
        Assert.AreEqual(Duration.Steps(4), schedule.Length);
    }

    [TestMethod]
    public void DefaultsArePyTorchs()
    {
        var schedule = new PolynomialSchedule();
        Assert.AreEqual(5, schedule.TotalIters);
        Assert.AreEqual(1.0, schedule.Power);
        Assert.AreEqual(0.4, schedule.GetLearningRate(3, 1.0), 1e-15);
    }

    [TestMethod]
    public void ZeroTotalItersKeepsTheBaseRateAsPyTorch()
    {
        Assert.AreEqual(0.7, LrSchedule.Polynomial(0).GetLearningRate(12, 0.7));
    }

    [TestMethod]
    public void RejectsInvalidParameters()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Polynomial(-1));
        StringAssert.Contains(e.Message, "Parameter 'totalIters' must be an integer >= 0; received -1.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Polynomial(5, -1));
        StringAssert.Contains(e.Message, "Parameter 'power' must be a finite number >= 0; received -1.");
    }
}
