using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Writes checkpoints as sealed ML.NET model files, atomically (<see cref="TorchModelFile.Write"/>): a crash mid-write
/// leaves the previous file intact.
/// </summary>
/// <remarks>
/// With a <see cref="CheckpointPipeline"/> the file holds the preprocessing and the network with the raw input schema;
/// without, the network alone with the trainer's input schema. <c>beforeCommit</c> runs between writing the temporary
/// file and moving it into place (tests simulate a crash there).
/// </remarks>
internal static class CheckpointFile
{
    public static void Write(IHostEnvironment env, TorchNetworkModel model, DataViewSchema inputSchema, string path, Action<Stream>? beforeCommit = null, CheckpointPipeline? pipeline = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
        var context = env as MLContext ?? new MLContext();
        var network = new TorchNetworkTransformer(env, model);
        TorchModelFile.Write(path, stream =>
        {
            if (pipeline is null) context.Model.Save(network, inputSchema, stream);
            else context.Model.Save(pipeline.Append(network), pipeline.InputSchema, stream);
        }, beforeCommit);
    }

    /// <summary>
    /// The state at the end of an epoch as a result: <see cref="TrainingStopReason.Completed"/> once every planned epoch
    /// ran, <see cref="TrainingStopReason.EarlyStopped"/> once the patience is used up, else
    /// <see cref="TrainingStopReason.Incomplete"/>. A checkpoint of a run that is still going thus says so.
    /// </summary>
    public static TrainingResult ResultAt(TrainingCheckpoint checkpoint) =>
        new(checkpoint, checkpoint.Weights, StopReasonAt(checkpoint.EpochsCompleted, checkpoint.Settings.Epochs, checkpoint.Settings.EarlyStoppingPatience, checkpoint.EpochsWithoutImprovement));

    /// <summary>
    /// The stop reason of a run that ended after <paramref name="epochsCompleted"/> epochs without diverging (also how a
    /// saved <see cref="TrainingStopReason.Completed"/> of an unfinished run, written by earlier versions, is read back).
    /// </summary>
    public static TrainingStopReason StopReasonAt(int epochsCompleted, int epochs, int? patience, int epochsWithoutImprovement) =>
        epochsCompleted >= epochs ? TrainingStopReason.Completed
        : patience is { } p && epochsWithoutImprovement >= p ? TrainingStopReason.EarlyStopped
        : TrainingStopReason.Incomplete;
}
