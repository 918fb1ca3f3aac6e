namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// What a fitted <see cref="TorchNetworkTransformer"/> knows about itself: the network, the resolved schedule and its final
/// state, the optimizer, the settings of the run and its history. Saved with the model and restored on load.
/// </summary>
public sealed class TorchNetworkModel
{
    internal TorchNetworkModel(TrainingResult result, string featureColumnName, string labelColumnName, LabelKeyValues? classKeyValues, bool shuffleRows = true)
    {
        Result = result;
        FeatureColumnName = featureColumnName;
        LabelColumnName = labelColumnName;
        ClassKeyValues = classKeyValues;
        ShuffleRows = shuffleRows;
    }

    /// <summary>The engine's result: weights, and the checkpoint from which training can continue.</summary>
    internal TrainingResult Result { get; }

    internal LabelKeyValues? ClassKeyValues { get; }

    /// <summary>The task the network was trained for.</summary>
    public TrainingTask Task => Result.Checkpoint.Settings.Task;

    /// <summary>The network: its resolved spec (input size and the task's head included).</summary>
    public NetworkSpec Network => Result.Network;

    /// <summary>The features per row the network takes.</summary>
    internal int InputSize => Network.InputSize ?? throw new InvalidOperationException($"The model's network '{Network}' has no input size.");

    /// <summary>The network's outputs per row: the classes for multiclass, 1 otherwise.</summary>
    internal int OutputSize => Network.OutputSize ?? throw new InvalidOperationException($"The model's network '{Network}' does not end with a flat layer of known size.");

    /// <summary>The features column the model reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>The label column the model was trained on.</summary>
    public string LabelColumnName { get; }

    /// <summary>The classes in output order (the label's key values as text) for multiclass classification, when the label had key values; else null.</summary>
    public IReadOnlyList<string>? ClassNames => ClassKeyValues?.Values;

    /// <summary>The schedule, resolved to the run's step count (or epoch count with <see cref="ScheduleStepUnit.Epoch"/>).</summary>
    public LrSchedule Schedule => Result.Schedule;

    /// <summary>The scheduler's state at the end of training: base rate, next step, reactive state.</summary>
    public LrSchedulerState SchedulerState => Result.SchedulerState;

    /// <summary>The optimizer's settings.</summary>
    public OptimizerSettings Optimizer => Result.Checkpoint.Settings.Optimizer;

    /// <summary>
    /// Regression: the label's mean and standard deviation on the training data when the network learned the standardized
    /// label (<see cref="TorchNetworkRegressionOptions.StandardizeLabel"/>, the default); scores are <c>mean + std · output</c>.
    /// Null for classification and for a network trained on the label as it is.
    /// </summary>
    public LabelStandardization? LabelStandardization => Settings.LabelStandardization;

    /// <summary>All the settings of the run.</summary>
    public EngineSettings Settings => Result.Checkpoint.Settings;

    /// <summary>Per-step rates and losses and per-epoch summaries, of this run and of the runs it continued.</summary>
    public TrainingHistory History => Result.History;

    /// <summary>Whether the run shuffled the rows every epoch (<see cref="TorchTrainerOptions.ShuffleRows"/>); a resumed run keeps it.</summary>
    public bool ShuffleRows { get; }

    /// <summary>Epochs completed.</summary>
    public int EpochsCompleted => Result.EpochsCompleted;

    /// <summary>Optimizer steps completed.</summary>
    public long StepsCompleted => Result.StepsCompleted;

    /// <summary>Why training stopped.</summary>
    public TrainingStopReason StopReason => Result.StopReason;
}
