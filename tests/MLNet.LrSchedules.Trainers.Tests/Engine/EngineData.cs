using System.Globalization;

namespace MLNet.LrSchedules.Trainers.Tests.Engine;

/// <summary>A real data set split 80/20 with a fixed shuffle, features standardized with the training split's statistics.</summary>
internal sealed record EngineData(float[] TrainFeatures, float[] TrainLabels, float[] TestFeatures, float[] TestLabels, int FeatureCount)
{
    private static readonly Dictionary<string, EngineData> Cache = [];

    public int TrainRows => TrainLabels.Length;

    public int TestRows => TestLabels.Length;

    public InMemoryBatchSource Train(float[]? weights = null) => new(TrainFeatures, TrainLabels, FeatureCount, weights);

    public InMemoryBatchSource Test() => new(TestFeatures, TestLabels, FeatureCount);

    public static EngineData Load(string name, bool standardizeLabel = false)
    {
        lock (Cache)
        {
            string key = name + standardizeLabel;
            if (Cache.TryGetValue(key, out var cached)) return cached;
            var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", name + ".csv"));
            var header = lines[0].Split(',');
            int labelColumn = Array.IndexOf(header, "label");
            int featureCount = header.Length - 1;
            var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
            var order = Enumerable.Range(0, rows.Length).ToArray();
            new Random(12345).Shuffle(order);
            int trainRows = rows.Length * 4 / 5;
            var train = order.Take(trainRows).Select(i => rows[i]).ToArray();
            var test = order.Skip(trainRows).Select(i => rows[i]).ToArray();

            var columns = Enumerable.Range(0, header.Length).Where(c => c != labelColumn).ToArray();
            var mean = columns.Select(c => train.Average(r => r[c])).ToArray();
            var std = columns.Select((c, k) => Math.Sqrt(train.Average(r => (r[c] - mean[k]) * (r[c] - mean[k])))).Select(s => s > 0 ? s : 1).ToArray();
            double labelMean = standardizeLabel ? train.Average(r => r[labelColumn]) : 0;
            double labelStd = standardizeLabel ? Math.Sqrt(train.Average(r => Math.Pow(r[labelColumn] - labelMean, 2))) : 1;

            float[] Features(double[][] set) => set.SelectMany(r => columns.Select((c, k) => (float)((r[c] - mean[k]) / std[k]))).ToArray();
            float[] Labels(double[][] set) => set.Select(r => (float)((r[labelColumn] - labelMean) / labelStd)).ToArray();
            var data = new EngineData(Features(train), Labels(train), Features(test), Labels(test), featureCount);
            Cache[key] = data;
            return data;
        }
    }
}
