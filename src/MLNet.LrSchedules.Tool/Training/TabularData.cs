using System.Globalization;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Tool.Commands;
using MLNet.LrSchedules.Tool.Files;

namespace MLNet.LrSchedules.Tool.Training;

/// <summary>What to do with a feature cell that is neither a finite number nor a missing-value marker.</summary>
internal enum InvalidCells
{
    /// <summary>Fail, naming the file, line and column (the default).</summary>
    Error,
    /// <summary>Count it as missing: filled with the column's mean, like an empty cell.</summary>
    Missing,
    /// <summary>Leave its whole column out of the features (for text columns such as names or ids).</summary>
    DropColumn,
}

/// <summary>How to read a data file: the label, a row limit, the treatment of invalid cells and the columns to leave out.</summary>
internal sealed record DataReadOptions(string Label, int? LimitRows = null, InvalidCells InvalidCells = InvalidCells.Error, IReadOnlyList<string>? IgnoreColumns = null)
{
    public IReadOnlyList<string> Ignored => IgnoreColumns ?? [];
}

/// <summary>The row indices of a split: training, validation (carved out of the training part) and test.</summary>
internal sealed record DataSplit(int[] Train, int[] Validation, int[] Test);

/// <summary>A table read from CSV/TSV: a label column (raw text) and the numeric feature columns, each row with its line number.</summary>
internal sealed class TabularData
{
    public const string LabelColumn = "Label";
    public const string FeaturesColumn = "Features";
    public const string MnistName = "the embedded MNIST sample (data/mnist-10k.csv.gz: 8,000 training and 2,000 test digits, pixels scaled by 1/255)";
    public const string MissingMarkers = "empty, NA, NaN, null or ?";

    private TabularData(string source, string labelName, string[] featureNames, string[] labels, float[][] features, int[] lines, IReadOnlyList<string> notes)
    {
        Source = source;
        LabelName = labelName;
        FeatureNames = featureNames;
        Labels = labels;
        Features = features;
        Lines = lines;
        Notes = notes;
    }

    /// <summary>The file as the user named it (or the MNIST resource name).</summary>
    public string Source { get; }
    public string LabelName { get; }
    public string[] FeatureNames { get; }
    public string[] Labels { get; }
    public float[][] Features { get; }
    /// <summary>The 1-based line of each row in the file.</summary>
    public int[] Lines { get; }
    /// <summary>What the reader decided on the user's behalf (columns left out, values filled).</summary>
    public IReadOnlyList<string> Notes { get; }
    public int Rows => Labels.Length;

    /// <summary>The embedded MNIST sample, in file order (the first 8,000 rows train, the last 2,000 test).</summary>
    public static TabularData Mnist(int? limitRows = null)
    {
        var stream = typeof(TabularData).Assembly.GetManifestResourceStream("mnist-10k.csv.gz")
                     ?? throw new CommandException("mnist-10k.csv.gz: missing from this build of lrsched (expected an embedded resource)");
        using var reader = new LineReader(new StreamReader(new GZipStream(stream, CompressionMode.Decompress)), "mnist-10k.csv.gz", "CSV file", InputFiles.MaxDataLineChars);
        var data = Parse(reader, ',', new DataReadOptions("label", limitRows));
        // Pixels 0..255 scaled to [0, 1]: per-pixel standardization would blow up the rarely-lit border pixels.
        foreach (var row in data.Features)
            for (int i = 0; i < row.Length; i++) row[i] /= 255f;
        return data;
    }

    /// <summary>Reads a CSV or TSV file (optionally .gz, at most 1 GiB unpacked); the separator comes from the extension, else from the header line.</summary>
    public static TabularData Load(string path, DataReadOptions options)
    {
        InputFiles.RequireFile(path, "CSV or TSV data file", InputFiles.MaxDataBytes);
        try
        {
            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) stream = new GZipStream(stream, CompressionMode.Decompress);
            using var reader = new LineReader(new StreamReader(stream), path, "CSV or TSV data file", InputFiles.MaxDataLineChars, InputFiles.MaxDataBytes);
            return Parse(reader, null, options);
        }
        catch (UnauthorizedAccessException e) { throw new CommandException($"{path}: cannot be read: {e.Message} (expected a readable data file)", e); }
        catch (InvalidDataException e) { throw new CommandException($"{path}: cannot be read: {e.Message} (expected a CSV/TSV file, or one compressed with gzip)", e); }
    }

    internal static char InferSeparator(string path, string header)
    {
        string name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        string ext = Path.GetExtension(name).ToLowerInvariant();
        if (ext is ".tsv" or ".tab") return '\t';
        if (ext == ".csv") return header.Contains(',') || !header.Contains(';') ? ',' : ';';
        char[] candidates = ['\t', ',', ';', '|'];
        return candidates.OrderByDescending(c => header.Count(ch => ch == c)).First();
    }

    private static TabularData Parse(LineReader reader, char? knownSeparator, DataReadOptions options)
    {
        string source = reader.Source;
        string headerLine = reader.ReadLine()?.TrimStart('\uFEFF') ?? throw new CommandException($"{source}: empty (expected a header line, then one row per line)");
        char separator = knownSeparator ?? InferSeparator(source, headerLine);
        var header = SplitLine(headerLine, separator);
        for (int i = 0; i < header.Length; i++)
            for (int j = 0; j < i; j++)
                if (string.Equals(header[i], header[j], StringComparison.OrdinalIgnoreCase))
                    throw new CommandException($"{source}: line 1: columns {j + 1} and {i + 1} are both named '{header[i]}' (expected distinct column names)");
        int labelIndex = Array.FindIndex(header, h => string.Equals(h, options.Label, StringComparison.OrdinalIgnoreCase));
        if (labelIndex < 0)
            throw new CommandException($"{source}: no column '{options.Label}' (expected the label column, picked with --label, among: {Preview(header)})");
        var ignored = new HashSet<int>();
        foreach (var name in options.Ignored)
        {
            int index = Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
            if (index < 0) throw new CommandException($"{source}: no column '{name}' (expected --ignore-columns to name columns among: {Preview(header)})");
            if (index == labelIndex) throw new CommandException($"{source}: '{name}' is the label (expected --ignore-columns to name feature columns)");
            ignored.Add(index);
        }
        int[] candidates = Enumerable.Range(0, header.Length).Where(c => c != labelIndex && !ignored.Contains(c)).ToArray();

        var labels = new List<string>();
        var rows = new List<float[]>();
        var lines = new List<int>();
        var missing = new int[candidates.Length];
        var invalid = new int[candidates.Length];
        var dropped = new string?[candidates.Length];
        string? line;
        while ((options.LimitRows is not { } limit || rows.Count < limit) && (line = reader.ReadLine()) is not null)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            int lineNumber = reader.LineNumber;
            var cells = SplitLine(line, separator);
            if (cells.Length != header.Length)
                throw new CommandException($"{source}: line {lineNumber}: {cells.Length} fields (expected {header.Length}, as in the header)");
            string label = cells[labelIndex];
            if (IsMissing(label))
                throw new CommandException($"{source}: line {lineNumber}, column '{header[labelIndex]}': no label ('{label}') (expected a label in every row)");
            var values = new float[candidates.Length];
            for (int k = 0; k < candidates.Length; k++)
            {
                if (dropped[k] is not null) continue;
                string cell = cells[candidates[k]];
                if (IsMissing(cell)) { values[k] = float.NaN; missing[k]++; continue; }
                if (float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v)) { values[k] = v; continue; }
                switch (options.InvalidCells)
                {
                    case InvalidCells.Missing:
                        values[k] = float.NaN;
                        invalid[k]++;
                        break;
                    case InvalidCells.DropColumn:
                        dropped[k] = $"column '{header[candidates[k]]}' left out of the features: line {lineNumber} holds '{Shorten(cell)}', not a number";
                        break;
                    default:
                        throw new CommandException($"{source}: line {lineNumber}, column '{header[candidates[k]]}': '{Shorten(cell)}' is not a finite number (expected a number, or {MissingMarkers} for a missing value; --invalid-cells missing or drop-column, or --ignore-columns, accept it)");
                }
            }
            labels.Add(label);
            rows.Add(values);
            lines.Add(lineNumber);
        }
        if (rows.Count == 0) throw new CommandException($"{source}: a header but no rows (expected one row per line after the header)");

        var notes = new List<string>();
        foreach (int c in ignored.Order()) notes.Add($"column '{header[c]}' left out of the features (--ignore-columns)");
        var keep = new List<int>();
        for (int k = 0; k < candidates.Length; k++)
        {
            string name = header[candidates[k]];
            if (dropped[k] is { } why) { notes.Add(why); continue; }
            if (missing[k] + invalid[k] == rows.Count) { notes.Add($"column '{name}' has no value in any row: left out of the features"); continue; }
            keep.Add(k);
            if (missing[k] + invalid[k] == 0) continue;
            double mean = rows.Select(r => r[k]).Where(float.IsFinite).Average(v => (double)v);
            foreach (var r in rows) if (float.IsNaN(r[k])) r[k] = (float)mean;
            notes.Add($"column '{name}': {(missing[k] > 0 ? $"{missing[k]} missing" : "")}{(missing[k] > 0 && invalid[k] > 0 ? " and " : "")}{(invalid[k] > 0 ? $"{invalid[k]} invalid (--invalid-cells missing)" : "")} values filled with the column mean");
        }
        if (keep.Count == 0)
            throw new CommandException($"{source}: no numeric feature column besides the label '{header[labelIndex]}' (expected at least one)");
        var features = keep.Count == candidates.Length ? rows.ToArray() : rows.Select(r => keep.Select(k => r[k]).ToArray()).ToArray();
        return new TabularData(source, header[labelIndex], keep.Select(k => header[candidates[k]]).ToArray(), labels.ToArray(), features, lines.ToArray(), notes);
    }

    private static bool IsMissing(string cell) => cell.Length == 0 || cell is "NA" or "NaN" or "nan" or "null" or "?";

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";

    private static string Preview(string[] names) =>
        string.Join(", ", names.Take(12).Select(n => $"'{n}'")) + (names.Length > 12 ? $", ... ({names.Length} in all)" : "");

    /// <summary>Splits a line on <paramref name="separator"/>, honouring double-quoted fields.</summary>
    internal static string[] SplitLine(string line, char separator)
    {
        if (!line.Contains('"')) return line.Split(separator).Select(s => s.Trim()).ToArray();
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else current.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == separator) { fields.Add(current.ToString().Trim()); current.Clear(); }
            else current.Append(ch);
        }
        fields.Add(current.ToString().Trim());
        return fields.ToArray();
    }

    /// <summary>The task the labels look like (<see cref="CliTask.Infer"/>).</summary>
    public CliTask InferTask() => CliTask.Infer(Labels);

    /// <summary>Every label fits the task (a Boolean, a finite number), and a classification has at least two classes.</summary>
    public void CheckLabels(CliTask task)
    {
        for (int r = 0; r < Rows; r++)
            if (task.Reject(Labels[r]) is { } expected)
                throw new CommandException($"{Source}: line {Lines[r]}, column '{LabelName}': '{Shorten(Labels[r])}' is not {expected}");
        if (!task.HasClasses) return;
        if (Labels.Select(task.ClassOf).Distinct().Count() < 2)
            throw new CommandException($"{Source}: column '{LabelName}' holds one class, '{Labels[0]}', in all {Rows} rows (expected at least two classes for {task.Task}; a numeric target needs --task regression)");
    }

    internal static bool TryBool(string value, out bool result)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "1" or "1.0" or "true" or "t" or "yes" or "y": result = true; return true;
            case "0" or "0.0" or "-1" or "false" or "f" or "no" or "n": result = false; return true;
            default: result = false; return false;
        }
    }

    /// <summary>
    /// Row indices of a split: the MNIST sample's fixed tail, or a seeded shuffle, holding out <paramref name="testFraction"/> of
    /// the rows for testing and <paramref name="validationFraction"/> of the remaining training rows for validation.
    /// </summary>
    public DataSplit Split(double testFraction, double validationFraction, int seed, bool fixedTail, CliTask task)
    {
        if (!(testFraction > 0 && testFraction < 1))
            throw new CommandException($"--test-fraction: received {Format(testFraction)} (expected a number in (0, 1))");
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new CommandException($"--validation-fraction: received {Format(validationFraction)} (expected a number in [0, 1); 0 trains without validation data)");
        int testCount = Math.Max(1, (int)Math.Round(Rows * testFraction));
        int trainPart = Rows - testCount;
        int validationCount = validationFraction == 0 ? 0 : Math.Max(1, (int)Math.Round(trainPart * validationFraction));
        int trainCount = trainPart - validationCount;
        if (trainCount < 2)
            throw new CommandException($"{Source}: {Rows} rows are too few for --test-fraction {Format(testFraction)} and --validation-fraction {Format(validationFraction)}: {Math.Max(trainCount, 0)} training rows (expected at least 2 training rows besides {testCount} test and {validationCount} validation rows)");
        var order = Enumerable.Range(0, Rows).ToArray();
        if (!fixedTail) new Random(seed).Shuffle(order);
        var split = new DataSplit(order[..trainCount], order[trainCount..trainPart], order[trainPart..]);
        if (task.HasClasses)
        {
            var trained = split.Train.Select(r => task.ClassOf(Labels[r])).ToHashSet(StringComparer.Ordinal);
            foreach (int r in split.Validation.Concat(split.Test))
            {
                if (!trained.Contains(task.ClassOf(Labels[r])))
                    throw new CommandException($"{Source}: line {Lines[r]}, column '{LabelName}': class '{Labels[r]}' has no row in the training split (expected every class among the training rows: lower --test-fraction or --validation-fraction, or add rows of it)");
            }
        }
        return split;
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// An ML.NET view of the rows, label typed for the task: float (regression), bool (binary), float or text (multiclass).
    /// The features column carries the column names (ML.NET's SlotNames) and <paramref name="recipe"/>, saved with the model's input schema.
    /// </summary>
    public IDataView ToDataView(MLContext ml, IEnumerable<int> rows, CliTask task, DataViewType? labelType = null, RunRecipe? recipe = null)
    {
        var indexes = rows.ToArray();
        labelType ??= task.LabelType(Labels);
        if (labelType == BooleanDataViewType.Instance)
            return View(ml, indexes.Select(i => new Row<bool> { Label = Bool(i), Features = Features[i] }), recipe);
        if (labelType == NumberDataViewType.Single)
            return View(ml, indexes.Select(i => new Row<float> { Label = Number(i), Features = Features[i] }), recipe);
        if (labelType == TextDataViewType.Instance)
            return View(ml, indexes.Select(i => new Row<string> { Label = Labels[i], Features = Features[i] }), recipe);
        throw new CommandException($"{Source}: the model's input label is {labelType} (expected Boolean, Single or text, as lrsched writes)");
    }

    private bool Bool(int row) => TryBool(Labels[row], out bool b) ? b
        : throw new CommandException($"{Source}: line {Lines[row]}, column '{LabelName}': '{Shorten(Labels[row])}' is not a Boolean (expected true/false, 1/0 or yes/no, as the model's label)");

    private float Number(int row) => float.TryParse(Labels[row], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v) ? v
        : throw new CommandException($"{Source}: line {Lines[row]}, column '{LabelName}': '{Shorten(Labels[row])}' is not a finite number (expected a number, as the model's label)");

    private IDataView View<T>(MLContext ml, IEnumerable<Row<T>> rows, RunRecipe? recipe)
    {
        var schema = SchemaDefinition.Create(typeof(Row<T>));
        var features = schema[FeaturesColumn];
        features.ColumnType = new VectorDataViewType(NumberDataViewType.Single, FeatureNames.Length);
        var names = new VBuffer<ReadOnlyMemory<char>>(FeatureNames.Length, FeatureNames.Select(n => n.AsMemory()).ToArray());
        features.AddAnnotation("SlotNames", names, new VectorDataViewType(TextDataViewType.Instance, FeatureNames.Length));
        if (recipe is not null) features.AddAnnotation(RunRecipe.AnnotationName, recipe.ToJson().AsMemory(), TextDataViewType.Instance);
        return ml.Data.LoadFromEnumerable(rows.ToList(), schema);
    }

    /// <summary>One row as ML.NET reads it.</summary>
    public sealed class Row<T>
    {
        /// <summary>The label.</summary>
        public T Label { get; set; } = default!;
        /// <summary>The features.</summary>
        public float[] Features { get; set; } = [];
    }
}
