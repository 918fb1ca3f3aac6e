namespace MLNet.LrSchedules;

/// <summary>
/// Step decay after a warmup: <c>lr = base · decay_rate^⌊t / decay_t⌋</c>.
/// timm <c>StepLRScheduler</c> stepped per update (<c>t_in_epochs=False</c>, <c>step_update(num_updates=t)</c>).
/// </summary>
/// <remarks>The warmup goes linearly from <c>warmup_lr_init</c> to the base rate over <c>warmup_t</c> steps; with
/// <c>warmup_prefix</c> (timm's default here) t counts from the warmup's end, otherwise from step 0. <c>decay_t</c> may be
/// fractional, as in timm (Python's floor division). timm's optional noise (<c>noise_range_t</c>) is not supported: timm
/// draws it from torch's random generator, which cannot be reproduced here.</remarks>
[ScheduleType("timm_step", "StepLRScheduler")]
public sealed class TimmStepSchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="decayT">Steps between decays (may be fractional); finite and &gt; 0.</param>
    /// <param name="warmupT">Warmup length (0 for none).</param>
    /// <param name="decayRate">Factor applied every <paramref name="decayT"/> steps; finite and &gt;= 0.</param>
    /// <param name="warmupLrInit">Absolute rate at the warmup's first step; finite and &gt;= 0.</param>
    /// <param name="warmupPrefix">Count the decay periods from the warmup's end instead of step 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public TimmStepSchedule(double decayT, Duration warmupT, double decayRate = 1.0, double warmupLrInit = 0, bool warmupPrefix = true)
    {
        DecayT = Check.Positive(decayT);
        WarmupT = warmupT;
        DecayRate = Check.NonNegative(decayRate);
        WarmupLrInit = Check.NonNegative(warmupLrInit);
        WarmupPrefix = warmupPrefix;
    }

    /// <summary>Steps between decays.</summary>
    public double DecayT { get; }

    /// <summary>Warmup length.</summary>
    public Duration WarmupT { get; }

    /// <summary>Factor applied every <see cref="DecayT"/> steps.</summary>
    public double DecayRate { get; }

    /// <summary>Absolute rate at the warmup's first step.</summary>
    public double WarmupLrInit { get; }

    /// <summary>Whether decay periods count from the warmup's end.</summary>
    public bool WarmupPrefix { get; }

    /// <inheritdoc />
    public override bool IsResolved => WarmupT.IsResolved;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new TimmStepSchedule(DecayT, WarmupT.ResolvedTo(totalSteps, totalSteps), DecayRate, WarmupLrInit, WarmupPrefix);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        var warmup = new TimmWarmup(WarmupT.StepCount, WarmupLrInit, WarmupPrefix);
        if (warmup.Covers(step)) return warmup.Rate(step, baseLearningRate);
        long t = warmup.ScheduleStep(step);
        return baseLearningRate * Math.Pow(DecayRate, FloorDivide(t, DecayT));
    }

    /// <summary>Python's float floor division <c>t // d</c> (for t ≥ 0, d &gt; 0), which rounds as CPython does.</summary>
    private static double FloorDivide(long t, double d)
    {
        double x = t;
        double mod = x % d;
        double div = (x - mod) / d;
        if (div == 0) return 0;
        double floor = Math.Floor(div);
        return div - floor > 0.5 ? floor + 1.0 : floor;
    }
}
