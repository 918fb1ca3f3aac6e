namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Everything needed to continue a training run exactly where it stopped: the network and its weights, the optimizer's
/// state (momentum buffers, Adam moments), the resolved schedule and its scheduler state, early-stopping state and the history.
/// Taken at the end of an epoch.
/// </summary>
/// <remarks>The byte arrays are owned by the checkpoint: do not change them.</remarks>
public sealed class TrainingCheckpoint
{
    /// <summary>Creates a checkpoint (the engine does; a model file reader may too).</summary>
    /// <param name="settings">The settings of the run.</param>
    /// <param name="weights">The network's weights and buffers (batch-norm statistics) in TorchSharp's module format.</param>
    /// <param name="optimizerState">The optimizer's state in TorchSharp's optimizer format.</param>
    /// <param name="schedule">The schedule, resolved to the run's step count.</param>
    /// <param name="schedulerState">The scheduler's state: base rate, next step, reactive state.</param>
    /// <param name="history">The history so far.</param>
    /// <param name="epochsCompleted">Epochs completed.</param>
    /// <param name="stepsCompleted">Optimizer steps completed.</param>
    /// <param name="totalSteps">The run's planned total optimizer steps (the schedule was resolved with it).</param>
    /// <param name="bestLoss">The best monitored loss so far (validation loss, else training loss), or null before the first epoch.</param>
    /// <param name="bestEpoch">The epoch of <paramref name="bestLoss"/>, or 0.</param>
    /// <param name="epochsWithoutImprovement">Epochs since <paramref name="bestLoss"/> last improved.</param>
    /// <param name="bestWeights">The weights at <paramref name="bestEpoch"/>, kept when the run restores its best weights; else null.</param>
    /// <param name="previousUpdateDirection">The last step's update direction (θ_before − θ_after) / lr, flattened, kept for schedules that listen to <see cref="ScheduleSignal.GradientDot"/>; else null.</param>
    public TrainingCheckpoint(
        EngineSettings settings,
        byte[] weights,
        byte[] optimizerState,
        LrSchedule schedule,
        LrSchedulerState schedulerState,
        TrainingHistory history,
        int epochsCompleted,
        long stepsCompleted,
        long totalSteps,
        double? bestLoss = null,
        int bestEpoch = 0,
        int epochsWithoutImprovement = 0,
        byte[]? bestWeights = null,
        float[]? previousUpdateDirection = null)
    {
        Settings = Check.NotNull(settings, nameof(settings));
        Weights = Check.NotNull(weights, nameof(weights));
        OptimizerState = Check.NotNull(optimizerState, nameof(optimizerState));
        Schedule = Check.NotNull(schedule, nameof(schedule));
        SchedulerState = Check.NotNull(schedulerState, nameof(schedulerState));
        History = Check.NotNull(history, nameof(history));
        EpochsCompleted = Check.NonNegative(epochsCompleted, nameof(epochsCompleted));
        StepsCompleted = Check.NonNegative(stepsCompleted, nameof(stepsCompleted));
        TotalSteps = Check.NonNegative(totalSteps, nameof(totalSteps));
        BestLoss = bestLoss;
        BestEpoch = Check.NonNegative(bestEpoch, nameof(bestEpoch));
        EpochsWithoutImprovement = Check.NonNegative(epochsWithoutImprovement, nameof(epochsWithoutImprovement));
        BestWeights = bestWeights;
        PreviousUpdateDirection = previousUpdateDirection;
    }

    /// <summary>The settings of the run.</summary>
    public EngineSettings Settings { get; }

    /// <summary>The network: its resolved spec (input size, layers, the task's head).</summary>
    public NetworkSpec Network => Settings.Network;

    /// <summary>The network's weights in TorchSharp's module format (<c>Module.save</c>).</summary>
    public byte[] Weights { get; }

    /// <summary>The optimizer's state in TorchSharp's format (<c>save_state_dict</c>): options, momentum buffers, Adam moments and step counts.</summary>
    public byte[] OptimizerState { get; }

    /// <summary>The schedule, resolved to the run's step count.</summary>
    public LrSchedule Schedule { get; }

    /// <summary>The scheduler's state: base rate, next step, reactive state.</summary>
    public LrSchedulerState SchedulerState { get; }

    /// <summary>The history so far.</summary>
    public TrainingHistory History { get; }

    /// <summary>Epochs completed.</summary>
    public int EpochsCompleted { get; }

    /// <summary>Optimizer steps completed.</summary>
    public long StepsCompleted { get; }

    /// <summary>The run's planned total optimizer steps.</summary>
    public long TotalSteps { get; }

    /// <summary>The best monitored loss so far (validation loss, else training loss; lower is better), or null.</summary>
    public double? BestLoss { get; }

    /// <summary>The epoch of <see cref="BestLoss"/> (1-based), or 0.</summary>
    public int BestEpoch { get; }

    /// <summary>Epochs since <see cref="BestLoss"/> last improved.</summary>
    public int EpochsWithoutImprovement { get; }

    /// <summary>The weights at <see cref="BestEpoch"/> when the run restores its best weights; else null.</summary>
    public byte[]? BestWeights { get; }

    /// <summary>
    /// The last step's update direction (θ_before − θ_after) / lr over all parameters, flattened in parameter order, when the
    /// schedule listens to <see cref="ScheduleSignal.GradientDot"/> (so a resumed hypergradient run is exact); else null.
    /// </summary>
    public float[]? PreviousUpdateDirection { get; }
}

/// <summary>Why training stopped.</summary>
public enum TrainingStopReason
{
    /// <summary>All epochs ran.</summary>
    Completed,
    /// <summary>The monitored loss stopped improving for the early-stopping patience.</summary>
    EarlyStopped,
    /// <summary>The loss became NaN or infinite; the result holds the last good epoch (see <see cref="TrainingDivergedException"/>).</summary>
    Diverged,
    /// <summary>
    /// The run has not finished: fewer epochs than planned ran, and neither early stopping nor divergence ended it (a
    /// checkpoint written during training, or a run stopped before its end). It can be resumed.
    /// </summary>
    Incomplete,
}

/// <summary>The outcome of a training run: the model's weights, and a checkpoint from which training can continue.</summary>
public sealed class TrainingResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="checkpoint">The state at the end of the last epoch that ran.</param>
    /// <param name="weights">The model's weights: the best epoch's when the run restored its best weights, else the last.</param>
    /// <param name="stopReason">Why training stopped.</param>
    public TrainingResult(TrainingCheckpoint checkpoint, byte[] weights, TrainingStopReason stopReason)
    {
        Checkpoint = Check.NotNull(checkpoint, nameof(checkpoint));
        Weights = Check.NotNull(weights, nameof(weights));
        StopReason = stopReason;
    }

    /// <summary>The state at the end of the last epoch that ran; pass it to <see cref="TrainingEngine"/> to continue.</summary>
    public TrainingCheckpoint Checkpoint { get; }

    /// <summary>The model's weights in TorchSharp's module format: the best epoch's when the run restored its best weights, else the last.</summary>
    public byte[] Weights { get; }

    /// <summary>Why training stopped.</summary>
    public TrainingStopReason StopReason { get; }

    /// <summary>The network: its resolved spec (input size, layers, the task's head).</summary>
    public NetworkSpec Network => Checkpoint.Network;

    /// <summary>The history of the run (and of the runs it resumed).</summary>
    public TrainingHistory History => Checkpoint.History;

    /// <summary>The schedule, resolved to the run's step count.</summary>
    public LrSchedule Schedule => Checkpoint.Schedule;

    /// <summary>The scheduler's final state.</summary>
    public LrSchedulerState SchedulerState => Checkpoint.SchedulerState;

    /// <summary>Epochs completed.</summary>
    public int EpochsCompleted => Checkpoint.EpochsCompleted;

    /// <summary>Optimizer steps completed.</summary>
    public long StepsCompleted => Checkpoint.StepsCompleted;
}

/// <summary>
/// Training diverged: the loss became NaN or infinite. The engine's weights were rolled back to the end of the last good
/// epoch, which <see cref="LastGoodResult"/> holds.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(long step, int epoch, double learningRate, double loss, TrainingResult lastGoodResult)
        : base(Describe(step, epoch, learningRate, loss, lastGoodResult?.EpochsCompleted, "OptimizerSettings.GradientClipNorm"))
    {
        Step = step;
        Epoch = epoch;
        LearningRate = learningRate;
        Loss = loss;
        LastGoodResult = Check.NotNull(lastGoodResult, nameof(lastGoodResult));
    }

    /// <summary>The message, naming the setting that clips gradients as the caller knows it (<paramref name="clipSetting"/>).</summary>
    internal static string Describe(long step, int epoch, double learningRate, double loss, int? lastGoodEpoch, string clipSetting) =>
        $"Training diverged at step {step} (epoch {epoch}): the loss became {loss} with learning rate {learningRate:R}. "
        + $"The weights were rolled back to the end of epoch {lastGoodEpoch}; lower the learning rate or clip gradients ({clipSetting}).";

    /// <summary>The optimizer step (0-based) whose loss was not finite.</summary>
    public long Step { get; }

    /// <summary>The epoch (1-based) of <see cref="Step"/>.</summary>
    public int Epoch { get; }

    /// <summary>The learning rate in force at <see cref="Step"/>.</summary>
    public double LearningRate { get; }

    /// <summary>The loss: NaN or infinite.</summary>
    public double Loss { get; }

    /// <summary>The state at the end of the last epoch completed before the divergence (the initial state if none).</summary>
    public TrainingResult LastGoodResult { get; }
}
