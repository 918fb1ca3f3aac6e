namespace MLNet.LrSchedules;

/// <summary>
/// Linear transition from <c>init_value</c> to <c>end_value</c>:
/// <c>lr(t) = (I − E) · (1 − clip(t − B, 0, T) / T) + E</c>. optax <c>linear_schedule</c>.
/// </summary>
/// <remarks>Returns absolute values and ignores the optimizer's base rate. Computed in float32, as optax (jax's default dtype) does, so values match optax's exactly. optax turns a non-positive
/// <c>transition_steps</c> into a constant and a negative <c>transition_begin</c> into 0 with a log message; here both throw.</remarks>
[ScheduleType("optax_linear", "linear_schedule")]
public sealed class OptaxLinearSchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initValue">Value I before and at the start of the transition; finite and &gt;= 0.</param>
    /// <param name="endValue">Value E at the end of the transition and after; finite and &gt;= 0.</param>
    /// <param name="transitionSteps">Transition length T; at least 1 step.</param>
    /// <param name="transitionBegin">Steps B held at <paramref name="initValue"/> before the transition; &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public OptaxLinearSchedule(double initValue, double endValue, Duration transitionSteps, long transitionBegin = 0)
    {
        InitValue = Check.NonNegative(initValue);
        EndValue = Check.NonNegative(endValue);
        TransitionSteps = Check.PositiveLength(transitionSteps);
        TransitionBegin = Check.NonNegative(transitionBegin);
    }

    /// <summary>Value before and at the start of the transition.</summary>
    public double InitValue { get; }

    /// <summary>Value at the end of the transition and after.</summary>
    public double EndValue { get; }

    /// <summary>Transition length.</summary>
    public Duration TransitionSteps { get; }

    /// <summary>Steps held at the initial value before the transition.</summary>
    public long TransitionBegin { get; }

    /// <inheritdoc />
    public override bool IsResolved => TransitionSteps.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => TransitionSteps.IsResolved ? Duration.Steps(TransitionBegin + TransitionSteps.StepCount) : null;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new OptaxLinearSchedule(InitValue, EndValue,
            TransitionSteps.ResolvedTo(totalSteps, Math.Max(1, totalSteps - TransitionBegin)), TransitionBegin);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate) =>
        Polynomial(step, InitValue, EndValue, 1.0, TransitionSteps.StepCount, TransitionBegin);

    /// <summary>optax's polynomial transition (linear_schedule is its power-1 case), in float32 as jax computes it.</summary>
    internal static double Polynomial(long step, double init, double end, double power, long transitionSteps, long transitionBegin)
    {
        long count = Math.Clamp(step - transitionBegin, 0, transitionSteps);
        float frac = 1f - (float)count / transitionSteps;
        return ((float)init - (float)end) * MathF.Pow(frac, (float)power) + (float)end;
    }
}
