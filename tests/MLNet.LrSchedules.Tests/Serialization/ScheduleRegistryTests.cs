using System.Reflection;
using System.Text.Json;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Tests.Serialization;

[TestClass]
public sealed class ScheduleRegistryTests
{
    private static readonly Type[] AllowedPropertyTypes =
    [
        typeof(double), typeof(int), typeof(long), typeof(bool), typeof(string), typeof(Duration), typeof(LrSchedule),
        typeof(IReadOnlyList<double>), typeof(IReadOnlyList<long>), typeof(IReadOnlyList<int>), typeof(IReadOnlyList<Duration>),
        typeof(IReadOnlyList<LrSchedule>),
    ];

    private static IEnumerable<Type> ConcreteTypes() =>
        typeof(LrSchedule).Assembly.GetTypes().Where(t => !t.IsAbstract
            && (typeof(LrSchedule).IsAssignableFrom(t) || typeof(ReactiveState).IsAssignableFrom(t)));

    [TestMethod]
    public void DefaultRegistry_Builds_WithoutDuplicates()
    {
        var registry = ScheduleRegistry.Default;
        Assert.IsTrue(registry.Schedules.Any(e => e.Name == "sequence"));
        Assert.IsTrue(registry.Schedules.Any(e => e.Name == "constant"));
        Assert.IsEmpty(registry.Problems, string.Join("\n", registry.Problems));
        var names = registry.Entries.SelectMany(e => e.AllNames).ToArray();
        Assert.HasCount(names.Length, names.Distinct(StringComparer.Ordinal));
    }

    [TestMethod]
    public void EveryConcreteScheduleAndState_IsSealed_AndRegistered()
    {
        var problems = new List<string>();
        foreach (var type in ConcreteTypes())
        {
            if (!type.IsSealed) problems.Add($"{type.Name} is not sealed");
            if (type.GetCustomAttribute<ScheduleTypeAttribute>() is null) problems.Add($"{type.Name} has no [ScheduleType]");
            else if (ScheduleRegistry.Default.Find(type) is null) problems.Add($"{type.Name} is not in the registry");
        }
        Assert.IsEmpty(problems, string.Join("\n", problems));
    }

    [TestMethod]
    public void EveryRegisteredType_HasOneConstructor_WhoseParametersAreItsProperties()
    {
        var problems = new List<string>();
        foreach (var type in ConcreteTypes())
        {
            var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
            if (constructors.Length != 1) { problems.Add($"{type.Name} has {constructors.Length} public constructors"); continue; }
            foreach (var parameter in constructors[0].GetParameters())
            {
                var property = type.GetProperty(char.ToUpperInvariant(parameter.Name![0]) + parameter.Name[1..], BindingFlags.Public | BindingFlags.Instance);
                if (property is null) { problems.Add($"{type.Name}({parameter.Name}) has no property {char.ToUpperInvariant(parameter.Name[0])}{parameter.Name[1..]}"); continue; }
                if (property.PropertyType != parameter.ParameterType)
                    problems.Add($"{type.Name}.{property.Name} is a {property.PropertyType.Name} but parameter {parameter.Name} is a {parameter.ParameterType.Name}");
                var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (typeof(LrSchedule).IsAssignableFrom(type) && !propertyType.IsEnum && !AllowedPropertyTypes.Contains(propertyType))
                    problems.Add($"{type.Name}.{property.Name} has type {property.PropertyType.Name}, not one of the allowed property types");
                if (typeof(LrSchedule).IsAssignableFrom(type) && !char.IsLower(parameter.Name[0])) problems.Add($"{type.Name}({parameter.Name}) is not camelCase");
            }
        }
        Assert.IsEmpty(problems, string.Join("\n", problems));
    }

    [TestMethod]
    public void EveryRegisteredType_HasJsonMetadata()
    {
        // Building the metadata finds constructor/property mismatches System.Text.Json would report at first use.
        foreach (var entry in ScheduleRegistry.Default.Entries)
        {
            var info = LrScheduleJson.Options.GetTypeInfo(entry.Type);
            var names = info.Properties.Select(p => p.Name).Where(n => n != "format_version").ToArray();
            CollectionAssert.AreEquivalent(entry.Parameters.Select(p => p.Name).ToArray(), names, entry.Name);
        }
    }

    [TestMethod]
    public void Names_AreSnakeCase_AndParameterKeysDoNotCollide()
    {
        var problems = new List<string>();
        foreach (var entry in ScheduleRegistry.Default.Entries)
        {
            if (entry.Name != JsonNamingPolicy.SnakeCaseLower.ConvertName(entry.Name)) problems.Add($"'{entry.Name}' is not snake_case");
            var keys = entry.Parameters.SelectMany(p => p.Aliases.Prepend(p.Name)).Select(k => k.ToLowerInvariant()).ToArray();
            foreach (var duplicate in keys.GroupBy(k => k).Where(g => g.Count() > 1))
                problems.Add($"'{entry.Name}' has two parameters named '{duplicate.Key}'");
        }
        Assert.IsEmpty(problems, string.Join("\n", problems));
    }

    [TestMethod]
    public void DuplicateName_IsAStartupError()
    {
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ScheduleRegistry.Build([typeof(SequenceSchedule), typeof(SequenceSchedule)]));
        StringAssert.Contains(ex.Message, "Schedule type name 'sequence' is used by both");
    }

    [TestMethod]
    public void Find_IsExactFirst_ThenCaseInsensitive()
    {
        var registry = ScheduleRegistry.Default;
        Assert.AreEqual(typeof(SequenceSchedule), registry.Find("SequentialLR", _ => true, out _)?.Type);
        Assert.AreEqual(typeof(SequenceSchedule), registry.Find("sequentiallr", _ => true, out _)?.Type);
        Assert.IsNull(registry.Find("nope", _ => true, out var ambiguous));
        Assert.IsEmpty(ambiguous);
    }
}
