using System.Globalization;

namespace MLNet.LrSchedules;

/// <summary>
/// A length of training in optimizer steps: a fixed number of steps, a fraction of the whole run, or open
/// (the rest of the run). Fractions and open lengths are resolved once the run's total number of steps is known;
/// a resolved schedule holds step counts only.
/// </summary>
/// <remarks>Immutable and thread-safe. Text and JSON form: <c>1000</c> (steps), <c>"5%"</c> (fraction), <c>"rest"</c> (open).</remarks>
public readonly record struct Duration
{
    private readonly long _steps;
    private readonly double _fraction;

    private Duration(DurationKind kind, long steps, double fraction)
    {
        Kind = kind;
        _steps = steps;
        _fraction = fraction;
    }

    /// <summary>How the length is given.</summary>
    public DurationKind Kind { get; }

    /// <summary>True when the length is a step count.</summary>
    public bool IsResolved => Kind == DurationKind.Steps;

    /// <summary>The step count of a resolved duration.</summary>
    /// <exception cref="InvalidOperationException">The duration is a fraction or open and has not been resolved.</exception>
    public long StepCount => Kind == DurationKind.Steps
        ? _steps
        : throw new InvalidOperationException($"Duration {this} is not resolved: call Resolve(totalSteps) on the schedule once the run's total number of steps is known.");

    /// <summary>The fraction of the run, for <see cref="DurationKind.Fraction"/>.</summary>
    public double FractionOfRun => _fraction;

    /// <summary>
    /// A fixed number of optimizer steps (0 or more). Zero turns an optional phase off (a warmup of 0 steps, as
    /// in transformers' default <c>num_warmup_steps=0</c>); schedules whose length must be positive check it themselves.
    /// </summary>
    public static Duration Steps(long steps) => new(DurationKind.Steps, Check.NonNegative(steps, nameof(steps)), 0);

    /// <summary>No steps at all: an optional phase that is switched off.</summary>
    public static Duration Zero { get; } = new(DurationKind.Steps, 0, 0);

    /// <summary>A fraction of the whole run, in (0, 1]; resolved as <c>round(fraction · totalSteps)</c>, at least 1 step.</summary>
    public static Duration Fraction(double fraction) =>
        new(DurationKind.Fraction, 0, Check.InRange(fraction, 0, 1, minInclusive: false, name: nameof(fraction)));

    /// <summary>Whatever remains of the run (the whole run when used alone).</summary>
    public static Duration Rest { get; } = new(DurationKind.Rest, 0, 0);

    /// <summary>A fixed number of steps.</summary>
    public static implicit operator Duration(long steps) => Steps(steps);

    /// <summary>
    /// The step count given the run's total steps and the steps still available from where this duration starts.
    /// </summary>
    public long Resolve(long totalSteps, long remainingSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return Kind switch
        {
            DurationKind.Steps => _steps,
            DurationKind.Fraction => Math.Max(1, (long)Math.Round(_fraction * totalSteps, MidpointRounding.AwayFromZero)),
            _ => Math.Max(1, remainingSteps),
        };
    }

    /// <summary>The step count given the run's total steps, for a duration that starts at the run's beginning.</summary>
    public long Resolve(long totalSteps) => Resolve(totalSteps, totalSteps);

    /// <summary>The same duration, resolved.</summary>
    public Duration ResolvedTo(long totalSteps, long remainingSteps) => Steps(Resolve(totalSteps, remainingSteps));

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        DurationKind.Steps => _steps.ToString(CultureInfo.InvariantCulture),
        DurationKind.Fraction => (_fraction * 100).ToString("R", CultureInfo.InvariantCulture) + "%",
        _ => "rest",
    };

    /// <summary>Parses <c>1000</c> (or <c>0</c>), <c>5%</c> or <c>rest</c>.</summary>
    /// <exception cref="FormatException">The text is none of those forms.</exception>
    public static Duration Parse(string text)
    {
        if (TryParse(text, out var d)) return d;
        throw new FormatException($"'{text}' is not a duration: expected a whole number of steps (1000), a percentage of the run (5%) or 'rest'.");
    }

    /// <summary>Parses <c>1000</c>, <c>5%</c> or <c>rest</c>; false when the text is none of those or out of range.</summary>
    public static bool TryParse(string? text, out Duration duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        if (text.Equals("rest", StringComparison.OrdinalIgnoreCase)) { duration = Rest; return true; }
        if (text.EndsWith('%'))
        {
            if (double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var pct)
                && double.IsFinite(pct) && pct > 0 && pct <= 100)
            { duration = Fraction(pct / 100); return true; }
            return false;
        }
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var steps) && steps >= 0)
        { duration = Steps(steps); return true; }
        return false;
    }
}

/// <summary>How a <see cref="Duration"/> is given.</summary>
public enum DurationKind
{
    /// <summary>Whatever remains of the run (the default value of <see cref="Duration"/>).</summary>
    Rest,
    /// <summary>A fixed number of optimizer steps.</summary>
    Steps,
    /// <summary>A fraction of the whole run.</summary>
    Fraction,
}
