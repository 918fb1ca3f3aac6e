namespace MLNet.LrSchedules;

// optax schedules (optax.schedules): they return absolute values and ignore the optimizer's base rate.
public abstract partial class LrSchedule
{
    /// <summary>A constant absolute value. optax <c>constant_schedule</c>.</summary>
    /// <param name="value">The learning rate held throughout.</param>
    public static OptaxConstantSchedule OptaxConstant(double value) => new(value);

    /// <summary>Linear transition from <paramref name="initValue"/> to <paramref name="endValue"/>. optax <c>linear_schedule</c>.</summary>
    /// <param name="initValue">Value before and at the start of the transition.</param>
    /// <param name="endValue">Value at the end of the transition and after.</param>
    /// <param name="transitionSteps">Transition length.</param>
    /// <param name="transitionBegin">Steps held at <paramref name="initValue"/> first.</param>
    public static OptaxLinearSchedule OptaxLinear(double initValue, double endValue, Duration transitionSteps, long transitionBegin = 0) =>
        new(initValue, endValue, transitionSteps, transitionBegin);

    /// <summary>Polynomial transition from <paramref name="initValue"/> to <paramref name="endValue"/>. optax <c>polynomial_schedule</c>.</summary>
    /// <param name="initValue">Value before and at the start of the transition.</param>
    /// <param name="endValue">Value at the end of the transition and after.</param>
    /// <param name="power">Power of the polynomial.</param>
    /// <param name="transitionSteps">Transition length.</param>
    /// <param name="transitionBegin">Steps held at <paramref name="initValue"/> first.</param>
    public static OptaxPolynomialSchedule OptaxPolynomial(double initValue, double endValue, double power, Duration transitionSteps, long transitionBegin = 0) =>
        new(initValue, endValue, power, transitionSteps, transitionBegin);

    /// <summary>Exponential decay. optax <c>exponential_decay</c>.</summary>
    /// <param name="initValue">Value before the decay starts.</param>
    /// <param name="transitionSteps">Steps over which the value is multiplied by <paramref name="decayRate"/>.</param>
    /// <param name="decayRate">Factor per <paramref name="transitionSteps"/> steps.</param>
    /// <param name="transitionBegin">Steps held at <paramref name="initValue"/> first.</param>
    /// <param name="staircase">Decay in whole periods.</param>
    /// <param name="endValue">Lower bound when decaying, upper bound when growing; null for none.</param>
    public static OptaxExponentialDecaySchedule OptaxExponentialDecay(double initValue, long transitionSteps, double decayRate,
        long transitionBegin = 0, bool staircase = false, double? endValue = null)
    {
        if (endValue is { } end)
        {
            Check.NonNegative(end, nameof(endValue));
            if (end == 0 && decayRate >= 1)
                throw new ArgumentOutOfRangeException(nameof(endValue), end,
                    "Parameter 'endValue' must be > 0 when decayRate >= 1, where it is an upper bound (0 would hold the value at 0); received 0.");
        }
        return new(initValue, transitionSteps, decayRate, transitionBegin, staircase, endValue ?? 0);
    }

    /// <summary>Scaled jumps at boundaries. optax <c>piecewise_constant_schedule</c>.</summary>
    /// <param name="initValue">Value before the first boundary.</param>
    /// <param name="boundariesAndScales">optax's <c>{step: scale}</c>; null or empty for a constant.</param>
    public static OptaxPiecewiseConstantSchedule OptaxPiecewiseConstant(double initValue, IReadOnlyDictionary<long, double>? boundariesAndScales = null)
    {
        var (boundaries, scales) = OptaxPiecewise.FromDictionary(boundariesAndScales ?? new Dictionary<long, double>());
        return new(initValue, boundaries, scales);
    }

    /// <summary>Linear or cosine interpolation between scaled values at boundaries. optax <c>piecewise_interpolate_schedule</c>.</summary>
    /// <param name="interpolateType"><c>linear</c> or <c>cosine</c>.</param>
    /// <param name="initValue">Value at step 0.</param>
    /// <param name="boundariesAndScales">optax's <c>{step: scale}</c>; null or empty for a constant.</param>
    public static OptaxPiecewiseInterpolateSchedule OptaxPiecewiseInterpolate(string interpolateType, double initValue,
        IReadOnlyDictionary<long, double>? boundariesAndScales = null)
    {
        var (boundaries, scales) = OptaxPiecewise.FromDictionary(boundariesAndScales ?? new Dictionary<long, double>());
        return new(interpolateType, initValue, boundaries, scales);
    }

    /// <summary>Cosine decay to <c>alpha · initValue</c>. optax <c>cosine_decay_schedule</c>.</summary>
    /// <param name="initValue">Value at step 0.</param>
    /// <param name="decaySteps">Decay length.</param>
    /// <param name="alpha">Final value as a fraction of <paramref name="initValue"/>.</param>
    /// <param name="exponent">Power applied to the cosine factor.</param>
    public static OptaxCosineDecaySchedule OptaxCosineDecay(double initValue, Duration decaySteps, double alpha = 0.0, double exponent = 1.0) =>
        new(initValue, decaySteps, alpha, exponent);

    /// <summary>Three linear phases (one cycle). optax <c>linear_onecycle_schedule</c>.</summary>
    /// <param name="transitionSteps">Cycle length.</param>
    /// <param name="peakValue">Highest value.</param>
    /// <param name="pctStart">Fraction of the cycle spent rising.</param>
    /// <param name="pctFinal">Fraction of the cycle at which the value is back to the start value.</param>
    /// <param name="divFactor">Start value is the peak divided by this.</param>
    /// <param name="finalDivFactor">End value is the start value divided by this.</param>
    public static OptaxLinearOnecycleSchedule OptaxLinearOnecycle(Duration transitionSteps, double peakValue, double pctStart = 0.3,
        double pctFinal = 0.85, double divFactor = 25.0, double finalDivFactor = 1e4) =>
        new(transitionSteps, peakValue, pctStart, pctFinal, divFactor, finalDivFactor);

    /// <summary>Cosine rise and fall (one cycle). optax <c>cosine_onecycle_schedule</c>.</summary>
    /// <param name="transitionSteps">Cycle length.</param>
    /// <param name="peakValue">Highest value.</param>
    /// <param name="pctStart">Fraction of the cycle spent rising.</param>
    /// <param name="divFactor">Start value is the peak divided by this.</param>
    /// <param name="finalDivFactor">End value is the start value divided by this.</param>
    public static OptaxCosineOnecycleSchedule OptaxCosineOnecycle(Duration transitionSteps, double peakValue, double pctStart = 0.3,
        double divFactor = 25.0, double finalDivFactor = 1e4) =>
        new(transitionSteps, peakValue, pctStart, divFactor, finalDivFactor);

    /// <summary>
    /// Runs <paramref name="schedules"/> one after another, switching at the absolute steps <paramref name="boundaries"/>;
    /// each schedule sees the steps since its boundary. optax <c>join_schedules</c>, built as a <see cref="SequenceSchedule"/>.
    /// </summary>
    /// <param name="schedules">The schedules, in order.</param>
    /// <param name="boundaries">One absolute step per schedule but the first, non-decreasing, &gt;= 0.</param>
    /// <exception cref="ArgumentException">The counts do not match or the boundaries decrease.</exception>
    public static SequenceSchedule OptaxJoin(IReadOnlyList<LrSchedule> schedules, IReadOnlyList<long> boundaries)
    {
        Check.NotNull(schedules, nameof(schedules));
        Check.NotNull(boundaries, nameof(boundaries));
        if (boundaries.Count != schedules.Count - 1)
            throw new ArgumentException(
                $"Parameter 'boundaries' must hold one step per schedule but the first ({Math.Max(0, schedules.Count - 1)}); received {boundaries.Count}.",
                nameof(boundaries));
        Check.NonDecreasing(boundaries, allowEmpty: true);
        var lengths = new Duration[boundaries.Count];
        long previous = 0;
        for (int i = 0; i < boundaries.Count; i++)
        {
            if (boundaries[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(boundaries), boundaries[i],
                    $"Parameter 'boundaries' must hold steps >= 0; received {boundaries[i]} at index {i}.");
            lengths[i] = Duration.Steps(boundaries[i] - previous);
            previous = boundaries[i];
        }
        return new SequenceSchedule(schedules, lengths);
    }

    /// <summary>Linear warmup from <paramref name="initValue"/> to <paramref name="peakValue"/>, then constant.
    /// optax <c>warmup_constant_schedule</c> (a <c>linear_schedule</c>).</summary>
    /// <param name="initValue">Value at step 0.</param>
    /// <param name="peakValue">Value at the end of the warmup and after.</param>
    /// <param name="warmupSteps">Warmup length.</param>
    public static OptaxLinearSchedule OptaxWarmupConstant(double initValue, double peakValue, Duration warmupSteps) =>
        new(initValue, peakValue, warmupSteps);

    /// <summary>
    /// Linear warmup from <paramref name="initValue"/> to <paramref name="peakValue"/>, then cosine decay to
    /// <paramref name="endValue"/> at <paramref name="decaySteps"/> (warmup included).
    /// optax <c>warmup_cosine_decay_schedule</c>: <c>join_schedules([linear_schedule, cosine_decay_schedule], [warmup_steps])</c>.
    /// </summary>
    /// <param name="initValue">Value at step 0.</param>
    /// <param name="peakValue">Value at the end of the warmup.</param>
    /// <param name="warmupSteps">Warmup length (0 for none).</param>
    /// <param name="decaySteps">The whole length, warmup included, as optax's <c>decay_steps</c> (greater than <paramref name="warmupSteps"/>).</param>
    /// <param name="endValue">Value at the end and after.</param>
    /// <param name="exponent">Power applied to the cosine factor.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public static LrSchedule OptaxWarmupCosineDecay(double initValue, double peakValue, long warmupSteps, long decaySteps,
        double endValue = 0.0, double exponent = 1.0)
    {
        Check.NonNegative(initValue, nameof(initValue));
        Check.NonNegative(peakValue, nameof(peakValue));
        Check.NonNegative(warmupSteps, nameof(warmupSteps));
        Check.NonNegative(endValue, nameof(endValue));
        Check.NonNegative(exponent, nameof(exponent));
        if (decaySteps <= warmupSteps)
            throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps,
                $"Parameter 'decaySteps' must be greater than warmupSteps ({warmupSteps}), as optax's cosine decay needs a positive length; received {decaySteps}.");
        double alpha = peakValue == 0.0 ? 0.0 : endValue / peakValue;
        var decay = new OptaxCosineDecaySchedule(peakValue, decaySteps - warmupSteps, alpha, exponent);
        // optax's join never evaluates a warmup of 0 steps, so it is left out.
        return warmupSteps == 0
            ? decay
            : new SequenceSchedule([new OptaxLinearSchedule(initValue, peakValue, warmupSteps), decay], [warmupSteps]);
    }

    /// <summary>
    /// Linear warmup from <paramref name="initValue"/> to <paramref name="peakValue"/>, then exponential decay from the peak.
    /// optax <c>warmup_exponential_decay_schedule</c>: <c>join_schedules([linear_schedule, exponential_decay], [warmup_steps])</c>.
    /// </summary>
    /// <param name="initValue">Value at step 0.</param>
    /// <param name="peakValue">Value at the end of the warmup.</param>
    /// <param name="warmupSteps">Warmup length (0 for none).</param>
    /// <param name="transitionSteps">Steps over which the value is multiplied by <paramref name="decayRate"/>.</param>
    /// <param name="decayRate">Factor per <paramref name="transitionSteps"/> steps.</param>
    /// <param name="transitionBegin">Steps held at the peak after the warmup.</param>
    /// <param name="staircase">Decay in whole periods.</param>
    /// <param name="endValue">Lower bound when decaying, upper bound when growing; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public static LrSchedule OptaxWarmupExponentialDecay(double initValue, double peakValue, long warmupSteps, long transitionSteps,
        double decayRate, long transitionBegin = 0, bool staircase = false, double? endValue = null)
    {
        Check.NonNegative(initValue, nameof(initValue));
        Check.NonNegative(warmupSteps, nameof(warmupSteps));
        var decay = OptaxExponentialDecay(peakValue, transitionSteps, decayRate, transitionBegin, staircase, endValue);
        return warmupSteps == 0
            ? decay
            : new SequenceSchedule([new OptaxLinearSchedule(initValue, peakValue, warmupSteps), decay], [warmupSteps]);
    }

    /// <summary>
    /// SGD with warm restarts: warmup-cosine cycles joined end to end, each lasting its <c>DecaySteps</c>.
    /// optax <c>sgdr_schedule(cosine_kwargs)</c>.
    /// </summary>
    /// <param name="cycles">The cycles' <c>warmup_cosine_decay_schedule</c> arguments, in order.</param>
    /// <exception cref="ArgumentException">No cycle, or a cycle's parameter is invalid (the message names its index).</exception>
    public static LrSchedule OptaxSgdr(IReadOnlyList<OptaxCosineCycle> cycles)
    {
        Check.NotNull(cycles, nameof(cycles));
        if (cycles.Count == 0)
            throw new ArgumentException("Parameter 'cycles' must hold at least one cycle; received none.", nameof(cycles));
        var schedules = new LrSchedule[cycles.Count];
        var lengths = new Duration[cycles.Count - 1];
        for (int i = 0; i < cycles.Count; i++)
        {
            var c = cycles[i];
            try
            {
                schedules[i] = OptaxWarmupCosineDecay(c.InitValue, c.PeakValue, c.WarmupSteps, c.DecaySteps, c.EndValue, c.Exponent);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Parameter 'cycles' holds an invalid cycle at index {i}: {e.Message}", nameof(cycles), e);
            }
            if (i < lengths.Length) lengths[i] = Duration.Steps(c.DecaySteps);
        }
        return cycles.Count == 1 ? schedules[0] : new SequenceSchedule(schedules, lengths);
    }
}
