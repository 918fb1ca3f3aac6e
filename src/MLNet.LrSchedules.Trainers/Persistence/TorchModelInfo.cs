namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The metadata a TorchSharp MLP stores inside an ML.NET model file (schedule, scheduler state, optimizer, history,
/// versions), read straight from the zip without loading ML.NET's pipeline or the network.
/// </summary>
public sealed class TorchModelInfo
{
    private readonly TorchNetworkModel _model;

    private TorchModelInfo(string directory, ManifestDocument manifest, TorchNetworkModel model, long optimizerStateBytes, bool isSealed)
    {
        Directory = directory;
        FormatVersion = manifest.FormatVersion;
        LibraryVersion = manifest.LibraryVersion;
        EntryNames = manifest.Entries.Select(e => e.Name).Prepend(TorchModelEntries.Manifest).ToArray();
        _model = model;
        OptimizerStateBytes = optimizerStateBytes;
        IsSealed = isSealed;
    }

    /// <summary>
    /// Reads the one TorchSharp MLP of the model file at <paramref name="modelPath"/>. Checks the file first, as
    /// <see cref="TorchModelFile.Verify"/> does: every byte against its seal (saved with <c>SaveSealed</c>), or its zip
    /// structure, every entry's CRC-32 and the network's SHA-256 manifest (saved with plain <c>mlContext.Model.Save</c>).
    /// </summary>
    /// <param name="modelPath">The model file.</param>
    /// <param name="maxBytes">The most the file, and the sum of its entries' declared sizes, may hold.</param>
    /// <exception cref="FileNotFoundException">No file at <paramref name="modelPath"/>.</exception>
    /// <exception cref="TorchModelFormatException">The file is damaged or was modified (the message names the file and the entry), declares more than <paramref name="maxBytes"/>, holds no TorchSharp MLP or several, or was written by a newer format version.</exception>
    public static TorchModelInfo Read(string modelPath, long maxBytes = TorchModelFile.DefaultMaxBytes)
    {
        var all = ReadAll(modelPath, maxBytes);
        return all.Count switch
        {
            0 => throw new TorchModelFormatException(modelPath, null, $"it holds no TorchSharp MLP (no entry named {TorchModelEntries.Manifest})."),
            1 => all[0],
            _ => throw new TorchModelFormatException(modelPath, null, $"it holds {all.Count} TorchSharp MLPs (in {string.Join(", ", all.Select(i => $"'{i.Directory}'"))}); use ReadAll."),
        };
    }

    /// <summary>Reads every TorchSharp MLP of the model file, in the order of their folders in the zip, after checking the file as <see cref="Read"/> does.</summary>
    /// <param name="modelPath">The model file.</param>
    /// <param name="maxBytes">The most the file, and the sum of its entries' declared sizes, may hold.</param>
    /// <exception cref="FileNotFoundException">No file at <paramref name="modelPath"/>.</exception>
    /// <exception cref="TorchModelFormatException">The file is damaged or was modified (the message names the file and the entry), declares more than <paramref name="maxBytes"/>, or was written by a newer format version.</exception>
    public static IReadOnlyList<TorchModelInfo> ReadAll(string modelPath, long maxBytes = TorchModelFile.DefaultMaxBytes)
    {
        using var file = CheckedModelFile.Open(modelPath, maxBytes);
        var infos = new List<TorchModelInfo>();
        foreach (var directory in TorchModelEntries.Directories(file.Layout.Entries.Select(e => e.Name)))
        {
            var entries = TorchModelEntries.ReadListed(modelPath, directory, name => file.SizeOf(directory + name), name => file.Read(directory + name), maxBytes);
            string folder = directory.TrimEnd('/', '\\');
            var (manifest, model) = TorchModelEntries.Decode(() => TorchModelSerializer.FromEntries(entries, $"The model file '{modelPath}' ({folder})"), modelPath, folder);
            infos.Add(new TorchModelInfo(folder, manifest, model, entries.GetValueOrDefault(TorchModelEntries.OptimizerState)?.LongLength ?? 0, file.IsSealed));
        }
        return infos;
    }

    /// <summary>True when the file is sealed (saved with <see cref="TorchModelFile.SaveSealed"/>) and every byte of it was checked against the seal.</summary>
    public bool IsSealed { get; }

    /// <summary>The folder of the transformer inside the zip, for example <c>TransformerChain/Transform_001</c>.</summary>
    public string Directory { get; }

    /// <summary>The format version of the entries.</summary>
    public int FormatVersion { get; }

    /// <summary>The version of MLNet.LrSchedules.Trainers that saved the model.</summary>
    public string LibraryVersion { get; }

    /// <summary>The entries stored in the zip, manifest first.</summary>
    public IReadOnlyList<string> EntryNames { get; }

    /// <summary>The task.</summary>
    public TrainingTask Task => _model.Task;

    /// <summary>The network: its resolved spec (input size, layers, the task's head), as trained. Format-1 files read as the equivalent <c>mlp(...)</c> spec.</summary>
    public NetworkSpec Network => _model.Network;

    /// <summary>The features column.</summary>
    public string FeatureColumnName => _model.FeatureColumnName;

    /// <summary>The label column of the training data.</summary>
    public string LabelColumnName => _model.LabelColumnName;

    /// <summary>The classes in output order, for multiclass models with key values; else null.</summary>
    public IReadOnlyList<string>? ClassNames => _model.ClassNames;

    /// <summary>The resolved schedule.</summary>
    public LrSchedule Schedule => _model.Schedule;

    /// <summary>The scheduler's state at the end of training.</summary>
    public LrSchedulerState SchedulerState => _model.SchedulerState;

    /// <summary>The optimizer's settings.</summary>
    public OptimizerSettings Optimizer => _model.Optimizer;

    /// <summary>Size of the saved optimizer state (moments, momentum buffers), in bytes.</summary>
    public long OptimizerStateBytes { get; }

    /// <summary>All the settings of the run.</summary>
    public EngineSettings Settings => _model.Settings;

    /// <summary>Regression: the label's mean and standard deviation the network learned to predict from (see <see cref="TorchNetworkModel.LabelStandardization"/>); else null.</summary>
    public LabelStandardization? LabelStandardization => _model.LabelStandardization;

    /// <summary>The training history.</summary>
    public TrainingHistory History => _model.History;

    /// <summary>Epochs completed.</summary>
    public int EpochsCompleted => _model.EpochsCompleted;

    /// <summary>Optimizer steps completed.</summary>
    public long StepsCompleted => _model.StepsCompleted;

    /// <summary>Why training stopped.</summary>
    public TrainingStopReason StopReason => _model.StopReason;
}
