using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Torch;

[TestClass]
public sealed class SequentialTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("torch", "SequentialLR.warmup_linear_then_cosine");

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesPyTorchSequentialLR(OracleCase c)
    {
        // At its milestone PyTorch restarts the next scheduler at its own step 0 (closed form at epoch 0), so the
        // cosine starts from the base rate exactly there.
        int warmup = c.Int("warmup_iters");
        var schedule = LrSchedule.Sequential(
            [LrSchedule.LinearFactor(c.Double("start_factor"), 1.0, warmup), LrSchedule.CosineAnnealing(c.Int("T_max"), c.Double("eta_min"))],
            [warmup]);
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void MilestonesAreAbsoluteSteps()
    {
        var schedule = LrSchedule.Sequential(
            [LrSchedule.ConstantFactor(0.1, 100), LrSchedule.Exponential(0.5), LrSchedule.ConstantFactor(0.25, 100)], [2, 5]);
        double[] expected = [0.1, 0.1, 1, 0.5, 0.25, 0.25, 0.25];
        Oracle.AssertMatches("seq", "lr", expected, Oracle.Trajectory(schedule, 1.0, 7), 1e-15);
        Assert.AreEqual(Duration.Steps(2), schedule.Lengths[0]);
        Assert.AreEqual(Duration.Steps(3), schedule.Lengths[1]);
    }

    [TestMethod]
    public void RejectsInvalidMilestones()
    {
        LrSchedule[] two = [LrSchedule.Exponential(0.9), LrSchedule.Exponential(0.8)];
        var a = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Sequential(two, [3, 5]));
        StringAssert.Contains(a.Message, "Parameter 'milestones' must hold one milestone per schedule but the first (1); received 2.");
        a = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Sequential([.. two, LrSchedule.Exponential(0.7)], [5, 5]));
        StringAssert.Contains(a.Message, "Parameter 'milestones' must be strictly increasing; received 5 then 5 at index 1.");
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Sequential(two, [0]));
        StringAssert.Contains(e.Message, "Parameter 'milestones' must be an integer >= 1; received 0.");
        a = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Sequential([], []));
        StringAssert.Contains(a.Message, "Parameter 'schedules' must hold at least one schedule; received none.");
        Assert.ThrowsExactly<ArgumentNullException>(() => LrSchedule.Sequential(two, null!));
    }
}
