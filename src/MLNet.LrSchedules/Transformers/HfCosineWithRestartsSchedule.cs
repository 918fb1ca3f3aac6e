namespace MLNet.LrSchedules;

/// <summary>
/// Linear warmup from 0, then <c>num_cycles</c> half-cosines from the base rate to 0 with hard restarts, and 0 from T on:
/// <c>lr(t) = base · max(0, ½(1 + cos(π · ((num_cycles · p) mod 1))))</c> with <c>p = (t − W) / max(1, T − W) &lt; 1</c>.
/// transformers <c>get_cosine_with_hard_restarts_schedule_with_warmup</c> (<c>SchedulerType "cosine_with_restarts"</c>).
/// </summary>
[ScheduleType("hf_cosine_with_restarts", "cosine_with_restarts", "get_cosine_with_hard_restarts_schedule_with_warmup")]
public sealed class HfCosineWithRestartsSchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="numWarmupSteps">Warmup length W (0 for none).</param>
    /// <param name="numTrainingSteps">Total length T, warmup included; the whole run by default; at least 1 step.</param>
    /// <param name="numCycles">Number of half-cosines (hard restarts) over T − W; &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public HfCosineWithRestartsSchedule(Duration numWarmupSteps, Duration numTrainingSteps = default, int numCycles = 1)
    {
        NumWarmupSteps = numWarmupSteps;
        NumTrainingSteps = Check.PositiveLength(numTrainingSteps);
        NumCycles = Check.NonNegative(numCycles);
    }

    /// <summary>Warmup length W.</summary>
    public Duration NumWarmupSteps { get; }

    /// <summary>Total length T, warmup included.</summary>
    public Duration NumTrainingSteps { get; }

    /// <summary>Number of half-cosines over T − W.</summary>
    public int NumCycles { get; }

    /// <inheritdoc />
    public override bool IsResolved => NumWarmupSteps.IsResolved && NumTrainingSteps.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => NumTrainingSteps.IsResolved ? NumTrainingSteps : null;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new HfCosineWithRestartsSchedule(
            HfWarmup.Resolve(NumWarmupSteps, totalSteps), NumTrainingSteps.ResolvedTo(totalSteps, totalSteps), NumCycles);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        long warmup = NumWarmupSteps.StepCount, training = NumTrainingSteps.StepCount;
        if (step < warmup) return baseLearningRate * HfWarmup.Linear(step, warmup);
        double progress = HfWarmup.Progress(step, warmup, training);
        if (progress >= 1.0) return 0.0;
        return baseLearningRate * Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * ((NumCycles * progress) % 1.0))));
    }
}
