using System.Runtime.InteropServices;
using System.Text;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Turns a <see cref="TorchNetworkModel"/> into the named entries of a model file and back, without touching the network.</summary>
internal static class TorchModelSerializer
{
    public static List<KeyValuePair<string, byte[]>> ToEntries(TorchNetworkModel model)
    {
        var result = model.Result;
        var checkpoint = result.Checkpoint;
        var settings = checkpoint.Settings;
        var entries = new List<KeyValuePair<string, byte[]>>
        {
            new(TorchModelEntries.Network, TorchModelEntries.ToJsonBytes(
                new NetworkDocument(settings.Task, settings.Network, model.FeatureColumnName, model.LabelColumnName, model.ClassKeyValues))),
            new(TorchModelEntries.Weights, result.Weights),
            new(TorchModelEntries.Schedule, Encoding.UTF8.GetBytes(LrScheduleJson.Serialize(checkpoint.Schedule, indented: true))),
            new(TorchModelEntries.SchedulerState, Encoding.UTF8.GetBytes(LrScheduleJson.SerializeState(checkpoint.SchedulerState, indented: true))),
            new(TorchModelEntries.Optimizer, TorchModelEntries.ToJsonBytes(settings.Optimizer)),
            new(TorchModelEntries.OptimizerState, checkpoint.OptimizerState),
            new(TorchModelEntries.History, TorchModelEntries.ToJsonBytes(new HistoryDocument(checkpoint.History.Epochs, checkpoint.History.Steps))),
            new(TorchModelEntries.Training, TorchModelEntries.ToJsonBytes(new TrainingDocument(
                settings.LearningRate, settings.Epochs, settings.BatchSize, settings.StepUnit, settings.Seed,
                settings.EarlyStoppingPatience, settings.RestoreBestWeights, settings.Device,
                checkpoint.EpochsCompleted, checkpoint.StepsCompleted, checkpoint.TotalSteps,
                checkpoint.BestLoss, checkpoint.BestEpoch, checkpoint.EpochsWithoutImprovement, result.StopReason, settings.LabelStandardization, model.ShuffleRows, settings.NumberOfThreads))),
        };
        // The weights the run would continue from differ from the model's when it restored its best epoch.
        if (!checkpoint.Weights.AsSpan().SequenceEqual(result.Weights))
            entries.Add(new(CheckpointWeights, checkpoint.Weights));
        if (checkpoint.BestWeights is { } best && !best.AsSpan().SequenceEqual(result.Weights))
            entries.Add(new(BestWeights, best));
        if (checkpoint.PreviousUpdateDirection is { } direction)
            entries.Add(new(PreviousUpdateDirection, MemoryMarshal.AsBytes(direction.AsSpan()).ToArray()));
        return TorchModelEntries.WithManifest(settings.Task, TorchModelEntries.FormatVersionFor(settings), entries);
    }

    public const string CheckpointWeights = "TorchMlp.checkpoint_weights.bin";
    public const string BestWeights = "TorchMlp.best_weights.bin";

    /// <summary>The hypergradient's previous update direction: float32 values, little-endian, in parameter order.</summary>
    public const string PreviousUpdateDirection = "TorchMlp.previous_update_direction.bin";

    public static (ManifestDocument Manifest, TorchNetworkModel Model) FromEntries(IReadOnlyDictionary<string, byte[]> entries, string where)
    {
        var manifest = TorchModelEntries.Verify(entries, where);
        if (manifest.FormatVersion == 1) entries = Format1.Upgrade(entries, where);
        var network = TorchModelEntries.FromJsonBytes<NetworkDocument>(entries, TorchModelEntries.Network);
        var optimizer = TorchModelEntries.FromJsonBytes<OptimizerSettings>(entries, TorchModelEntries.Optimizer);
        var history = TorchModelEntries.FromJsonBytes<HistoryDocument>(entries, TorchModelEntries.History);
        var training = TorchModelEntries.FromJsonBytes<TrainingDocument>(entries, TorchModelEntries.Training);
        LrSchedule schedule;
        LrSchedulerState schedulerState;
        try
        {
            schedule = LrScheduleJson.Deserialize(TorchModelEntries.Utf8(entries[TorchModelEntries.Schedule]));
            schedulerState = LrScheduleJson.DeserializeState(TorchModelEntries.Utf8(entries[TorchModelEntries.SchedulerState]));
        }
        catch (FormatException e)
        {
            throw new TorchModelFormatException($"{where}: the schedule entries cannot be read back ({e.Message}).", e);
        }
        var settings = new EngineSettings(
            network.Task, network.Network, optimizer, schedule, training.LearningRate, training.Epochs, training.BatchSize,
            training.StepUnit, training.Seed, training.EarlyStoppingPatience, training.RestoreBestWeights, training.Device, training.NumberOfThreads, training.LabelStandardization);
        byte[] weights = entries[TorchModelEntries.Weights];
        var checkpoint = new TrainingCheckpoint(
            settings,
            entries.GetValueOrDefault(CheckpointWeights) ?? weights,
            entries[TorchModelEntries.OptimizerState],
            schedule,
            schedulerState,
            new TrainingHistory(history.Steps, history.Epochs),
            training.EpochsCompleted,
            training.StepsCompleted,
            training.TotalSteps,
            training.BestLoss,
            training.BestEpoch,
            training.EpochsWithoutImprovement,
            entries.GetValueOrDefault(BestWeights) ?? (settings.RestoresBestWeights && training.BestLoss is not null ? weights : null),
            ReadDirection(entries, where));
        // Checkpoints of earlier versions said Completed for a run that was still going.
        var stopReason = training.StopReason == TrainingStopReason.Completed
            ? CheckpointFile.StopReasonAt(training.EpochsCompleted, training.Epochs, training.EarlyStoppingPatience, training.EpochsWithoutImprovement)
            : training.StopReason;
        var result = new TrainingResult(checkpoint, weights, stopReason);
        return (manifest, new TorchNetworkModel(result, network.FeatureColumnName, network.LabelColumnName, network.ClassKeyValues, training.ShuffleRows ?? true));
    }

    private static float[]? ReadDirection(IReadOnlyDictionary<string, byte[]> entries, string where)
    {
        if (!entries.TryGetValue(PreviousUpdateDirection, out var bytes)) return null;
        if (bytes.Length % sizeof(float) != 0)
            throw new TorchModelFormatException($"{where}: the entry '{PreviousUpdateDirection}' holds {bytes.Length} bytes, not a whole number of float32 values.");
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Model files store little-endian float32 values; this machine is big-endian.");
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}

/// <summary>The network entry: the task, the resolved spec (JSON of <see cref="NetworkSpec"/>), the columns and the class names.</summary>
internal sealed record NetworkDocument(TrainingTask Task, NetworkSpec Network, string FeatureColumnName, string LabelColumnName, LabelKeyValues? ClassKeyValues);

internal sealed record HistoryDocument(IReadOnlyList<EpochRecord> Epochs, IReadOnlyList<StepRecord> Steps);

/// <summary>
/// The run's settings and progress. <c>LabelStandardization</c> and <c>ShuffleRows</c> are absent from files written before
/// they were saved: read as no standardization (there was none) and as the option's default, shuffled rows.
/// </summary>
internal sealed record TrainingDocument(
    double LearningRate, int Epochs, int BatchSize, ScheduleStepUnit StepUnit, int Seed, int? EarlyStoppingPatience,
    bool RestoreBestWeights, ComputeDevice Device, int EpochsCompleted, long StepsCompleted, long TotalSteps,
    double? BestLoss, int BestEpoch, int EpochsWithoutImprovement, TrainingStopReason StopReason,
    LabelStandardization? LabelStandardization = null, bool? ShuffleRows = null,
    // Absent from files written before the option existed: null, so a resumed run chooses its count.
    int? NumberOfThreads = null);
