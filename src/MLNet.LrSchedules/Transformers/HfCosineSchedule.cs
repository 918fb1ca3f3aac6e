namespace MLNet.LrSchedules;

/// <summary>
/// Linear warmup from 0, then a cosine wave of <c>num_cycles</c> periods over the remaining steps:
/// <c>lr(t) = base · max(0, ½(1 + cos(π · num_cycles · 2 · (t − W) / max(1, T − W))))</c> after warmup.
/// transformers <c>get_cosine_schedule_with_warmup</c> (<c>SchedulerType "cosine"</c>).
/// </summary>
/// <remarks>As in transformers, the wave is not stopped at T: past <c>num_training_steps</c> it keeps following the cosine
/// (with the default <c>num_cycles = 0.5</c> the rate rises again after T).</remarks>
[ScheduleType("hf_cosine", "get_cosine_schedule_with_warmup")]
public sealed class HfCosineSchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="numWarmupSteps">Warmup length W (0 for none).</param>
    /// <param name="numTrainingSteps">Total length T, warmup included; the whole run by default; at least 1 step.</param>
    /// <param name="numCycles">Number of cosine periods over T − W (0.5: a half-cosine from the base rate to 0); finite and &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public HfCosineSchedule(Duration numWarmupSteps, Duration numTrainingSteps = default, double numCycles = 0.5)
    {
        NumWarmupSteps = numWarmupSteps;
        NumTrainingSteps = Check.PositiveLength(numTrainingSteps);
        NumCycles = Check.NonNegative(numCycles);
    }

    /// <summary>Warmup length W.</summary>
    public Duration NumWarmupSteps { get; }

    /// <summary>Total length T, warmup included.</summary>
    public Duration NumTrainingSteps { get; }

    /// <summary>Number of cosine periods over T − W.</summary>
    public double NumCycles { get; }

    /// <inheritdoc />
    public override bool IsResolved => NumWarmupSteps.IsResolved && NumTrainingSteps.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => NumTrainingSteps.IsResolved ? NumTrainingSteps : null;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new HfCosineSchedule(
            HfWarmup.Resolve(NumWarmupSteps, totalSteps), NumTrainingSteps.ResolvedTo(totalSteps, totalSteps), NumCycles);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        long warmup = NumWarmupSteps.StepCount, training = NumTrainingSteps.StepCount;
        if (step < warmup) return baseLearningRate * HfWarmup.Linear(step, warmup);
        double progress = HfWarmup.Progress(step, warmup, training);
        return baseLearningRate * Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * NumCycles * 2.0 * progress)));
    }
}
