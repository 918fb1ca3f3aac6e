namespace MLNet.LrSchedules;

/// <summary>
/// Cosine decay from <c>init_value</c> to <c>alpha · init_value</c>, held after:
/// <c>lr(t) = I · ((1 − α) · (½(1 + cos(π · min(t, T) / T)))^exponent + α)</c>. optax <c>cosine_decay_schedule</c>.
/// </summary>
/// <remarks>Returns absolute values and ignores the optimizer's base rate. Computed in float32, as optax (jax's default dtype) does, so values match optax's exactly.</remarks>
[ScheduleType("optax_cosine_decay", "cosine_decay_schedule")]
public sealed class OptaxCosineDecaySchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initValue">Value I at step 0; finite and &gt;= 0.</param>
    /// <param name="decaySteps">Decay length T; at least 1 step.</param>
    /// <param name="alpha">Final value as a fraction of <paramref name="initValue"/>; finite and &gt;= 0.</param>
    /// <param name="exponent">Power applied to the cosine factor; finite and &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public OptaxCosineDecaySchedule(double initValue, Duration decaySteps, double alpha = 0.0, double exponent = 1.0)
    {
        InitValue = Check.NonNegative(initValue);
        DecaySteps = Check.PositiveLength(decaySteps);
        Alpha = Check.NonNegative(alpha);
        Exponent = Check.NonNegative(exponent);
    }

    /// <summary>Value at step 0.</summary>
    public double InitValue { get; }

    /// <summary>Decay length.</summary>
    public Duration DecaySteps { get; }

    /// <summary>Final value as a fraction of the initial value.</summary>
    public double Alpha { get; }

    /// <summary>Power applied to the cosine factor.</summary>
    public double Exponent { get; }

    /// <inheritdoc />
    public override bool IsResolved => DecaySteps.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => DecaySteps.IsResolved ? DecaySteps : null;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new OptaxCosineDecaySchedule(InitValue, DecaySteps.ResolvedTo(totalSteps, totalSteps), Alpha, Exponent);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        float decaySteps = DecaySteps.StepCount;
        float count = Math.Min(step, decaySteps);
        float cosineDecay = 0.5f * (1f + MathF.Cos(MathF.PI * count / decaySteps));
        // optax computes 1 − alpha on the Python float, the rest in float32.
        return (float)InitValue * ((float)(1 - Alpha) * MathF.Pow(cosineDecay, (float)Exponent) + (float)Alpha);
    }
}
