using System.Globalization;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Tool.Commands;

namespace MLNet.LrSchedules.Tool.Training;

/// <summary>A table read from CSV/TSV: a label column (raw text) and the numeric feature columns.</summary>
internal sealed class TabularData
{
    public const string LabelColumn = "Label";
    public const string FeaturesColumn = "Features";
    public const string MnistName = "the embedded MNIST sample (data/mnist-10k.csv.gz: 8,000 training and 2,000 test digits, pixels scaled by 1/255)";

    private TabularData(string source, string labelName, string[] featureNames, string[] labels, float[][] features, IReadOnlyList<string> notes)
    {
        Source = source;
        LabelName = labelName;
        FeatureNames = featureNames;
        Labels = labels;
        Features = features;
        Notes = notes;
    }

    public string Source { get; }
    public string LabelName { get; }
    public string[] FeatureNames { get; }
    public string[] Labels { get; }
    public float[][] Features { get; }
    /// <summary>What the reader decided on the user's behalf (skipped columns, filled values).</summary>
    public IReadOnlyList<string> Notes { get; }
    public int Rows => Labels.Length;

    /// <summary>The embedded MNIST sample, in file order (the first 8,000 rows train, the last 2,000 test).</summary>
    public static TabularData Mnist(int? limitRows = null)
    {
        var stream = typeof(TabularData).Assembly.GetManifestResourceStream("mnist-10k.csv.gz")
                     ?? throw new CommandException("The embedded MNIST sample is missing from this build of lrsched.");
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var data = Parse(reader, ',', "label", "mnist-10k.csv.gz", limitRows);
        // Pixels 0..255 scaled to [0, 1]: per-pixel standardization would blow up the rarely-lit border pixels.
        foreach (var row in data.Features)
            for (int i = 0; i < row.Length; i++) row[i] /= 255f;
        return data;
    }

    /// <summary>Reads a CSV or TSV file; the separator comes from the extension, else from the header line.</summary>
    public static TabularData Load(string path, string labelName, int? limitRows = null)
    {
        if (!File.Exists(path)) throw new CommandException($"Data file '{path}' does not exist.");
        try
        {
            using var reader = OpenText(path);
            string? header = reader.ReadLine() ?? throw new CommandException($"Data file '{path}' is empty.");
            char separator = InferSeparator(path, header);
            using var all = new StringReader(header + "\n" + reader.ReadToEnd());
            return Parse(all, separator, labelName, path, limitRows);
        }
        catch (UnauthorizedAccessException e) { throw new CommandException($"Data file '{path}' cannot be read: {e.Message}", e); }
        catch (InvalidDataException e) { throw new CommandException($"Data file '{path}' cannot be read: {e.Message}", e); }
    }

    private static TextReader OpenText(string path)
    {
        Stream stream = File.OpenRead(path);
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) stream = new GZipStream(stream, CompressionMode.Decompress);
        return new StreamReader(stream);
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

    private static TabularData Parse(TextReader reader, char separator, string labelName, string source, int? limitRows)
    {
        string? headerLine = reader.ReadLine() ?? throw new CommandException($"Data file '{source}' is empty.");
        var header = SplitLine(headerLine, separator);
        int labelIndex = Array.FindIndex(header, h => h == labelName);
        if (labelIndex < 0) labelIndex = Array.FindIndex(header, h => string.Equals(h, labelName, StringComparison.OrdinalIgnoreCase));
        if (labelIndex < 0)
            throw new CommandException($"Data file '{source}' has no column '{labelName}' (pick the label with --label); its columns are: {Preview(header)}.");

        var cells = new List<string[]>();
        string? line;
        int lineNumber = 1;
        while ((line = reader.ReadLine()) is not null && (limitRows is not { } limit || cells.Count < limit))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var row = SplitLine(line, separator);
            if (row.Length != header.Length)
                throw new CommandException($"Data file '{source}', line {lineNumber}: {row.Length} fields; the header has {header.Length}.");
            cells.Add(row);
        }
        if (cells.Count == 0) throw new CommandException($"Data file '{source}' has a header but no rows.");

        var notes = new List<string>();
        var featureIndexes = new List<int>();
        var featureColumns = new List<float[]>();
        for (int c = 0; c < header.Length; c++)
        {
            if (c == labelIndex) continue;
            var values = new float[cells.Count];
            int missing = 0;
            bool numeric = true;
            for (int r = 0; r < cells.Count && numeric; r++)
            {
                string cell = cells[r][c];
                if (IsMissing(cell)) { values[r] = float.NaN; missing++; }
                else if (float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v)) values[r] = v;
                else numeric = false;
            }
            if (!numeric || missing == cells.Count)
            {
                notes.Add($"column '{header[c]}' is not numeric: left out of the features");
                continue;
            }
            if (missing > 0)
            {
                float mean = (float)values.Where(float.IsFinite).Average(v => (double)v);
                for (int r = 0; r < values.Length; r++) if (float.IsNaN(values[r])) values[r] = mean;
                notes.Add($"column '{header[c]}': {missing} missing values filled with the column mean");
            }
            featureIndexes.Add(c);
            featureColumns.Add(values);
        }
        if (featureColumns.Count == 0)
            throw new CommandException($"Data file '{source}' has no numeric feature column besides the label '{header[labelIndex]}'.");

        var labels = new string[cells.Count];
        var features = new float[cells.Count][];
        for (int r = 0; r < cells.Count; r++)
        {
            labels[r] = cells[r][labelIndex];
            if (IsMissing(labels[r]))
                throw new CommandException($"Data file '{source}': row {r + 1} has no value in the label column '{header[labelIndex]}'.");
            var f = new float[featureColumns.Count];
            for (int c = 0; c < f.Length; c++) f[c] = featureColumns[c][r];
            features[r] = f;
        }
        return new TabularData(source, header[labelIndex], featureIndexes.Select(i => header[i]).ToArray(), labels, features, notes);
    }

    private static bool IsMissing(string cell) => cell.Length == 0 || cell is "NA" or "NaN" or "nan" or "null" or "?";

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

    /// <summary>bool-like labels → binary, a few integer values → multiclass, other numbers → regression, text → multiclass.</summary>
    public TrainingTask InferTask()
    {
        var distinct = Labels.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (distinct.Length <= 2 && distinct.All(v => TryBool(v, out _))) return TrainingTask.BinaryClassification;
        bool allNumbers = distinct.All(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        if (!allNumbers) return TrainingTask.MulticlassClassification;
        bool integers = distinct.All(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture) is var d && d == Math.Floor(d));
        return integers && distinct.Length <= Math.Max(2, Math.Min(50, Rows / 5)) ? TrainingTask.MulticlassClassification : TrainingTask.Regression;
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

    /// <summary>Row indices of a split: the MNIST sample's fixed split, or a seeded shuffle with the given test fraction.</summary>
    public (int[] Train, int[] Test) Split(double testFraction, int seed, bool fixedTail)
    {
        if (!(testFraction > 0 && testFraction < 1))
            throw new CommandException($"Option '--test-fraction' must be in (0, 1); received {testFraction.ToString(CultureInfo.InvariantCulture)}.");
        int testCount = Math.Max(1, (int)Math.Round(Rows * testFraction));
        if (testCount >= Rows) throw new CommandException($"The data has {Rows} rows: too few to hold out a test set.");
        var order = Enumerable.Range(0, Rows).ToArray();
        if (!fixedTail) new Random(seed).Shuffle(order);
        return (order[..^testCount], order[^testCount..]);
    }

    /// <summary>An ML.NET view of the rows, label typed for the task: float (regression), bool (binary), float or text (multiclass).</summary>
    public IDataView ToDataView(MLContext ml, IEnumerable<int> rows, TrainingTask task, DataViewType? labelType = null)
    {
        int n = FeatureNames.Length;
        var indexes = rows.ToArray();
        labelType ??= task switch
        {
            TrainingTask.BinaryClassification => BooleanDataViewType.Instance,
            TrainingTask.Regression => NumberDataViewType.Single,
            _ => Labels.All(v => float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) ? NumberDataViewType.Single : TextDataViewType.Instance,
        };
        if (labelType == BooleanDataViewType.Instance)
            return View(ml, indexes.Select(i => new Row<bool> { Label = Bool(i), Features = Features[i] }), n);
        if (labelType == NumberDataViewType.Single)
            return View(ml, indexes.Select(i => new Row<float> { Label = Number(i), Features = Features[i] }), n);
        if (labelType == TextDataViewType.Instance)
            return View(ml, indexes.Select(i => new Row<string> { Label = Labels[i], Features = Features[i] }), n);
        throw new CommandException($"Unsupported label type {labelType} in the model's input schema.");
    }

    private bool Bool(int row) => TryBool(Labels[row], out bool b) ? b
        : throw new CommandException($"Row {row + 1}: label '{Labels[row]}' of column '{LabelName}' is not a Boolean (true/false, 1/0, yes/no).");

    private float Number(int row) => float.TryParse(Labels[row], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v) ? v
        : throw new CommandException($"Row {row + 1}: label '{Labels[row]}' of column '{LabelName}' is not a number.");

    private static IDataView View<T>(MLContext ml, IEnumerable<Row<T>> rows, int featureCount)
    {
        var schema = SchemaDefinition.Create(typeof(Row<T>));
        schema[FeaturesColumn].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
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
