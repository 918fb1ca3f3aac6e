using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Benchmarks.Training;

namespace MLNet.LrSchedules.Benchmarks.Quality;

/// <summary>
/// A data set of data/ held in memory, with its holdout test rows fixed once: MNIST's documented split (last 2,000 rows,
/// data/README.md), for the others 20% drawn with <see cref="HoldoutSeed"/>. The test rows are the same for every command
/// and every run seed, so nothing that chooses (the defaults grid, the best-of-grid constant rate) can ever see them.
/// </summary>
internal sealed class Dataset
{
    public const double TestFraction = 0.2;
    public const int HoldoutSeed = 20_251_123;

    public static IReadOnlyList<string> Names { get; } = ["digits", "breast_cancer", "wine", "diabetes", "mnist"];

    public required string Name { get; init; }
    public required LearningTask Task { get; init; }
    public required int Columns { get; init; }
    /// <summary>Row-major features.</summary>
    public required float[] Features { get; init; }
    public required float[] Labels { get; init; }
    public required int[] TestRows { get; init; }
    /// <summary>Whether the pipeline standardizes the features (tabular data); MNIST's pixels are already scaled to [0, 1].</summary>
    public required bool Standardize { get; init; }

    public int Rows => Labels.Length;

    public string Description => $"{Name} ({Rows:N0} × {Columns}{(Task == LearningTask.Multiclass ? $", {Labels.Distinct().Count()} classes" : "")})";

    public static IReadOnlyList<Dataset> LoadAll(IEnumerable<string> names) => names.Select(Load).ToList();

    public static Dataset Load(string name) => name switch
    {
        "digits" or "wine" => Csv(name, LearningTask.Multiclass),
        "breast_cancer" => Csv(name, LearningTask.Binary),
        "diabetes" => Csv(name, LearningTask.Regression),
        "mnist" => FromMnist(),
        _ => throw new UsageException($"--data: unknown data set '{name}' (expected {string.Join(", ", Names)})."),
    };

    private static Dataset Csv(string name, LearningTask task)
    {
        string path = Path.Combine(Repository.Root, "data", name + ".csv");
        var lines = File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        int columns = lines[0].Length - 1;
        var features = new float[lines.Count * columns];
        var labels = new float[lines.Count];
        for (int r = 0; r < lines.Count; r++)
        {
            if (lines[r].Length != columns + 1) throw new InvalidDataException($"{path}: row {r + 2} has {lines[r].Length} cells; expected {columns + 1}.");
            for (int c = 0; c < columns; c++) features[r * columns + c] = float.Parse(lines[r][c], CultureInfo.InvariantCulture);
            labels[r] = float.Parse(lines[r][columns], CultureInfo.InvariantCulture);
        }
        var order = Enumerable.Range(0, lines.Count).ToArray();
        new Random(HoldoutSeed).Shuffle(order);
        int test = (int)Math.Round(lines.Count * TestFraction);
        return new Dataset { Name = name, Task = task, Columns = columns, Features = features, Labels = labels, TestRows = order[..test], Standardize = true };
    }

    private static Dataset FromMnist()
    {
        var mnist = Mnist.Load();
        return new Dataset
        {
            Name = "mnist", Task = LearningTask.Multiclass, Columns = Mnist.Features, Features = mnist.Pixels,
            Labels = mnist.Labels.Select(l => (float)l).ToArray(), TestRows = Enumerable.Range(Mnist.TrainRows, mnist.Rows - Mnist.TrainRows).ToArray(),
            Standardize = false,
        };
    }

    /// <summary>The given rows as a cached data view: a Features vector and a Label (Boolean for binary tasks, else float; multiclass pipelines map it to a key).</summary>
    public IDataView View(MLContext ml, IReadOnlyList<int> rows)
    {
        float[] Row(int r) => Features.AsSpan(r * Columns, Columns).ToArray();
        var vector = new VectorDataViewType(NumberDataViewType.Single, Columns);
        IDataView view;
        if (Task == LearningTask.Binary)
        {
            var schema = SchemaDefinition.Create(typeof(BinaryRow));
            schema[nameof(BinaryRow.Features)].ColumnType = vector;
            view = ml.Data.LoadFromEnumerable(rows.Select(r => new BinaryRow { Features = Row(r), Label = Labels[r] != 0 }).ToList(), schema);
        }
        else
        {
            var schema = SchemaDefinition.Create(typeof(FloatRow));
            schema[nameof(FloatRow.Features)].ColumnType = vector;
            view = ml.Data.LoadFromEnumerable(rows.Select(r => new FloatRow { Features = Row(r), Label = Labels[r] }).ToList(), schema);
        }
        return ml.Data.Cache(view);
    }

    private sealed class FloatRow
    {
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private sealed class BinaryRow
    {
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }
}

/// <summary>
/// One run seed's rows of a data set: the development rows (all but the holdout test rows) shuffled with the seed and cut into
/// train and validation; the test rows are the data set's fixed holdout.
/// </summary>
internal sealed class Split
{
    private Split(int[] train, int[] validation, int[] test)
    {
        var seen = new HashSet<int>();
        foreach (int row in train.Concat(validation).Concat(test))
            if (!seen.Add(row)) throw new InvalidOperationException($"Row {row} is in two parts of a split; train, validation and test must be disjoint.");
        Train = train;
        Validation = validation;
        Test = test;
    }

    public int[] Train { get; }
    public int[] Validation { get; }
    public int[] Test { get; }

    public static Split Of(Dataset data, int seed, double validationFraction)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in (0, 1).");
        var test = data.TestRows.ToHashSet();
        var development = Enumerable.Range(0, data.Rows).Where(r => !test.Contains(r)).ToArray();
        new Random(seed).Shuffle(development);
        int validation = Math.Max(1, (int)Math.Round(development.Length * validationFraction));
        return new Split(development[validation..], development[..validation], data.TestRows);
    }
}
