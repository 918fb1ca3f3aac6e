namespace MLNet.LrSchedules;

// Keras-style decays of the optimizer's base rate (Keras' initial_learning_rate).
public abstract partial class LrSchedule
{
    /// <summary>Inverse time decay of the base rate. Keras <c>InverseTimeDecay</c>.</summary>
    /// <param name="decaySteps">Steps per unit of decay.</param>
    /// <param name="decayRate">Rate of decay per <paramref name="decaySteps"/> steps.</param>
    /// <param name="staircase">Decay in whole periods of <paramref name="decaySteps"/>.</param>
    public static KerasInverseTimeDecaySchedule InverseTimeDecay(long decaySteps, double decayRate, bool staircase = false) =>
        new(decaySteps, decayRate, staircase);

    /// <summary>Continuous exponential decay <c>base · e^(−α·t)</c>.</summary>
    /// <param name="alpha">Decay constant per step.</param>
    public static ExponentialContinuousSchedule ExponentialContinuous(double alpha) => new(alpha);

    /// <summary>Linear decay <c>max(base − α·t, floor)</c>.</summary>
    /// <param name="alpha">Amount subtracted per step (absolute).</param>
    /// <param name="floor">Lowest rate (absolute).</param>
    public static LinearDecaySchedule LinearDecay(double alpha, double floor = 0) => new(alpha, floor);
}
