namespace MLNet.LrSchedules;

/// <summary>
/// Inverse time decay of the base rate: <c>lr(t) = base / (1 + decay_rate · t / decay_steps)</c>, with
/// <c>⌊t / decay_steps⌋</c> when <c>staircase</c>.
/// Keras <c>keras.optimizers.schedules.InverseTimeDecay</c>, with <c>initial_learning_rate</c> = the optimizer's base rate.
/// </summary>
[ScheduleType("inverse_time_decay", "InverseTimeDecay")]
public sealed class KerasInverseTimeDecaySchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="decaySteps">Steps per unit of decay; at least 1.</param>
    /// <param name="decayRate">Rate of decay per <paramref name="decaySteps"/> steps; finite and &gt;= 0.</param>
    /// <param name="staircase">Decay in whole periods of <paramref name="decaySteps"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public KerasInverseTimeDecaySchedule(long decaySteps, double decayRate, bool staircase = false)
    {
        DecaySteps = Check.Positive(decaySteps);
        DecayRate = Check.NonNegative(decayRate);
        Staircase = staircase;
    }

    /// <summary>Steps per unit of decay.</summary>
    public long DecaySteps { get; }

    /// <summary>Rate of decay per <see cref="DecaySteps"/> steps.</summary>
    public double DecayRate { get; }

    /// <summary>Decay in whole periods.</summary>
    public bool Staircase { get; }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        double p = Staircase ? step / DecaySteps : (double)step / DecaySteps;
        return baseLearningRate / (1 + DecayRate * p);
    }
}
