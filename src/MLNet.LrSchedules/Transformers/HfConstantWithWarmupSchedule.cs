namespace MLNet.LrSchedules;

/// <summary>
/// Linear warmup from 0, then the base rate: <c>lr(t) = base · (t &lt; W ? t / max(1, W) : 1)</c>.
/// transformers <c>get_constant_schedule_with_warmup</c> (<c>SchedulerType "constant_with_warmup"</c>).
/// </summary>
[ScheduleType("hf_constant_with_warmup", "constant_with_warmup", "get_constant_schedule_with_warmup")]
public sealed class HfConstantWithWarmupSchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="numWarmupSteps">Warmup length W (0 for none).</param>
    public HfConstantWithWarmupSchedule(Duration numWarmupSteps)
    {
        NumWarmupSteps = numWarmupSteps;
    }

    /// <summary>Warmup length W.</summary>
    public Duration NumWarmupSteps { get; }

    /// <inheritdoc />
    public override bool IsResolved => NumWarmupSteps.IsResolved;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new HfConstantWithWarmupSchedule(HfWarmup.Resolve(NumWarmupSteps, totalSteps));
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        long warmup = NumWarmupSteps.StepCount;
        return step < warmup ? baseLearningRate * HfWarmup.Linear(step, warmup) : baseLearningRate;
    }
}
