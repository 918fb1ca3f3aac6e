namespace MLNet.LrSchedules;

// Hugging Face transformers schedules (transformers.get_scheduler): every one multiplies the optimizer's base rate.
public abstract partial class LrSchedule
{
    /// <summary>The base rate unchanged. transformers <c>get_constant_schedule</c> (<c>"constant"</c>).</summary>
    public static ConstantSchedule HfConstant() => new();

    /// <summary>Linear warmup from 0, then the base rate. transformers <c>get_constant_schedule_with_warmup</c> (<c>"constant_with_warmup"</c>).</summary>
    /// <param name="numWarmupSteps">Warmup length (0 for none).</param>
    public static HfConstantWithWarmupSchedule HfConstantWithWarmup(Duration numWarmupSteps) => new(numWarmupSteps);

    /// <summary>Linear warmup, then linear decay to 0 at <paramref name="numTrainingSteps"/>.
    /// transformers <c>get_linear_schedule_with_warmup</c> (<c>"linear"</c>).</summary>
    /// <param name="numWarmupSteps">Warmup length (0 for none).</param>
    /// <param name="numTrainingSteps">Total length, warmup included; the whole run when null.</param>
    public static HfLinearSchedule HfLinear(Duration numWarmupSteps, Duration? numTrainingSteps = null) =>
        new(numWarmupSteps, numTrainingSteps ?? Duration.Rest);

    /// <summary>Linear warmup, then a cosine of <paramref name="numCycles"/> periods.
    /// transformers <c>get_cosine_schedule_with_warmup</c> (<c>"cosine"</c>).</summary>
    /// <param name="numWarmupSteps">Warmup length (0 for none).</param>
    /// <param name="numTrainingSteps">Total length, warmup included; the whole run when null.</param>
    /// <param name="numCycles">Number of cosine periods after warmup (0.5: a half-cosine to 0).</param>
    public static HfCosineSchedule HfCosine(Duration numWarmupSteps, Duration? numTrainingSteps = null, double numCycles = 0.5) =>
        new(numWarmupSteps, numTrainingSteps ?? Duration.Rest, numCycles);

    /// <summary>Linear warmup, then <paramref name="numCycles"/> half-cosines with hard restarts, 0 from the end on.
    /// transformers <c>get_cosine_with_hard_restarts_schedule_with_warmup</c> (<c>"cosine_with_restarts"</c>).</summary>
    /// <param name="numWarmupSteps">Warmup length (0 for none).</param>
    /// <param name="numTrainingSteps">Total length, warmup included; the whole run when null.</param>
    /// <param name="numCycles">Number of hard restarts.</param>
    public static HfCosineWithRestartsSchedule HfCosineWithRestarts(Duration numWarmupSteps, Duration? numTrainingSteps = null, int numCycles = 1) =>
        new(numWarmupSteps, numTrainingSteps ?? Duration.Rest, numCycles);

    /// <summary>Linear warmup, then polynomial decay from the base rate to <paramref name="lrEnd"/>.
    /// transformers <c>get_polynomial_decay_schedule_with_warmup</c> (<c>"polynomial"</c>).</summary>
    /// <param name="numWarmupSteps">Warmup length (0 for none).</param>
    /// <param name="numTrainingSteps">Total length, warmup included; the whole run when null.</param>
    /// <param name="lrEnd">The absolute end rate; the base rate must exceed it.</param>
    /// <param name="power">Power of the polynomial.</param>
    public static HfPolynomialSchedule HfPolynomial(Duration numWarmupSteps, Duration? numTrainingSteps = null, double lrEnd = 1e-7, double power = 1.0) =>
        new(numWarmupSteps, numTrainingSteps ?? Duration.Rest, lrEnd, power);

    /// <summary>Linear warmup, then inverse square-root decay. transformers <c>get_inverse_sqrt_schedule</c> (<c>"inverse_sqrt"</c>).</summary>
    /// <param name="numWarmupSteps">Warmup length (0 for none).</param>
    /// <param name="timescale">Time scale in steps; null for transformers' default (the warmup length, or 10 000 without warmup).</param>
    public static HfInverseSqrtSchedule HfInverseSqrt(Duration numWarmupSteps, long? timescale = null)
    {
        if (timescale is { } t) Check.Positive(t, nameof(timescale));
        return new(numWarmupSteps, timescale ?? 0);
    }

    /// <summary>Linear warmup, then a cosine down to a floor given by exactly one of <paramref name="minLr"/> and <paramref name="minLrRate"/>.
    /// transformers <c>get_cosine_with_min_lr_schedule_with_warmup</c> (<c>"cosine_with_min_lr"</c>).</summary>
    /// <param name="numWarmupSteps">Warmup length (0 for none).</param>
    /// <param name="numTrainingSteps">Total length, warmup included; the whole run when null.</param>
    /// <param name="numCycles">Number of cosine periods after warmup.</param>
    /// <param name="minLr">The absolute floor.</param>
    /// <param name="minLrRate">The floor as a fraction of the base rate.</param>
    /// <exception cref="ArgumentException">Neither or both of <paramref name="minLr"/> and <paramref name="minLrRate"/> are given.</exception>
    public static HfCosineWithMinLrSchedule HfCosineWithMinLr(Duration numWarmupSteps, Duration? numTrainingSteps = null,
        double numCycles = 0.5, double? minLr = null, double? minLrRate = null)
    {
        if (minLr is null == minLrRate is null)
            throw new ArgumentException(
                $"Exactly one of 'minLr' and 'minLrRate' must be given, as in transformers; received {(minLr is null ? "neither" : "both")}.",
                nameof(minLr));
        return new(numWarmupSteps, numTrainingSteps ?? Duration.Rest, numCycles, minLr ?? 0, minLrRate ?? 0);
    }

    /// <summary>Warmup, plateau, decay. transformers <c>get_wsd_schedule</c> (<c>"warmup_stable_decay"</c>).</summary>
    /// <param name="numWarmupSteps">Warmup length (0 for none).</param>
    /// <param name="numDecaySteps">Decay length.</param>
    /// <param name="numStableSteps">Plateau length; when null it is <paramref name="numTrainingSteps"/> − warmup − decay, or what the run leaves.</param>
    /// <param name="numTrainingSteps">Total length, used only when <paramref name="numStableSteps"/> is null (transformers uses the plateau when both are given).</param>
    /// <param name="warmupType">Warmup shape: <c>linear</c>, <c>cosine</c> or <c>1-sqrt</c>.</param>
    /// <param name="decayType">Decay shape: <c>linear</c>, <c>cosine</c> or <c>1-sqrt</c>.</param>
    /// <param name="minLrRatio">Start and end rate as a fraction of the base rate.</param>
    /// <param name="numCycles">Number of cosine periods over the decay, for the cosine decay.</param>
    public static HfWarmupStableDecaySchedule HfWarmupStableDecay(Duration numWarmupSteps, Duration numDecaySteps,
        Duration? numStableSteps = null, Duration? numTrainingSteps = null, string warmupType = "linear", string decayType = "cosine",
        double minLrRatio = 0, double numCycles = 0.5)
    {
        Duration stable = numStableSteps ?? Duration.Rest;
        if (numStableSteps is null && numTrainingSteps is { IsResolved: true } training
            && numWarmupSteps.IsResolved && numDecaySteps.IsResolved)
        {
            long left = training.StepCount - numWarmupSteps.StepCount - numDecaySteps.StepCount;
            if (left < 0)
                throw new ArgumentOutOfRangeException(nameof(numTrainingSteps), training,
                    $"Parameter 'numTrainingSteps' must be at least numWarmupSteps + numDecaySteps ({numWarmupSteps.StepCount + numDecaySteps.StepCount}); received {training}.");
            stable = Duration.Steps(left);
        }
        return new(numWarmupSteps, numDecaySteps, stable, warmupType, decayType, minLrRatio, numCycles);
    }
}
