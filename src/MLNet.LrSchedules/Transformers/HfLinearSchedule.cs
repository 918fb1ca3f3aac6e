namespace MLNet.LrSchedules;

/// <summary>
/// Linear warmup from 0 to the base rate, then linear decay to 0 at <c>num_training_steps</c> and 0 after:
/// <c>lr(t) = base · (t &lt; W ? t / max(1, W) : max(0, (T − t) / max(1, T − W)))</c>.
/// transformers <c>get_linear_schedule_with_warmup</c> (<c>SchedulerType "linear"</c>).
/// </summary>
[ScheduleType("hf_linear", "get_linear_schedule_with_warmup")]
public sealed class HfLinearSchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="numWarmupSteps">Warmup length W (0 for none).</param>
    /// <param name="numTrainingSteps">Total length T, warmup included; the whole run by default; at least 1 step.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numTrainingSteps"/> is 0 steps.</exception>
    public HfLinearSchedule(Duration numWarmupSteps, Duration numTrainingSteps = default)
    {
        NumWarmupSteps = numWarmupSteps;
        NumTrainingSteps = Check.PositiveLength(numTrainingSteps);
    }

    /// <summary>Warmup length W.</summary>
    public Duration NumWarmupSteps { get; }

    /// <summary>Total length T, warmup included.</summary>
    public Duration NumTrainingSteps { get; }

    /// <inheritdoc />
    public override bool IsResolved => NumWarmupSteps.IsResolved && NumTrainingSteps.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => NumTrainingSteps.IsResolved ? NumTrainingSteps : null;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new HfLinearSchedule(
            HfWarmup.Resolve(NumWarmupSteps, totalSteps), NumTrainingSteps.ResolvedTo(totalSteps, totalSteps));
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        long warmup = NumWarmupSteps.StepCount, training = NumTrainingSteps.StepCount;
        if (step < warmup) return baseLearningRate * HfWarmup.Linear(step, warmup);
        return baseLearningRate * Math.Max(0.0, (double)(training - step) / Math.Max(1L, training - warmup));
    }
}
