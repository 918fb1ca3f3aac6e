namespace MLNet.LrSchedules;

/// <summary>
/// The largest of several schedules' rates, step by step: <c>lr(t) = max_i schedules[i](t, base)</c>.
/// The text form's <c>max(a, b)</c>; no direct reference-library equivalent.
/// </summary>
/// <remarks>Children must be closed-form; each resolves against the whole run.</remarks>
[ScheduleType("max", "maximum")]
public sealed class MaxSchedule : LrSchedule
{
    private readonly LrSchedule[] _schedules;

    /// <summary>Creates the element-wise maximum of <paramref name="schedules"/>.</summary>
    /// <param name="schedules">The schedules compared at every step: at least two, none null, none reactive.</param>
    /// <exception cref="ArgumentException">Fewer than two schedules, a null, or a reactive schedule.</exception>
    public MaxSchedule(IReadOnlyList<LrSchedule> schedules)
    {
        _schedules = Composite.ClosedFormChildren(schedules, 2, nameof(schedules));
        Schedules = _schedules;
    }

    /// <summary>The schedules combined.</summary>
    public IReadOnlyList<LrSchedule> Schedules { get; }

    /// <inheritdoc />
    public override bool IsResolved => _schedules.All(s => s.IsResolved);

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new MaxSchedule(_schedules.Select(s => s.Resolve(totalSteps)).ToArray());
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate) =>
        Composite.Fold(_schedules, step, baseLearningRate, Math.Max);
}
