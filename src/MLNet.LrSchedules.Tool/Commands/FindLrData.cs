using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>
/// Loads the data of <c>find-lr</c>: a CSV file (header row, comma-separated, optionally .gz) with a label column and numeric
/// features, or the repository's MNIST sample when no file is given. Features are standardized; a multiclass label is mapped to a key.
/// </summary>
/// <remarks>The MNIST default is read from data/mnist-10k.csv.gz found above the working directory or the tool; to be unified with the Tool's shared data loader.</remarks>
internal static class FindLrData
{
    public const string MnistFile = "mnist-10k.csv.gz";

    /// <summary>MNIST's fixed training split (data/README.md): the first 8,000 rows.</summary>
    public const int MnistTrainRows = 8000;

    /// <summary>The data ready for the trainer (columns <c>Features</c> and <c>Label</c>) and a description for the report.</summary>
    public static (IDataView Data, string Description) Load(MLContext ml, string? path, string labelColumn, TrainingTask task)
    {
        long? takeRows = null;
        if (path is null)
        {
            path = FindMnist() ?? throw new CommandException(
                $"No --data given and data/{MnistFile} was not found above the current directory or the tool; pass --data file.csv --label column.");
            takeRows = MnistTrainRows;
        }
        else if (!File.Exists(path))
        {
            throw new CommandException($"Data file '{path}' does not exist.");
        }

        string csv = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? Decompress(path) : path;
        string[] header;
        using (var reader = new StreamReader(csv))
            header = (reader.ReadLine() ?? throw new CommandException($"Data file '{path}' is empty.")).Split(',').Select(h => h.Trim().Trim('"')).ToArray();
        int label = Array.FindIndex(header, h => h.Equals(labelColumn, StringComparison.OrdinalIgnoreCase));
        if (label < 0)
            throw new CommandException($"Data file '{path}' has no column '{labelColumn}' (option --label); its columns are: {string.Join(", ", header.Take(12))}{(header.Length > 12 ? ", ..." : "")}.");
        if (header.Length < 2)
            throw new CommandException($"Data file '{path}' needs a label column and at least one feature column.");

        var ranges = new List<TextLoader.Range>();
        if (label > 0) ranges.Add(new TextLoader.Range(0, label - 1));
        if (label < header.Length - 1) ranges.Add(new TextLoader.Range(label + 1, header.Length - 1));
        var loader = ml.Data.CreateTextLoader(
            [
                new TextLoader.Column("Features", DataKind.Single, ranges.ToArray()),
                new TextLoader.Column("Label", task == TrainingTask.BinaryClassification ? DataKind.Boolean : DataKind.Single, label),
            ],
            separatorChar: ',', hasHeader: true);
        IDataView data = loader.Load(csv);
        if (takeRows is { } n) data = ml.Data.TakeRows(data, n);

        IEstimator<ITransformer> prep = ml.Transforms.NormalizeMeanVariance("Features", fixZero: false);
        if (task == TrainingTask.MulticlassClassification)
            prep = ml.Transforms.Conversion.MapValueToKey("Label").Append(prep);
        var prepared = ml.Data.Cache(prep.Fit(data).Transform(data));
        long rows = 0;
        using (var cursor = prepared.GetRowCursor([]))
            while (cursor.MoveNext()) rows++;
        string name = takeRows is null ? Path.GetFileName(path) : $"MNIST ({path}, first {MnistTrainRows} rows)";
        return (prepared, $"{name}: {rows} rows, {header.Length - 1} features, label '{header[label]}'");
    }

    private static string? FindMnist()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "data", MnistFile);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    private static string Decompress(string path)
    {
        string target = Path.Combine(Path.GetTempPath(), $"lrsched-{Path.GetFileNameWithoutExtension(path)}-{new FileInfo(path).Length}.csv");
        if (File.Exists(target)) return target;
        string partial = target + $".{Environment.ProcessId}.tmp";
        using (var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress))
        using (var output = File.Create(partial))
            input.CopyTo(output);
        File.Move(partial, target, overwrite: true);
        return target;
    }
}
