namespace MLNet.LrSchedules;

/// <summary>
/// One cycle of <see cref="LrSchedule.OptaxSgdr"/>: the keyword arguments optax's <c>sgdr_schedule</c> passes to
/// <c>warmup_cosine_decay_schedule</c>.
/// </summary>
/// <param name="InitValue">Value at the cycle's start.</param>
/// <param name="PeakValue">Value at the end of the cycle's warmup.</param>
/// <param name="WarmupSteps">Warmup length (0 for none).</param>
/// <param name="DecaySteps">Cycle length, warmup included.</param>
/// <param name="EndValue">Value at the cycle's end.</param>
/// <param name="Exponent">Power applied to the cosine factor.</param>
public readonly record struct OptaxCosineCycle(
    double InitValue, double PeakValue, long WarmupSteps, long DecaySteps, double EndValue = 0.0, double Exponent = 1.0);
