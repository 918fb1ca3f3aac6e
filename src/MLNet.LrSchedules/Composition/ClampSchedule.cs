using System.Globalization;

namespace MLNet.LrSchedules;

/// <summary>
/// A schedule's rate held inside absolute bounds: <c>lr(t) = min(max(schedule(t, base), min_lr), max_lr)</c>.
/// The text form's <c>clamp(a, min=x, max=y)</c>; no direct reference-library equivalent.
/// </summary>
/// <remarks>The bounds are learning rates, not multiples of the base rate. The child must be closed-form.</remarks>
[ScheduleType("clamp", "clip")]
public sealed class ClampSchedule : LrSchedule
{
    /// <summary>Creates <paramref name="schedule"/> bounded to [<paramref name="minLr"/>, <paramref name="maxLr"/>].</summary>
    /// <param name="schedule">The closed-form schedule to bound.</param>
    /// <param name="minLr">The lowest rate, finite and &gt;= 0.</param>
    /// <param name="maxLr">The highest rate, finite and &gt;= <paramref name="minLr"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="schedule"/> is reactive.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bound is out of range.</exception>
    public ClampSchedule(LrSchedule schedule, [ParameterAlias("min")] double minLr = 0, [ParameterAlias("max")] double maxLr = double.MaxValue)
    {
        Check.NotNull(schedule, nameof(schedule));
        Composite.RejectReactive(schedule, nameof(schedule));
        Check.NonNegative(minLr, nameof(minLr));
        Check.NonNegative(maxLr, nameof(maxLr));
        if (maxLr < minLr)
            throw new ArgumentOutOfRangeException(nameof(maxLr), maxLr,
                $"Parameter 'maxLr' must be >= minLr ({minLr.ToString("R", CultureInfo.InvariantCulture)}); received {maxLr.ToString("R", CultureInfo.InvariantCulture)}.");
        Schedule = schedule;
        MinLr = minLr;
        MaxLr = maxLr;
    }

    /// <summary>The schedule bounded.</summary>
    public LrSchedule Schedule { get; }

    /// <summary>The lowest rate.</summary>
    public double MinLr { get; }

    /// <summary>The highest rate.</summary>
    public double MaxLr { get; }

    /// <inheritdoc />
    public override bool IsResolved => Schedule.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => Schedule.Length;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new ClampSchedule(Schedule.Resolve(totalSteps), MinLr, MaxLr);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate) =>
        Math.Clamp(Schedule.Evaluate(step, baseLearningRate), MinLr, MaxLr);
}
