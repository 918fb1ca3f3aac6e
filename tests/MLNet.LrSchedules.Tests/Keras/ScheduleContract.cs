using System.Reflection;

namespace MLNet.LrSchedules.Tests;

/// <summary>Checks the style contract that serialization relies on: one public constructor whose parameters are the properties.</summary>
internal static class ScheduleContract
{
    public static void AssertFollowsContract(Type type)
    {
        Assert.IsTrue(type.IsSealed, $"{type.Name} is sealed");
        Assert.IsNotNull(type.GetCustomAttribute<ScheduleTypeAttribute>(), $"{type.Name} has [ScheduleType]");
        var constructors = type.GetConstructors();
        Assert.HasCount(1, constructors, $"{type.Name} has one public constructor");
        foreach (var p in constructors[0].GetParameters())
        {
            var property = type.GetProperty(char.ToUpperInvariant(p.Name![0]) + p.Name[1..]);
            Assert.IsNotNull(property, $"{type.Name}.{p.Name} has a matching property");
            Assert.AreEqual(p.ParameterType, property.PropertyType, $"{type.Name}.{p.Name} type");
        }
    }

    public static IEnumerable<object[]> TypesNamed(Func<string, bool> predicate) =>
        typeof(LrSchedule).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(LrSchedule)) && !t.IsAbstract && predicate(t.Name))
            .Select(t => new object[] { t });
}

[TestClass]
public sealed class FamilyScheduleContractTests
{
    public static IEnumerable<object[]> Types => ScheduleContract.TypesNamed(n =>
        n.StartsWith("Hf", StringComparison.Ordinal) || n.StartsWith("Optax", StringComparison.Ordinal)
        || n.StartsWith("Timm", StringComparison.Ordinal) || n.StartsWith("Keras", StringComparison.Ordinal)
        || n is "ExponentialContinuousSchedule" or "LinearDecaySchedule");

    [TestMethod]
    public void AllFamiliesArePresent() => Assert.HasCount(25, Types.ToArray());

    [TestMethod]
    [DynamicData(nameof(Types))]
    public void KerasTransformersOptaxTimmTypesFollowTheContract(Type type) => ScheduleContract.AssertFollowsContract(type);
}
