namespace MLNet.LrSchedules;

/// <summary>
/// Exponential decay from <c>init_value</c>: <c>lr(t) = I · rate^((t − B) / T)</c> for <c>t &gt; B</c> (the exponent floored
/// when <c>staircase</c>), <c>I</c> before, bounded by <c>end_value</c>. optax <c>exponential_decay</c>.
/// </summary>
/// <remarks>Returns absolute values and ignores the optimizer's base rate. Computed in float32, as optax (jax's default dtype) does, so values match optax's exactly. <c>end_value</c> is a lower bound when
/// <c>decay_rate &lt; 1</c> and an upper bound otherwise, applied to every step as in optax; 0 (the default) means no
/// bound (optax's <c>end_value=None</c>). optax turns <c>transition_steps ≤ 0</c> or <c>decay_rate = 0</c> into a constant and a
/// negative <c>transition_begin</c> into 0 with a log message; here they throw.</remarks>
[ScheduleType("optax_exponential_decay", "exponential_decay")]
public sealed class OptaxExponentialDecaySchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initValue">Value I before the decay starts; finite and &gt;= 0.</param>
    /// <param name="transitionSteps">Steps T over which the value is multiplied by <paramref name="decayRate"/>; at least 1.</param>
    /// <param name="decayRate">Factor per <paramref name="transitionSteps"/> steps (&gt; 0).</param>
    /// <param name="transitionBegin">Steps B held at <paramref name="initValue"/>; &gt;= 0.</param>
    /// <param name="staircase">Decay in whole periods of <paramref name="transitionSteps"/>.</param>
    /// <param name="endValue">Bound (lower when decaying, upper when growing); 0 for none; finite and &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public OptaxExponentialDecaySchedule(double initValue, long transitionSteps, double decayRate, long transitionBegin = 0,
        bool staircase = false, double endValue = 0)
    {
        InitValue = Check.NonNegative(initValue);
        TransitionSteps = Check.Positive(transitionSteps);
        DecayRate = Check.Positive(decayRate);
        TransitionBegin = Check.NonNegative(transitionBegin);
        Staircase = staircase;
        EndValue = Check.NonNegative(endValue);
    }

    /// <summary>Value before the decay starts.</summary>
    public double InitValue { get; }

    /// <summary>Steps over which the value is multiplied by <see cref="DecayRate"/>.</summary>
    public long TransitionSteps { get; }

    /// <summary>Factor per <see cref="TransitionSteps"/> steps.</summary>
    public double DecayRate { get; }

    /// <summary>Steps held at the initial value.</summary>
    public long TransitionBegin { get; }

    /// <summary>Decay in whole periods.</summary>
    public bool Staircase { get; }

    /// <summary>Bound on the value (lower when decaying, upper when growing); 0 for none.</summary>
    public double EndValue { get; }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        long decreasedCount = step - TransitionBegin;
        // optax divides Python ints (a double), then jax raises the rate to it in float32.
        float p = (float)((double)decreasedCount / TransitionSteps);
        if (Staircase) p = MathF.Floor(p);
        float value = decreasedCount <= 0 ? (float)InitValue : (float)InitValue * MathF.Pow((float)DecayRate, p);
        if (EndValue != 0)
            value = DecayRate < 1.0 ? MathF.Max(value, (float)EndValue) : MathF.Min(value, (float)EndValue);
        return value;
    }
}
