namespace MLNet.LrSchedules;

/// <summary>
/// Continuous exponential decay of the base rate: <c>lr(t) = base · e^(−α·t)</c>.
/// The textbook form behind Keras' <c>ExponentialDecay(staircase=False)</c>, with the rate given per step
/// (<c>α = −ln(decay_rate) / decay_steps</c>).
/// </summary>
[ScheduleType("exponential_continuous")]
public sealed class ExponentialContinuousSchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="alpha">Decay constant per step (&gt;= 0).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is negative or not finite.</exception>
    public ExponentialContinuousSchedule(double alpha)
    {
        Alpha = Check.NonNegative(alpha);
    }

    /// <summary>Decay constant per step.</summary>
    public double Alpha { get; }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate) => baseLearningRate * Math.Exp(-Alpha * step);
}
