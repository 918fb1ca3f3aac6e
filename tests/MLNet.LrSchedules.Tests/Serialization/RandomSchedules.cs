using System.Reflection;
using System.Text.RegularExpressions;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Tests.Serialization;

/// <summary>
/// Random valid schedules and reactive states of every registered type, built by reflection over the registry:
/// random values per constructor parameter type, retried until the constructor accepts them, so types added later are
/// covered without changes here.
/// </summary>
internal sealed partial class RandomSchedules(Random random)
{
    private const int AttemptsPerType = 300;

    private static readonly string[] StringPool =
        ["cos", "linear", "min", "max", "rel", "abs", "triangular", "triangular2", "exp_range", "cosine", "constant", "step", "exponential", "none"];

    // Learned from Check.OneOf messages ("must be one of 'a', 'b'"): the allowed values of a string parameter.
    private static readonly Dictionary<(Type, string), string[]> AllowedStrings = [];

    public static ScheduleRegistry Registry => ScheduleRegistry.Default;

    public static IReadOnlyList<ScheduleTypeEntry> Leaves { get; } =
        Registry.Schedules.Where(e => !e.Parameters.Any(p => MentionsSchedule(p.Type))).ToArray();

    public static IReadOnlyList<ScheduleTypeEntry> Composites { get; } =
        Registry.Schedules.Where(e => e.Parameters.Any(p => MentionsSchedule(p.Type))).ToArray();

    private static bool MentionsSchedule(Type type) =>
        typeof(LrSchedule).IsAssignableFrom(type) || (type.IsGenericType && type.GetGenericArguments().Any(MentionsSchedule)) || (type.IsArray && MentionsSchedule(type.GetElementType()!));

    /// <summary>A random schedule nesting at most <paramref name="depth"/> levels of schedule-typed parameters.</summary>
    public LrSchedule Schedule(int depth)
    {
        if (depth > 0 && random.Next(5) == 0 && Chain(depth) is { } chain) return chain;
        for (int attempt = 0; attempt < 20; attempt++)
        {
            var pool = depth <= 0 || Composites.Count == 0 || random.Next(3) == 0 ? Leaves : Composites;
            var entry = pool[random.Next(pool.Count)];
            if (TryCreate(entry, depth, out var instance)) return (LrSchedule)instance;
        }
        return new ConstantSchedule();
    }

    /// <summary>A sequence whose segments run for their schedules' own lengths, as the text form's <c>a &gt;&gt; b</c> builds.</summary>
    private SequenceSchedule? Chain(int depth)
    {
        var schedules = new List<LrSchedule>();
        int wanted = random.Next(1, 3);
        for (int attempt = 0; attempt < 30 && schedules.Count < wanted; attempt++)
            if (Schedule(depth - 1) is { Length: not null } withLength && withLength is not ReactiveLrSchedule) schedules.Add(withLength);
        if (schedules.Count == 0) return null;
        schedules.Add(Schedule(depth - 1));
        try { return new SequenceSchedule(schedules, schedules.SkipLast(1).Select(s => s.Length!.Value).ToArray()); }
        catch (ArgumentException) { return null; }
    }

    /// <summary>A random scheduler state, with a random reactive state when any is registered.</summary>
    public LrSchedulerState SchedulerState()
    {
        ReactiveState? reactive = null;
        var states = Registry.States.ToArray();
        if (states.Length > 0 && random.Next(4) != 0
            && TryCreate(states[random.Next(states.Length)], 1, out var created)) reactive = (ReactiveState)created;
        return new LrSchedulerState(Pick(0.1, 1e-3, 0.5, random.NextDouble()), random.Next(0, 100_000), reactive);
    }

    /// <summary>An instance of <paramref name="entry"/> from random arguments the constructor accepts.</summary>
    public bool TryCreate(ScheduleTypeEntry entry, int depth, out object instance)
    {
        for (int attempt = 0; attempt < AttemptsPerType; attempt++)
        {
            var values = entry.Parameters.Select(p => Argument(entry.Type, p, depth)).ToArray();
            try
            {
                instance = entry.Constructor.Invoke(BindingFlags.DoNotWrapExceptions, null, values, null);
                return true;
            }
            catch (ArgumentException ex)
            {
                Learn(entry.Type, ex);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OverflowException or NotSupportedException)
            {
            }
        }
        instance = null!;
        return false;
    }

    private static void Learn(Type type, ArgumentException ex)
    {
        var match = OneOfMessage().Match(ex.Message);
        if (!match.Success || ex.ParamName is null) return;
        var allowed = QuotedValue().Matches(match.Groups[1].Value).Select(m => m.Groups[1].Value).ToArray();
        lock (AllowedStrings) AllowedStrings[(type, ex.ParamName.ToLowerInvariant())] = allowed;
    }

    private object? Argument(Type owner, ScheduleParameter parameter, int depth)
    {
        if (parameter.HasDefaultValue && random.Next(5) < 2) return parameter.DefaultValue;
        if (parameter.Type == typeof(string))
        {
            string[]? allowed;
            lock (AllowedStrings) AllowedStrings.TryGetValue((owner, parameter.Parameter.Name!.ToLowerInvariant()), out allowed);
            if (allowed is { Length: > 0 }) return allowed[random.Next(allowed.Length)];
            if (parameter.DefaultValue is string fallback && random.Next(2) == 0) return fallback;
        }
        return Value(parameter.Type, depth);
    }

    private object? Value(Type type, int depth)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
            return random.Next(4) == 0 ? null : Value(underlying, depth);
        if (type == typeof(double)) return Number();
        if (type == typeof(float)) return (float)Number();
        if (type == typeof(int)) return (int)Count();
        if (type == typeof(long)) return Count();
        if (type == typeof(bool)) return random.Next(2) == 0;
        if (type == typeof(string)) return StringPool[random.Next(StringPool.Length)];
        if (type.IsEnum) { var values = Enum.GetValues(type); return values.GetValue(random.Next(values.Length)); }
        if (type == typeof(Duration)) return RandomDuration();
        if (typeof(LrSchedule).IsAssignableFrom(type)) return Schedule(depth - 1);
        if (TryGetListElement(type, out var element))
        {
            int count = element == typeof(LrSchedule) ? random.Next(1, 4) : random.Next(0, 5);
            var items = Enumerable.Range(0, count).Select(_ => Value(element, depth)).ToList();
            // Milestones and boundaries must increase: sort numeric lists most of the time.
            if (random.Next(4) != 0 && items.Count > 0 && items[0] is IComparable) items = items.OrderBy(i => i).Distinct().ToList();
            var array = Array.CreateInstance(element, items.Count);
            for (int i = 0; i < items.Count; i++) array.SetValue(items[i], i);
            return array;
        }
        throw new NotSupportedException($"No random values for parameter type {type}.");
    }

    private double Number() => random.Next(12) switch
    {
        0 => 0,
        1 => 1,
        2 => 0.5,
        3 => 0.1,
        4 => 1e-3,
        5 => 0.9,
        6 => 2,
        7 => 10 * random.NextDouble(),
        8 => -random.NextDouble(),
        9 => Math.Round(random.NextDouble(), 3),
        _ => random.NextDouble(),
    };

    private long Count() => random.Next(8) switch
    {
        0 => 0,
        1 => 1,
        2 => random.Next(1, 5),
        3 => random.Next(1, 1000),
        _ => random.Next(1, 100),
    };

    private Duration RandomDuration() => random.Next(10) switch
    {
        0 => Duration.Steps(0),
        < 6 => Duration.Steps(random.Next(1, 120)),
        < 8 => Duration.Fraction(random.Next(2) == 0 ? random.Next(1, 101) / 100.0 : 1 - random.NextDouble()),
        _ => Duration.Rest,
    };

    private T Pick<T>(params T[] values) => values[random.Next(values.Length)];

    private static bool TryGetListElement(Type type, out Type element)
    {
        element = typeof(object);
        if (type.IsArray) { element = type.GetElementType()!; return true; }
        if (type.IsGenericType && type.GetGenericArguments() is [var argument] && type.IsAssignableFrom(argument.MakeArrayType()))
        {
            element = argument;
            return true;
        }
        return false;
    }

    [GeneratedRegex(@"must be one of (.*?); received")]
    private static partial Regex OneOfMessage();

    [GeneratedRegex(@"'([^']*)'")]
    private static partial Regex QuotedValue();
}

/// <summary>What a schedule does: its rates (and momenta, and reactive responses) over the first steps.</summary>
internal static class Trajectory
{
    private static readonly double[] Signals = [1.0, 0.9, 0.95, 0.95, 0.8, 1.2, 0.7, 0.7, 0.7, 0.6, 0.65, 0.5];

    public static string Of(LrSchedule schedule, int steps = 50, double baseLearningRate = 0.1)
    {
        var parts = new List<string>();
        LrSchedule resolved;
        try { resolved = schedule.IsResolved ? schedule : schedule.Resolve(steps * 2); }
        catch (Exception ex) { return "resolve failed: " + ex.GetType().Name; }
        for (int step = 0; step < steps; step++)
        {
            try { parts.Add(Bits(resolved.GetLearningRate(step, baseLearningRate))); }
            catch (Exception ex) { parts.Add(ex.GetType().Name); }
            if (resolved is IMomentumSchedule { CyclesMomentum: true } momentum)
            {
                try { parts.Add("m" + Bits(momentum.GetMomentum(step))); }
                catch (Exception ex) { parts.Add(ex.GetType().Name); }
            }
        }
        if (resolved is ReactiveLrSchedule reactive)
        {
            try
            {
                var state = reactive.CreateState(baseLearningRate);
                foreach (var signal in Signals)
                {
                    state = reactive.Observe(state, signal);
                    parts.Add("r" + Bits(reactive.GetLearningRate(state)));
                }
            }
            catch (Exception ex) { parts.Add(ex.GetType().Name); }
        }
        return string.Join(",", parts);
    }

    private static string Bits(double value) => BitConverter.DoubleToInt64Bits(value).ToString("x");
}
