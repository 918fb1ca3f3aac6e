namespace MLNet.LrSchedules;

/// <summary>
/// Polynomial decay with restarts, cycle growth and decay, and k-decay:
/// <c>lr = lr_min + (base · cycle_decay^i − lr_min)(1 − t_curr^k / t_i^k)^power</c> in cycle i &lt; cycle_limit, <c>lr_min</c> after.
/// timm <c>PolyLRScheduler</c> stepped per update (<c>t_in_epochs=False</c>, <c>step_update(num_updates=t)</c>).
/// </summary>
/// <remarks>Cycle i lasts <c>t_initial · cycle_mul^i</c> steps; the cycle index is found with a logarithm, so any step costs
/// the same. The warmup goes linearly from <c>warmup_lr_init</c> to the base rate over <c>warmup_t</c> steps; with
/// <c>warmup_prefix</c> the cycles start after it, otherwise they count from step 0. timm's optional noise
/// (<c>noise_range_t</c>) is not supported: timm draws it from torch's random generator, which cannot be reproduced here.
/// With <c>cycle_mul &lt; 1</c> the shrinking cycles end at <c>t_initial / (1 − cycle_mul)</c>, where timm fails; from there
/// the rate is <c>lr_min</c>.</remarks>
[ScheduleType("timm_poly", "PolyLRScheduler")]
public sealed class TimmPolySchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="tInitial">Length of the first cycle; at least 1 step.</param>
    /// <param name="warmupT">Warmup length (0 for none).</param>
    /// <param name="power">Power of the polynomial; finite and &gt;= 0.</param>
    /// <param name="lrMin">Absolute rate at the end of each cycle and after the last; finite and &gt;= 0.</param>
    /// <param name="cycleMul">Factor on each next cycle's length; finite and &gt; 0.</param>
    /// <param name="cycleDecay">Factor on each next cycle's peak rate; finite and &gt;= 0.</param>
    /// <param name="cycleLimit">Number of cycles run before holding <paramref name="lrMin"/>; &gt;= 0.</param>
    /// <param name="warmupLrInit">Absolute rate at the warmup's first step; finite and &gt;= 0.</param>
    /// <param name="warmupPrefix">Start the cycles after the warmup instead of at step 0.</param>
    /// <param name="kDecay">k-decay exponent on the position in the cycle; finite and &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public TimmPolySchedule(Duration tInitial, Duration warmupT, double power = 0.5, double lrMin = 0, double cycleMul = 1, double cycleDecay = 1,
        int cycleLimit = 1, double warmupLrInit = 0, bool warmupPrefix = false, double kDecay = 1)
    {
        TInitial = Check.PositiveLength(tInitial);
        WarmupT = warmupT;
        Power = Check.NonNegative(power);
        LrMin = Check.NonNegative(lrMin);
        CycleMul = Check.Positive(cycleMul);
        CycleDecay = Check.NonNegative(cycleDecay);
        CycleLimit = Check.NonNegative(cycleLimit);
        WarmupLrInit = Check.NonNegative(warmupLrInit);
        WarmupPrefix = warmupPrefix;
        KDecay = Check.Positive(kDecay);
    }

    /// <summary>Length of the first cycle.</summary>
    public Duration TInitial { get; }

    /// <summary>Warmup length.</summary>
    public Duration WarmupT { get; }

    /// <summary>Power of the polynomial.</summary>
    public double Power { get; }

    /// <summary>Absolute rate at the end of each cycle and after the last.</summary>
    public double LrMin { get; }

    /// <summary>Factor on each next cycle's length.</summary>
    public double CycleMul { get; }

    /// <summary>Factor on each next cycle's peak rate.</summary>
    public double CycleDecay { get; }

    /// <summary>Number of cycles run.</summary>
    public int CycleLimit { get; }

    /// <summary>Absolute rate at the warmup's first step.</summary>
    public double WarmupLrInit { get; }

    /// <summary>Whether the cycles start after the warmup.</summary>
    public bool WarmupPrefix { get; }

    /// <summary>k-decay exponent.</summary>
    public double KDecay { get; }

    /// <inheritdoc />
    public override bool IsResolved => TInitial.IsResolved && WarmupT.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => TimmCycles.Length(TInitial, WarmupT, CycleMul, CycleLimit, WarmupPrefix);

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        if (IsResolved) return this;
        var (tInitial, warmupT) = TimmCycles.Resolve(TInitial, WarmupT, WarmupPrefix, totalSteps);
        return new TimmPolySchedule(tInitial, warmupT, Power, LrMin, CycleMul, CycleDecay, CycleLimit, WarmupLrInit, WarmupPrefix, KDecay);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        var cycles = new TimmCycles(new TimmWarmup(WarmupT.StepCount, WarmupLrInit, WarmupPrefix),
            TInitial.StepCount, CycleMul, CycleDecay, CycleLimit, KDecay);
        if (cycles.Warmup.Covers(step)) return cycles.Warmup.Rate(step, baseLearningRate);
        return cycles.TryLocate(step, baseLearningRate, out double peak, out double position, out double length)
            ? LrMin + (peak - LrMin) * Math.Pow(1 - position / length, Power)
            : LrMin;
    }
}
