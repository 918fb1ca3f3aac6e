namespace MLNet.LrSchedules;

/// <summary>
/// Two half-cosines: from <c>peak/div</c> up to <c>peak</c> over the first <c>pct_start</c> of T, then down to
/// <c>peak/(div·final_div)</c> at T, held after. optax <c>cosine_onecycle_schedule</c> (a <c>piecewise_interpolate_schedule</c>).
/// </summary>
/// <remarks>Returns absolute values and ignores the optimizer's base rate. Computed in float32, as optax (jax's default dtype) does, so values match optax's exactly. The peak is at <c>int(pct_start · T)</c>;
/// when that is T the later scale wins, as in optax's dict.</remarks>
[ScheduleType("optax_cosine_onecycle", "cosine_onecycle_schedule")]
public sealed class OptaxCosineOnecycleSchedule : LrSchedule
{
    private readonly OptaxPiecewiseInterpolateSchedule? _shape;

    /// <summary>Creates the schedule.</summary>
    /// <param name="transitionSteps">Cycle length T; at least 1 step.</param>
    /// <param name="peakValue">Highest value, reached at <c>pct_start · T</c>; finite and &gt;= 0.</param>
    /// <param name="pctStart">Fraction of T spent rising; in [0, 1].</param>
    /// <param name="divFactor">Start value is <c>peak / div_factor</c>; finite and &gt; 0.</param>
    /// <param name="finalDivFactor">End value is <c>peak / div_factor / final_div_factor</c>; finite and &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public OptaxCosineOnecycleSchedule(Duration transitionSteps, double peakValue, double pctStart = 0.3,
        double divFactor = 25.0, double finalDivFactor = 1e4)
    {
        TransitionSteps = Check.PositiveLength(transitionSteps);
        PeakValue = Check.NonNegative(peakValue);
        PctStart = Check.InRange(pctStart, 0, 1);
        DivFactor = Check.Positive(divFactor);
        FinalDivFactor = Check.Positive(finalDivFactor);
        if (transitionSteps.IsResolved)
        {
            long t = transitionSteps.StepCount;
            _shape = OptaxPiecewise.Interpolate("cosine", peakValue / divFactor,
                ((long)(pctStart * t), divFactor),
                (t, 1.0 / (divFactor * finalDivFactor)));
        }
    }

    /// <summary>Cycle length.</summary>
    public Duration TransitionSteps { get; }

    /// <summary>Highest value.</summary>
    public double PeakValue { get; }

    /// <summary>Fraction of the cycle spent rising.</summary>
    public double PctStart { get; }

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
        return IsResolved ? this : new OptaxCosineOnecycleSchedule(TransitionSteps.ResolvedTo(totalSteps, totalSteps),
            PeakValue, PctStart, DivFactor, FinalDivFactor);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate) => _shape!.Evaluate(step, baseLearningRate);
}
