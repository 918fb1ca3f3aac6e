using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Torch;

[TestClass]
public sealed class MultiStepScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("torch", "MultiStepLR");

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesPyTorch(OracleCase c)
    {
        var schedule = LrSchedule.MultiStep(c.Ints("milestones").Select(m => (long)m).ToArray(), c.Double("gamma"));
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void DecaysAtEachMilestone()
    {
        var schedule = LrSchedule.MultiStep([2, 4], 0.5);
        double[] expected = [1, 1, 0.5, 0.5, 0.25, 0.25];
        Oracle.AssertMatches("multistep", "lr", expected, Oracle.Trajectory(schedule, 1.0, 6), 1e-15);
    }

    [TestMethod]
    public void DuplicateMilestonesDecayTwiceLikePyTorchsCounter()
    {
        var schedule = LrSchedule.MultiStep([3, 3, 5], 0.1);
        Assert.AreEqual(1.0, schedule.GetLearningRate(2, 1.0));
        Assert.AreEqual(0.01, schedule.GetLearningRate(3, 1.0), 1e-17);
        Assert.AreEqual(0.001, schedule.GetLearningRate(5, 1.0), 1e-18);
    }

    [TestMethod]
    public void MilestoneZeroAppliesAtFirstStep()
    {
        Assert.AreEqual(0.1, LrSchedule.MultiStep([0]).GetLearningRate(0, 1.0), 1e-16);
    }

    [TestMethod]
    public void EmptyMilestonesKeepTheBaseRate()
    {
        var schedule = LrSchedule.MultiStep([]);
        Assert.AreEqual(0.3, schedule.GetLearningRate(1_000_000_000_000, 0.3));
    }

    [TestMethod]
    public void HugeStepIsFinite()
    {
        var schedule = LrSchedule.MultiStep([10, 1_000_000_000_000], 0.5);
        Assert.AreEqual(0.5, schedule.GetLearningRate(999_999_999_999, 1.0));
        Assert.AreEqual(0.25, schedule.GetLearningRate(1_000_000_000_000, 1.0));
        Assert.AreEqual(0.25, schedule.GetLearningRate(long.MaxValue, 1.0));
    }

    [TestMethod]
    public void RejectsInvalidParameters()
    {
        var a = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.MultiStep([5, 3]));
        StringAssert.Contains(a.Message, "Parameter 'milestones' must be in non-decreasing order; received 5 then 3 at index 1.");
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.MultiStep([-1, 3]));
        StringAssert.Contains(e.Message, "Parameter 'milestones' must be an integer >= 0; received -1.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.MultiStep([3], -0.5));
        StringAssert.Contains(e.Message, "Parameter 'gamma' must be a finite number > 0; received -0.5.");
        Assert.ThrowsExactly<ArgumentNullException>(() => LrSchedule.MultiStep(null!));
    }
}
