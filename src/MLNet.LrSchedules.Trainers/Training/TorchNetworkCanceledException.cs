namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Training was canceled (<see cref="TorchTrainerOptions.CancellationToken"/>, or <c>mlContext.CancelExecution()</c>) before
/// its next optimizer step. <see cref="LastCompletedModel"/> holds the run at the end of its last completed epoch, which
/// <see cref="TorchNetworkTrainer.Resume(Microsoft.ML.IDataView, TorchNetworkTransformer)"/> continues exactly.
/// </summary>
/// <remarks>An <see cref="OperationCanceledException"/>, so code that catches those still does.</remarks>
public sealed class TorchNetworkCanceledException : OperationCanceledException
{
    internal TorchNetworkCanceledException(string canceledBy, TorchNetworkTransformer? lastCompletedModel, string? checkpointPath)
        : base(Describe(canceledBy, lastCompletedModel, checkpointPath))
    {
        LastCompletedModel = lastCompletedModel;
    }

    /// <summary>
    /// The run at the end of its last completed epoch (its <see cref="TorchNetworkModel.StopReason"/> is
    /// <see cref="TrainingStopReason.Incomplete"/>; 0 epochs when canceled during the first), usable, savable and resumable
    /// like any fitted model; null when training was canceled before it started (while the data was read).
    /// </summary>
    public TorchNetworkTransformer? LastCompletedModel { get; }

    private static string Describe(string canceledBy, TorchNetworkTransformer? model, string? checkpointPath)
    {
        if (model is null) return $"Training was canceled by {canceledBy} before it started.";
        var m = model.Model;
        string file = checkpointPath is null || m.EpochsCompleted == 0 ? "" : $" and in the checkpoint '{checkpointPath}'";
        return $"Training was canceled by {canceledBy} after {m.EpochsCompleted} of {m.Settings.Epochs} epochs ({m.StepsCompleted} steps). "
               + $"The run at the end of epoch {m.EpochsCompleted} is in LastCompletedModel{file}; continue it with Resume(data, model).";
    }
}
