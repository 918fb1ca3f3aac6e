using System.Reflection;

namespace MLNet.LrSchedules.Tests.Torch;

/// <summary>PyTorch names, text-form names and the allocation-free closed form of every PyTorch schedule type.</summary>
[TestClass]
public sealed class TorchConventionsTests
{
    public static IEnumerable<object[]> Types =>
    [
        [typeof(StepSchedule), "step", "StepLR"],
        [typeof(MultiStepSchedule), "multi_step", "MultiStepLR"],
        [typeof(ConstantFactorSchedule), "constant_factor", "ConstantLR"],
        [typeof(LinearFactorSchedule), "linear_factor", "LinearLR"],
        [typeof(ExponentialSchedule), "exponential", "ExponentialLR"],
        [typeof(PolynomialSchedule), "polynomial", "PolynomialLR"],
        [typeof(CosineAnnealingSchedule), "cosine", "CosineAnnealingLR"],
        [typeof(CosineWarmRestartsSchedule), "cosine_warm_restarts", "CosineAnnealingWarmRestarts"],
        [typeof(CyclicSchedule), "cyclic", "CyclicLR"],
        [typeof(OneCycleSchedule), "one_cycle", "OneCycleLR"],
        [typeof(SwaSchedule), "swa", "SWALR"],
        [typeof(ProductSchedule), "product", "ChainedScheduler"],
    ];

    // The constructor/property contract of every type is checked once, in Serialization/ScheduleRegistryTests.
    [TestMethod]
    [DynamicData(nameof(Types))]
    public void IsRegisteredUnderItsNameWithThePyTorchNameAsAlias(Type type, string name, string pyTorchName)
    {
        var attribute = type.GetCustomAttribute<ScheduleTypeAttribute>();
        Assert.IsNotNull(attribute);
        Assert.AreEqual(name, attribute.Name);
        CollectionAssert.Contains(attribute.Aliases, pyTorchName);
    }

    [TestMethod]
    public void CosineAnnealingKeepsItsTextNames()
    {
        var attribute = typeof(CosineAnnealingSchedule).GetCustomAttribute<ScheduleTypeAttribute>()!;
        CollectionAssert.AreEqual(new[] { "cosine_annealing", "CosineAnnealingLR" }, attribute.Aliases);
        var etaMin = typeof(CosineAnnealingSchedule).GetConstructors()[0].GetParameters().Single(p => p.Name == "etaMin");
        CollectionAssert.Contains(etaMin.GetCustomAttribute<ParameterAliasAttribute>()!.Aliases, "min");
    }

    [TestMethod]
    public void GetLearningRatesAllocatesNothingAndCostsTheSameAtHugeSteps()
    {
        LrSchedule[] schedules =
        [
            LrSchedule.Step(7), LrSchedule.MultiStep([10, 20, 30]), LrSchedule.ConstantFactor(), LrSchedule.LinearFactor(),
            LrSchedule.Exponential(0.99), LrSchedule.Polynomial(), LrSchedule.CosineAnnealing(100), LrSchedule.CosineWarmRestarts(3, 2),
            LrSchedule.Cyclic(0.1, 1, 10), LrSchedule.OneCycle(1, 100), LrSchedule.Swa(0.05),
            LrSchedule.Product(LrSchedule.Exponential(0.9), LrSchedule.CosineAnnealing(10)),
        ];
        Span<double> rates = stackalloc double[64];
        foreach (var schedule in schedules)
        {
            schedule.GetLearningRates(1_000_000_000_000, 0.1, rates);
            long before = GC.GetAllocatedBytesForCurrentThread();
            schedule.GetLearningRates(1_000_000_000_000, 0.1, rates);
            Assert.AreEqual(before, GC.GetAllocatedBytesForCurrentThread(), schedule.GetType().Name);
            foreach (double rate in rates) Assert.IsTrue(double.IsFinite(rate), schedule.GetType().Name);
        }
    }
}
