namespace MLNet.LrSchedules;

/// <summary>
/// Three linear phases: from <c>peak/div</c> up to <c>peak</c> over the first <c>pct_start</c> of T, back down to
/// <c>peak/div</c> by <c>pct_final</c>, then to <c>peak/(div·final_div)</c> at T, held after.
/// optax <c>linear_onecycle_schedule</c> (a <c>piecewise_interpolate_schedule</c>).
/// </summary>
/// <remarks>Returns absolute values and ignores the optimizer's base rate. Computed in float32, as optax (jax's default dtype) does, so values match optax's exactly. Phase boundaries are
/// <c>int(pct_start · T)</c>, <c>int(pct_final · T)</c> and T; when two coincide the later scale wins, as in optax's dict.</remarks>
[ScheduleType("optax_linear_onecycle", "linear_onecycle_schedule")]
public sealed class OptaxLinearOnecycleSchedule : LrSchedule
{
    private readonly OptaxPiecewiseInterpolateSchedule? _shape;

    /// <summary>Creates the schedule.</summary>
    /// <param name="transitionSteps">Cycle length T; at least 1 step.</param>
    /// <param name="peakValue">Highest value, reached at <c>pct_start · T</c>; finite and &gt;= 0.</param>
    /// <param name="pctStart">Fraction of T spent rising; in [0, 1].</param>
    /// <param name="pctFinal">Fraction of T at which the value is back to <c>peak/div</c>; in [0, 1].</param>
    /// <param name="divFactor">Start value is <c>peak / div_factor</c>; finite and &gt; 0.</param>
    /// <param name="finalDivFactor">End value is <c>peak / div_factor / final_div_factor</c>; finite and &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public OptaxLinearOnecycleSchedule(Duration transitionSteps, double peakValue, double pctStart = 0.3, double pctFinal = 0.85,
        double divFactor = 25.0, double finalDivFactor = 1e4)
    {
        TransitionSteps = Check.PositiveLength(transitionSteps);
        PeakValue = Check.NonNegative(peakValue);
        PctStart = Check.InRange(pctStart, 0, 1);
        PctFinal = Check.InRange(pctFinal, 0, 1);
        DivFactor = Check.Positive(divFactor);
        FinalDivFactor = Check.Positive(finalDivFactor);
        if (transitionSteps.IsResolved)
        {
            long t = transitionSteps.StepCount;
            _shape = OptaxPiecewise.Interpolate("linear", peakValue / divFactor,
                ((long)(pctStart * t), divFactor),
                ((long)(pctFinal * t), 1.0 / divFactor),
                (t, 1.0 / finalDivFactor));
        }
    }

    /// <summary>Cycle length.</summary>
    public Duration TransitionSteps { get; }

    /// <summary>Highest value.</summary>
    public double PeakValue { get; }

    /// <summary>Fraction of the cycle spent rising.</summary>
    public double PctStart { get; }

    /// <summary>Fraction of the cycle at which the value is back to the start value.</summary>
    public double PctFinal { get; }

    /// <summary>Start value is the peak divided by this.</summary>
    public double DivFactor { get; }

    /// <summary>End value is the start value divided by this.</summary>
    public double FinalDivFactor { get; }

    /// <inheritdoc />
    public override bool IsResolved => TransitionSteps.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => TransitionSteps.IsResolved ? TransitionSteps : null;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new OptaxLinearOnecycleSchedule(TransitionSteps.ResolvedTo(totalSteps, totalSteps),
            PeakValue, PctStart, PctFinal, DivFactor, FinalDivFactor);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate) => _shape!.Evaluate(step, baseLearningRate);
}
