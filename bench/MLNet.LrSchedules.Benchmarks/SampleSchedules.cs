using System.Reflection;
using MLNet.LrSchedules;

namespace MLNet.LrSchedules.Benchmarks;

/// <summary>A named schedule to benchmark; the name is what BenchmarkDotNet prints in the Schedule column.</summary>
public sealed class SampleSchedule(string name, LrSchedule schedule)
{
    public string Name { get; } = name;
    public LrSchedule Schedule { get; } = schedule;
    public override string ToString() => Name;
}

/// <summary>
/// The schedules the benchmarks evaluate: the hand-configured entries in <see cref="Configured"/>, then every other
/// closed-form schedule type of MLNet.LrSchedules, found by reflection and built from its constructor defaults
/// (and sample values for required parameters), so a new schedule type is benchmarked without touching this file.
/// </summary>
/// <remarks>
/// Types are named by their [ScheduleType] names (the reference library's spelling works: "StepLR"), so entries for
/// types that are not in this build are skipped rather than breaking the build. Run the benchmark project with
/// <c>--list-samples</c> to see what was built and what was skipped, and why.
/// </remarks>
public static class SampleSchedules
{
    /// <summary>The run length schedules with fractional or open durations are resolved against.</summary>
    public const long TotalSteps = 2_000_000;

    // ==== Add entries here: (label, schedule type name, constructor arguments by parameter name). ====
    // Parameter names may be snake_case (reference spelling) or camelCase; long/int, Duration and lists convert.
    private static readonly (string Label, string Type, (string Name, object? Value)[] Args)[] Configured =
    [
        ("StepLR", "StepLR", [("step_size", 1000), ("gamma", 0.5)]),
        ("MultiStepLR", "MultiStepLR", [("milestones", new long[] { 1000, 5000, 20_000, 300_000 }), ("gamma", 0.5)]),
        ("ExponentialLR", "ExponentialLR", [("gamma", 0.99999)]),
        ("CosineAnnealingLR", "CosineAnnealingLR", [("t_max", 10_000L), ("eta_min", 1e-5)]),
        ("CosineWarmRestarts", "CosineAnnealingWarmRestarts", [("t_0", 1000), ("t_mult", 2)]),
        ("OneCycleLR", "OneCycleLR", [("max_lr", 0.1), ("total_steps", TotalSteps)]),
        ("LinearLR", "LinearLR", [("start_factor", 0.25), ("end_factor", 1.0), ("total_iters", 10_000)]),
        ("PolynomialLR", "PolynomialLR", [("total_iters", 10_000), ("power", 2.0)]),
        ("CyclicLR", "CyclicLR", [("base_lr", 0.01), ("max_lr", 0.1)]),
        ("hf_cosine_warmup", "get_cosine_schedule_with_warmup", [("num_warmup_steps", 1000L), ("num_training_steps", TotalSteps)]),
        ("hf_linear_warmup", "get_linear_schedule_with_warmup", [("num_warmup_steps", 1000L), ("num_training_steps", TotalSteps)]),
    ];

    private static readonly Lazy<(IReadOnlyList<SampleSchedule> Built, IReadOnlyList<string> Skipped)> Samples = new(BuildAll);

    /// <summary>Every sample schedule available in this build, resolved against <see cref="TotalSteps"/>.</summary>
    public static IReadOnlyList<SampleSchedule> All => Samples.Value.Built;

    /// <summary>Entries that could not be built here, with the reason (type not in this build, bad argument, ...).</summary>
    public static IReadOnlyList<string> Skipped => Samples.Value.Skipped;

    /// <summary>The sample with label <paramref name="label"/>, or null when this build lacks it.</summary>
    public static SampleSchedule? Find(string label) => All.FirstOrDefault(s => s.Name == label);

    /// <summary>Builds the schedule type named <paramref name="typeName"/> (any of its [ScheduleType] names) from named arguments.</summary>
    /// <exception cref="KeyNotFoundException">No schedule type of that name is in this build.</exception>
    public static LrSchedule Create(string typeName, params (string Name, object? Value)[] args)
    {
        var type = ScheduleTypes().FirstOrDefault(t => t.Names.Contains(typeName, StringComparer.OrdinalIgnoreCase)).Type
            ?? throw new KeyNotFoundException($"No schedule type named '{typeName}' in this build of MLNet.LrSchedules.");
        return Construct(type, args, sampleRequired: false);
    }

    private static (IReadOnlyList<SampleSchedule>, IReadOnlyList<string>) BuildAll()
    {
        var built = new List<SampleSchedule>();
        var skipped = new List<string>();
        var covered = new HashSet<Type>();
        foreach (var (label, typeName, args) in Configured)
        {
            try
            {
                var schedule = Create(typeName, args);
                covered.Add(schedule.GetType());
                built.Add(new SampleSchedule(label, Resolved(schedule)));
            }
            catch (Exception e) { skipped.Add($"{label}: {Unwrap(e).Message}"); }
        }

        // Leaves built so far feed the composite types (sequence, product, min, max, clamp, warmup wrappers).
        var leaves = built.Select(b => b.Schedule).Where(s => !s.GetType().GetProperties().Any(p => IsScheduleValued(p.PropertyType))).ToList();
        foreach (var (type, names) in ScheduleTypes())
        {
            if (covered.Contains(type) || typeof(ReactiveLrSchedule).IsAssignableFrom(type)) continue;
            try
            {
                built.Add(new SampleSchedule(names[0], Resolved(Construct(type, [], sampleRequired: true, leaves))));
            }
            catch (Exception e) { skipped.Add($"{names[0]} (discovered): {Unwrap(e).Message}"); }
        }
        return (built, skipped);
    }

    private static Exception Unwrap(Exception e) => e is TargetInvocationException { InnerException: { } inner } ? inner : e;

    private static LrSchedule Resolved(LrSchedule schedule) => schedule.IsResolved ? schedule : schedule.Resolve(TotalSteps);

    private static bool IsScheduleValued(Type t) =>
        typeof(LrSchedule).IsAssignableFrom(t) || (t.IsGenericType && t.GetGenericArguments()[0] is var a && typeof(LrSchedule).IsAssignableFrom(a));

    // Concrete schedule types with their [ScheduleType] names (the attribute is internal: read it as data).
    private static IEnumerable<(Type Type, string[] Names)> ScheduleTypes()
    {
        foreach (var type in typeof(LrSchedule).Assembly.GetTypes().Where(t => !t.IsAbstract && typeof(LrSchedule).IsAssignableFrom(t)).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var attribute = type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.Name == "ScheduleTypeAttribute");
            if (attribute is null) continue;
            var names = new List<string> { (string)attribute.ConstructorArguments[0].Value! };
            if (attribute.ConstructorArguments.Count > 1 && attribute.ConstructorArguments[1].Value is IEnumerable<CustomAttributeTypedArgument> aliases)
                names.AddRange(aliases.Select(a => (string)a.Value!));
            yield return (type, names.ToArray());
        }
    }

    private static string Normalize(string name) => name.Replace("_", "").ToLowerInvariant();

    private static LrSchedule Construct(Type type, (string Name, object? Value)[] args, bool sampleRequired, IReadOnlyList<LrSchedule>? leaves = null)
    {
        var constructor = type.GetConstructors().Single();
        var given = args.ToDictionary(a => Normalize(a.Name), a => a.Value);
        var parameters = constructor.GetParameters();
        var values = new object?[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            var p = parameters[i];
            if (given.Remove(Normalize(p.Name!), out var value)) values[i] = Convert(value, p.ParameterType);
            else if (p.HasDefaultValue) values[i] = p.DefaultValue ?? (p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType) : null);
            else if (sampleRequired) values[i] = SampleValue(p, leaves ?? []);
            else throw new ArgumentException($"{type.Name} needs parameter '{p.Name}'.");
        }
        if (given.Count > 0)
            throw new ArgumentException($"{type.Name} has no parameter '{given.Keys.First()}' (it takes {string.Join(", ", parameters.Select(p => p.Name))}).");
        return (LrSchedule)constructor.Invoke(values);
    }

    // Values for required parameters of discovered types: moderate, valid for most schedules.
    private static object? SampleValue(ParameterInfo p, IReadOnlyList<LrSchedule> leaves)
    {
        var t = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
        string name = p.Name!.ToLowerInvariant();
        if (t == typeof(Duration)) return Duration.Steps(1000);
        if (t == typeof(int)) return 1000;
        if (t == typeof(long)) return 1000L;
        if (t == typeof(double))
            return name.Contains("gamma") || name.Contains("decay") ? 0.99999
                : name.Contains("max") || name.Contains("peak") || name.Contains("init") ? 0.1
                : name.Contains("min") || name.Contains("end") || name.Contains("final") ? 1e-5
                : 0.5;
        if (t == typeof(bool)) return false;
        if (t == typeof(string)) return "linear"; // the usual first choice of interpolation / anneal strategies
        if (t.IsEnum) return Enum.GetValues(t).GetValue(0);
        if (typeof(LrSchedule).IsAssignableFrom(t))
            return leaves.Count > 0 ? leaves[0] : throw new InvalidOperationException("no leaf schedule to compose");
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            var element = t.GetGenericArguments()[0];
            if (element == typeof(LrSchedule))
                return leaves.Count >= 2 ? new[] { leaves[0], leaves[1] } : throw new InvalidOperationException("fewer than two leaf schedules to compose");
            if (element == typeof(Duration)) return new[] { Duration.Steps(1000) };
            if (element == typeof(long)) return new long[] { 1000, 5000 };
            if (element == typeof(int)) return new[] { 1000, 5000 };
            if (element == typeof(double)) return new[] { 0.5, 0.25 };
        }
        throw new NotSupportedException($"no sample value for required parameter '{p.Name}' of type {p.ParameterType.Name}");
    }

    private static object? Convert(object? value, Type target)
    {
        if (value is null) return null;
        var t = Nullable.GetUnderlyingType(target) ?? target;
        if (t.IsInstanceOfType(value)) return value;
        if (t == typeof(Duration)) return Duration.Steps(System.Convert.ToInt64(value));
        if (t.IsEnum) return Enum.Parse(t, value.ToString()!, ignoreCase: true);
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) && value is System.Collections.IEnumerable items)
        {
            var element = t.GetGenericArguments()[0];
            var list = items.Cast<object?>().Select(v => Convert(v, element)).ToArray();
            var array = Array.CreateInstance(element, list.Length);
            for (int i = 0; i < list.Length; i++) array.SetValue(list[i], i);
            return array;
        }
        return System.Convert.ChangeType(value, t, System.Globalization.CultureInfo.InvariantCulture);
    }
}
