using System.Globalization;
using System.IO.Compression;

namespace MLNet.LrSchedules.Trainers.Tests.Gpu;

/// <summary>MNIST's fixed benchmark split (data/README.md): first 8,000 rows train, last 2,000 test; pixels scaled to [0, 1].</summary>
internal sealed record Mnist(float[] TrainFeatures, float[] TrainLabels, float[] TestFeatures, float[] TestLabels)
{
    public const int Features = 784;
    private static readonly Lazy<Mnist> Cached = new(Read);

    public static Mnist Load() => Cached.Value;

    public InMemoryBatchSource Train() => new(TrainFeatures, TrainLabels, Features);

    private static Mnist Read()
    {
        using var file = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Data", "mnist-10k.csv.gz"));
        using var reader = new StreamReader(new GZipStream(file, CompressionMode.Decompress));
        reader.ReadLine();
        var features = new List<float>(10_000 * Features);
        var labels = new List<float>(10_000);
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            var values = line.Split(',');
            labels.Add(float.Parse(values[0], CultureInfo.InvariantCulture));
            for (int i = 1; i < values.Length; i++) features.Add(float.Parse(values[i], CultureInfo.InvariantCulture) / 255f);
        }
        const int trainRows = 8000;
        var all = features.ToArray();
        var y = labels.ToArray();
        return new Mnist(all[..(trainRows * Features)], y[..trainRows], all[(trainRows * Features)..], y[trainRows..]);
    }
}
