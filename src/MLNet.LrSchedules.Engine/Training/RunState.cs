namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// How far a run got and what early stopping knows: what a checkpoint records besides the weights, optimizer and scheduler,
/// and what rolling back to one restores.
/// </summary>
internal sealed class RunState
{
    public TrainingHistory History { get; set; } = TrainingHistory.Empty;

    public int EpochsCompleted { get; set; }

    public long StepsCompleted { get; set; }

    /// <summary>The run's planned optimizer steps, known once the training source is (not restored by a rollback).</summary>
    public long TotalSteps { get; set; }

    public double? BestLoss { get; private set; }

    public int BestEpoch { get; private set; }

    public int EpochsWithoutImprovement { get; private set; }

    public byte[]? BestWeights { get; set; }

    /// <summary>Takes everything but <see cref="TotalSteps"/> from <paramref name="checkpoint"/>.</summary>
    public void Restore(TrainingCheckpoint checkpoint)
    {
        History = checkpoint.History;
        EpochsCompleted = checkpoint.EpochsCompleted;
        StepsCompleted = checkpoint.StepsCompleted;
        BestLoss = checkpoint.BestLoss;
        BestEpoch = checkpoint.BestEpoch;
        EpochsWithoutImprovement = checkpoint.EpochsWithoutImprovement;
        BestWeights = checkpoint.BestWeights;
    }

    /// <summary>Records the epoch's monitored loss; true when it is the best so far.</summary>
    public bool Improves(double monitored, int epoch)
    {
        if (BestLoss is { } best && !(monitored < best))
        {
            EpochsWithoutImprovement++;
            return false;
        }
        BestLoss = monitored;
        BestEpoch = epoch;
        EpochsWithoutImprovement = 0;
        return true;
    }

    /// <summary>True when early stopping's patience has run out.</summary>
    public bool OutOfPatience(int? patience) => patience is { } p && EpochsWithoutImprovement >= p;

    public TrainingCheckpoint Capture(EngineSettings settings, byte[] weights, byte[] optimizerState, LrScheduler scheduler, float[]? direction) => new(
        settings, weights, optimizerState, scheduler.Schedule, scheduler.GetState(), History,
        EpochsCompleted, StepsCompleted, TotalSteps, BestLoss, BestEpoch, EpochsWithoutImprovement, BestWeights, direction);
}
