using System.IO.Compression;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The metadata a TorchSharp MLP stores inside an ML.NET model file (schedule, scheduler state, optimizer, history,
/// versions), read straight from the zip without loading ML.NET's pipeline or the network.
/// </summary>
public sealed class TorchModelInfo
{
    private readonly TorchNetworkModel _model;

    private TorchModelInfo(string directory, ManifestDocument manifest, TorchNetworkModel model, long optimizerStateBytes)
    {
        Directory = directory;
        FormatVersion = manifest.FormatVersion;
        LibraryVersion = manifest.LibraryVersion;
        EntryNames = manifest.Entries.Select(e => e.Name).Prepend(TorchModelEntries.Manifest).ToArray();
        _model = model;
        OptimizerStateBytes = optimizerStateBytes;
    }

    /// <summary>
    /// Reads the one TorchSharp MLP of the model file at <paramref name="modelPath"/> (saved with <c>mlContext.Model.Save</c>).
    /// Checks every entry's SHA-256.
    /// </summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="modelPath"/>.</exception>
    /// <exception cref="TorchModelFormatException">The file is not a complete zip, holds no TorchSharp MLP or several, an entry was modified, or it was written by a newer format version.</exception>
    public static TorchModelInfo Read(string modelPath)
    {
        var all = ReadAll(modelPath);
        return all.Count switch
        {
            0 => throw new TorchModelFormatException($"The model file '{modelPath}' holds no TorchSharp MLP (no entry named {TorchModelEntries.Manifest})."),
            1 => all[0],
            _ => throw new TorchModelFormatException($"The model file '{modelPath}' holds {all.Count} TorchSharp MLPs (in {string.Join(", ", all.Select(i => $"'{i.Directory}'"))}); use ReadAll."),
        };
    }

    /// <summary>Reads every TorchSharp MLP of the model file, in the order of their folders in the zip.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="modelPath"/>.</exception>
    /// <exception cref="TorchModelFormatException">The file is not a complete zip, an entry was modified, or it was written by a newer format version.</exception>
    public static IReadOnlyList<TorchModelInfo> ReadAll(string modelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"No model file at '{modelPath}'.", modelPath);
        try
        {
            using var zip = ZipFile.OpenRead(modelPath);
            var directories = zip.Entries
                .Where(e => e.Name == TorchModelEntries.Manifest)
                .Select(e => e.FullName[..^e.Name.Length])
                .OrderBy(d => d, StringComparer.Ordinal)
                .ToList();
            var infos = new List<TorchModelInfo>();
            foreach (var directory in directories)
            {
                var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                foreach (var entry in zip.Entries)
                {
                    if (!entry.FullName.StartsWith(directory, StringComparison.Ordinal) || entry.FullName.IndexOf('/', directory.Length) >= 0) continue;
                    if (!entry.Name.StartsWith("TorchMlp.", StringComparison.Ordinal)) continue;
                    using var stream = entry.Open();
                    using var copy = new MemoryStream();
                    stream.CopyTo(copy);
                    entries[entry.Name] = copy.ToArray();
                }
                var where = $"The model file '{modelPath}' ({directory.TrimEnd('/')})";
                var (manifest, model) = TorchModelSerializer.FromEntries(entries, where);
                infos.Add(new TorchModelInfo(directory.TrimEnd('/'), manifest, model, entries[TorchModelEntries.OptimizerState].LongLength));
            }
            return infos;
        }
        catch (InvalidDataException e)
        {
            throw new TorchModelFormatException($"The model file '{modelPath}' is not a complete zip archive (truncated or damaged): {e.Message}", e);
        }
    }

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

    /// <summary>The training history.</summary>
    public TrainingHistory History => _model.History;

    /// <summary>Epochs completed.</summary>
    public int EpochsCompleted => _model.EpochsCompleted;

    /// <summary>Optimizer steps completed.</summary>
    public long StepsCompleted => _model.StepsCompleted;

    /// <summary>Why training stopped.</summary>
    public TrainingStopReason StopReason => _model.StopReason;
}
