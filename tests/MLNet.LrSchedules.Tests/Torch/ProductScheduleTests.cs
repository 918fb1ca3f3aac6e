using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Torch;

[TestClass]
public sealed class ProductScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("torch", "ChainedScheduler.constant_times_exponential");

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesPyTorchChainedScheduler(OracleCase c)
    {
        var schedule = LrSchedule.Product(
            LrSchedule.ConstantFactor(c.Double("factor"), c.Int("total_iters")),
            LrSchedule.Exponential(c.Double("gamma")));
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void MultipliesTheFactors()
    {
        // PyTorch's docstring example: ConstantLR(0.1, 20) chained with ExponentialLR(0.9), lr 0.05.
        var schedule = LrSchedule.Product(LrSchedule.ConstantFactor(0.1, 20), LrSchedule.Exponential(0.9));
        Assert.AreEqual(0.005, schedule.GetLearningRate(0, 0.05), 1e-15);
        Assert.AreEqual(0.0045, schedule.GetLearningRate(1, 0.05), 1e-15);
        Assert.AreEqual(0.05 * Math.Pow(0.9, 20), schedule.GetLearningRate(20, 0.05), 1e-15);
        Assert.AreEqual(0.0, schedule.GetLearningRate(3, 0.0));
    }

    [TestMethod]
    public void ResolvesItsFactors()
    {
        var schedule = LrSchedule.Product(LrSchedule.CosineAnnealing(), LrSchedule.ConstantFactor(0.5, 2));
        Assert.IsFalse(schedule.IsResolved);
        Assert.IsNull(schedule.Length);
        var resolved = (ProductSchedule)schedule.Resolve(10);
        Assert.IsTrue(resolved.IsResolved);
        Assert.AreEqual(Duration.Steps(10), ((CosineAnnealingSchedule)resolved.Schedules[0]).TMax);
        Assert.AreEqual(Duration.Steps(10), resolved.Length);
        Assert.AreEqual(0.5 * (1 + Math.Cos(Math.PI / 10)) / 2, resolved.GetLearningRate(1, 1.0), 1e-15);
        Assert.AreEqual(0.5, resolved.GetLearningRate(5, 1.0), 1e-15);
        Assert.AreSame(resolved, resolved.Resolve(99));
    }

    [TestMethod]
    public void HugeStepIsFinite()
    {
        var schedule = LrSchedule.Product(LrSchedule.Step(10, 0.5), LrSchedule.CosineAnnealing(100));
        Assert.IsTrue(double.IsFinite(schedule.GetLearningRate(1_000_000_000_000, 1.0)));
    }

    [TestMethod]
    public void RejectsInvalidFactors()
    {
        var a = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Product());
        StringAssert.Contains(a.Message, "Parameter 'schedules' must hold at least one schedule; received none.");
        a = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Product(LrSchedule.Exponential(0.9), null!));
        StringAssert.Contains(a.Message, "Parameter 'schedules' must not contain null; received null at index 1.");
        Assert.ThrowsExactly<ArgumentNullException>(() => new ProductSchedule(null!));
    }
}
