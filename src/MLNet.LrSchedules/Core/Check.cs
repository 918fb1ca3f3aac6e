using System.Globalization;
using System.Runtime.CompilerServices;

namespace MLNet.LrSchedules;

/// <summary>
/// The one preconditions helper: every check always runs (never a debug-only assert), rejects NaN,
/// and its message names the parameter, the value received and the allowed range.
/// </summary>
internal static partial class Check
{
    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static ArgumentOutOfRangeException OutOfRange(string name, object value, string expected) =>
        new(name, value, $"Parameter '{name}' must be {expected}; received {(value is double d ? Format(d) : Convert.ToString(value, CultureInfo.InvariantCulture))}.");

    /// <summary>Finite and strictly greater than zero.</summary>
    public static double Positive(double value, [CallerArgumentExpression(nameof(value))] string name = "")
        => double.IsFinite(value) && value > 0 ? value : throw OutOfRange(name, value, "a finite number > 0");

    /// <summary>Finite and greater than or equal to zero.</summary>
    public static double NonNegative(double value, [CallerArgumentExpression(nameof(value))] string name = "")
        => double.IsFinite(value) && value >= 0 ? value : throw OutOfRange(name, value, "a finite number >= 0");

    /// <summary>Any finite number.</summary>
    public static double Finite(double value, [CallerArgumentExpression(nameof(value))] string name = "")
        => double.IsFinite(value) ? value : throw OutOfRange(name, value, "a finite number");

    /// <summary>Finite and inside the interval; the bounds' inclusiveness is part of the message.</summary>
    public static double InRange(double value, double min, double max, bool minInclusive = true, bool maxInclusive = true,
        [CallerArgumentExpression(nameof(value))] string name = "")
    {
        bool ok = double.IsFinite(value)
            && (minInclusive ? value >= min : value > min)
            && (maxInclusive ? value <= max : value < max);
        return ok ? value : throw OutOfRange(name, value,
            $"in {(minInclusive ? '[' : '(')}{Format(min)}, {Format(max)}{(maxInclusive ? ']' : ')')}");
    }

    /// <summary>An integer count strictly greater than zero.</summary>
    public static long Positive(long value, [CallerArgumentExpression(nameof(value))] string name = "")
        => value > 0 ? value : throw OutOfRange(name, value, "an integer >= 1");

    /// <summary>An integer count strictly greater than zero.</summary>
    public static int Positive(int value, [CallerArgumentExpression(nameof(value))] string name = "")
        => value > 0 ? value : throw OutOfRange(name, value, "an integer >= 1");

    /// <summary>An integer count greater than or equal to zero.</summary>
    public static long NonNegative(long value, [CallerArgumentExpression(nameof(value))] string name = "")
        => value >= 0 ? value : throw OutOfRange(name, value, "an integer >= 0");

    /// <summary>An integer count greater than or equal to zero.</summary>
    public static int NonNegative(int value, [CallerArgumentExpression(nameof(value))] string name = "")
        => value >= 0 ? value : throw OutOfRange(name, value, "an integer >= 0");

    /// <summary>One of the listed names (case-sensitive, as the references are).</summary>
    public static string OneOf(string? value, string[] allowed, [CallerArgumentExpression(nameof(value))] string name = "")
        => value is not null && Array.IndexOf(allowed, value) >= 0
            ? value
            : throw new ArgumentOutOfRangeException(name, value,
                $"Parameter '{name}' must be one of {string.Join(", ", allowed.Select(a => $"'{a}'"))}; received {(value is null ? "null" : $"'{value}'")}.");

    /// <summary>Not null.</summary>
    public static T NotNull<T>(T? value, [CallerArgumentExpression(nameof(value))] string name = "") where T : class
        => value ?? throw new ArgumentNullException(name, $"Parameter '{name}' must not be null.");

    /// <summary>A non-empty list whose values strictly increase.</summary>
    public static IReadOnlyList<T> StrictlyIncreasing<T>(IReadOnlyList<T>? values, bool allowEmpty = false,
        [CallerArgumentExpression(nameof(values))] string name = "") where T : IComparable<T>
    {
        NotNull(values, name);
        if (!allowEmpty && values!.Count == 0)
            throw new ArgumentException($"Parameter '{name}' must not be empty.", name);
        for (int i = 1; i < values!.Count; i++)
            if (values[i].CompareTo(values[i - 1]) <= 0)
                throw new ArgumentException(
                    $"Parameter '{name}' must be strictly increasing; received {Convert.ToString(values[i - 1], CultureInfo.InvariantCulture)} then {Convert.ToString(values[i], CultureInfo.InvariantCulture)} at index {i}.", name);
        return values;
    }

    /// <summary>A list whose values never decrease (duplicates allowed, as PyTorch's MultiStepLR allows them).</summary>
    public static IReadOnlyList<T> NonDecreasing<T>(IReadOnlyList<T>? values, bool allowEmpty = false,
        [CallerArgumentExpression(nameof(values))] string name = "") where T : IComparable<T>
    {
        NotNull(values, name);
        if (!allowEmpty && values!.Count == 0)
            throw new ArgumentException($"Parameter '{name}' must not be empty.", name);
        for (int i = 1; i < values!.Count; i++)
            if (values[i].CompareTo(values[i - 1]) < 0)
                throw new ArgumentException(
                    $"Parameter '{name}' must be in non-decreasing order; received {Convert.ToString(values[i - 1], CultureInfo.InvariantCulture)} then {Convert.ToString(values[i], CultureInfo.InvariantCulture)} at index {i}.", name);
        return values;
    }
}
