namespace MLNet.LrSchedules;

/// <summary>
/// Linear warmup from 0, then inverse square-root decay:
/// <c>lr(t) = base / sqrt((t + timescale − W) / timescale)</c> for <c>t ≥ W</c>.
/// transformers <c>get_inverse_sqrt_schedule</c> (<c>SchedulerType "inverse_sqrt"</c>).
/// </summary>
[ScheduleType("hf_inverse_sqrt", "inverse_sqrt", "get_inverse_sqrt_schedule")]
public sealed class HfInverseSqrtSchedule : LrSchedule
{
    /// <summary>transformers' timescale when neither it nor a warmup is given.</summary>
    public const long DefaultTimescale = 10_000;

    private readonly long _timescale;

    /// <summary>Creates the schedule.</summary>
    /// <param name="numWarmupSteps">Warmup length W (0 for none).</param>
    /// <param name="timescale">Time scale in steps; 0 (the default) means transformers' default: W, or 10 000 when W is 0; &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timescale"/> is negative.</exception>
    public HfInverseSqrtSchedule(Duration numWarmupSteps, long timescale = 0)
    {
        NumWarmupSteps = numWarmupSteps;
        Timescale = Check.NonNegative(timescale);
        if (numWarmupSteps.IsResolved)
            _timescale = timescale != 0 ? timescale : numWarmupSteps.StepCount != 0 ? numWarmupSteps.StepCount : DefaultTimescale;
    }

    /// <summary>Warmup length W.</summary>
    public Duration NumWarmupSteps { get; }

    /// <summary>The time scale as given; 0 stands for transformers' default (W, or 10 000 when W is 0).</summary>
    public long Timescale { get; }

    /// <inheritdoc />
    public override bool IsResolved => NumWarmupSteps.IsResolved;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new HfInverseSqrtSchedule(HfWarmup.Resolve(NumWarmupSteps, totalSteps), Timescale);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        long warmup = NumWarmupSteps.StepCount;
        if (step < warmup) return baseLearningRate * HfWarmup.Linear(step, warmup);
        long shift = _timescale - warmup;
        return baseLearningRate * (1.0 / Math.Sqrt((double)(step + shift) / _timescale));
    }
}
