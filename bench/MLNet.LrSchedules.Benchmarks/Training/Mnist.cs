using System.Globalization;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Benchmarks.Training;

/// <summary>data/mnist-10k.csv.gz: pixels scaled to [0, 1]; the fixed split is the first 8,000 rows (train) and the last 2,000 (test).</summary>
internal sealed class Mnist
{
    public const int Features = 784;
    public const int TrainRows = 8_000;

    public required float[] Pixels { get; init; }
    public required int[] Labels { get; init; }

    public int Rows => Labels.Length;

    public static Mnist Load()
    {
        string path = Path.Combine(Repository.Root, "data", "mnist-10k.csv.gz");
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        reader.ReadLine();
        var pixels = new List<float>(10_000 * Features);
        var labels = new List<int>(10_000);
        while (reader.ReadLine() is { } line)
        {
            var cells = line.Split(',');
            labels.Add(int.Parse(cells[0], CultureInfo.InvariantCulture));
            for (int i = 1; i <= Features; i++) pixels.Add(float.Parse(cells[i], CultureInfo.InvariantCulture) / 255f);
        }
        return new Mnist { Pixels = pixels.ToArray(), Labels = labels.ToArray() };
    }

    public (Mnist Train, Mnist Test) Split() => (Slice(0, TrainRows), Slice(TrainRows, Rows - TrainRows));

    private Mnist Slice(int start, int count) => new()
    {
        Pixels = Pixels.AsSpan(start * Features, count * Features).ToArray(),
        Labels = Labels.AsSpan(start, count).ToArray(),
    };

    public sealed class Row
    {
        [VectorType(Mnist.Features)] public float[] Features { get; set; } = [];
        // A raw value v of a key type with 10 values is key v + 1: digits 0-9 are keys 1-10.
        [KeyType(10)] public uint Label { get; set; }
    }

    /// <summary>The pixels as one [rows, 784] float tensor, as a hand-written loop holds them.</summary>
    public Tensor FeatureTensor() => tensor(Pixels, [Rows, Features]);

    /// <summary>The digits as one int64 tensor, the class indices cross-entropy takes.</summary>
    public Tensor LabelTensor() => tensor(Labels.Select(l => (long)l).ToArray());

    /// <summary>An in-memory IDataView (cached) with Features and a key Label.</summary>
    public IDataView ToDataView(MLContext ml) => ml.Data.Cache(ml.Data.LoadFromEnumerable(
        Enumerable.Range(0, Rows).Select(r => new Row { Features = Pixels.AsSpan(r * Features, Features).ToArray(), Label = (uint)Labels[r] })));
}

internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
                if (File.Exists(Path.Combine(directory.FullName, "data", "mnist-10k.csv.gz")) && Directory.Exists(Path.Combine(directory.FullName, "src")))
                    return directory.FullName;
        throw new DirectoryNotFoundException("Run from the repository (the folder with data/mnist-10k.csv.gz and src/).");
    }
}

/// <summary>
/// What the overhead benchmarks compare on: MNIST's 8,000 training rows as a cached, already read IDataView (the trainer's
/// input) and as two tensors (the hand-written loop's), with libtorch loaded and set to <paramref name="threads"/> threads.
/// </summary>
internal sealed class OverheadData(MLContext ml, IDataView data, Tensor features, Tensor labels) : IDisposable
{
    public MLContext Ml { get; } = ml;
    public IDataView Data { get; } = data;
    public Tensor Features { get; } = features;
    public Tensor Labels { get; } = labels;

    public static OverheadData Load(int threads)
    {
        MLNet.LrSchedules.Trainers.Native.TorchSharpRuntime.EnsureLoaded();
        set_num_threads(threads);
        var train = Mnist.Load().Split().Train;
        var ml = new MLContext(seed: 1);
        var data = train.ToDataView(ml);
        _ = data.Preview(1);
        return new OverheadData(ml, data, train.FeatureTensor(), train.LabelTensor());
    }

    public void Dispose()
    {
        Features.Dispose();
        Labels.Dispose();
    }
}
