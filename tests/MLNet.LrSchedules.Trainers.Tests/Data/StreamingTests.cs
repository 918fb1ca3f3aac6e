using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Tests.MLNet;

namespace MLNet.LrSchedules.Trainers.Tests.Data;

[TestClass]
public sealed class StreamingTests
{
    private static TorchMlpMulticlassOptions DigitsOptions(DataLoading loading, bool shuffle = true, int window = 65_536) => new()
    {
        Epochs = 3,
        BatchSize = 32,
        HiddenLayers = [32],
        Schedule = LrSchedule.OneCycle(maxLr: 1e-2),
        Seed = 1,
        DataLoading = loading,
        ShuffleRows = shuffle,
        ShuffleWindowRows = window,
    };

    private static (MLContext Ml, IDataView Train, IDataView Test) Digits()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var prep = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features")).Fit(train);
        return (ml, ml.Data.Cache(prep.Transform(train)), ml.Data.Cache(prep.Transform(test)));
    }

    private static (float[] Scores, double Accuracy, TorchNetworkTransformer Model) Train(MLContext ml, IDataView train, IDataView test, TorchMlpMulticlassOptions options)
    {
        var model = ml.MulticlassClassification.Trainers.TorchMlp(options).Fit(train);
        var scored = model.Transform(test);
        return (TestData.Scores(scored).SelectMany(s => s).ToArray(), ml.MulticlassClassification.Evaluate(scored).MicroAccuracy, model);
    }

    [TestMethod]
    public void WithoutShuffling_StreamingEqualsInMemory_BitExact()
    {
        var (ml, train, test) = Digits();
        var memory = Train(ml, train, test, DigitsOptions(DataLoading.InMemory, shuffle: false));
        var streamed = Train(ml, train, test, DigitsOptions(DataLoading.Streaming, shuffle: false));
        CollectionAssert.AreEqual(memory.Scores, streamed.Scores);
        CollectionAssert.AreEqual(memory.Model.Model.History.Steps.Select(s => s.Loss).ToArray(), streamed.Model.Model.History.Steps.Select(s => s.Loss).ToArray());
    }

    [TestMethod]
    public void DataInOneWindow_StreamingShufflesLikeInMemory_BitExact()
    {
        var (ml, train, test) = Digits();
        var memory = Train(ml, train, test, DigitsOptions(DataLoading.InMemory));
        var streamed = Train(ml, train, test, DigitsOptions(DataLoading.Streaming, window: 4096));
        CollectionAssert.AreEqual(memory.Scores, streamed.Scores);
    }

    [TestMethod]
    public void SmallShuffleWindows_SameQuality_Deterministic()
    {
        var (ml, train, test) = Digits();
        var memory = Train(ml, train, test, DigitsOptions(DataLoading.InMemory));
        var streamed = Train(ml, train, test, DigitsOptions(DataLoading.Streaming, window: 100));
        var again = Train(ml, train, test, DigitsOptions(DataLoading.Streaming, window: 100));
        Assert.IsGreaterThan(0.9, memory.Accuracy);
        Assert.AreEqual(memory.Accuracy, streamed.Accuracy, 0.03, $"in memory {memory.Accuracy}, streamed {streamed.Accuracy}");
        CollectionAssert.AreNotEqual(memory.Scores, streamed.Scores, "windows of 100 rows shuffle differently from a full shuffle");
        CollectionAssert.AreEqual(streamed.Scores, again.Scores, "the windowed shuffle is a function of (seed, epoch)");
        Assert.AreEqual(memory.Model.Model.StepsCompleted, streamed.Model.Model.StepsCompleted);
    }

    private sealed class Row
    {
        [VectorType(3)] public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private sealed class KeyRow
    {
        [VectorType(3)] public float[] Features { get; set; } = [];
        [KeyType(3)] public uint Label { get; set; }
    }

    [TestMethod]
    public void Streaming_NaNFeature_NamesColumnRowAndSlot_LikeInMemory()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 100).Select(i => new Row
        {
            Features = i == 70 ? [1, float.NaN, 3] : [i, 1, 2],
            Label = i,
        }));
        string Message(DataLoading loading) => Assert.ThrowsExactly<InvalidOperationException>(() => ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions
        {
            Epochs = 1, BatchSize = 8, HiddenLayers = [2], DataLoading = loading, ShuffleWindowRows = 16,
        }).Fit(data)).Message;
        string streamed = Message(DataLoading.Streaming);
        Assert.Contains("Column 'Features' of the training data holds NaN at row 70, slot 1: features must be finite.", streamed);
        Assert.AreEqual(Message(DataLoading.InMemory), streamed);
    }

    [TestMethod]
    public void Streaming_MissingLabel_NamesColumnAndRow()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 50).Select(i => new KeyRow { Features = [i, 1, 2], Label = i == 33 ? 7u : (uint)(i % 3) }));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions
        {
            Epochs = 1, BatchSize = 4, HiddenLayers = [2], DataLoading = DataLoading.Streaming,
        }).Fit(data));
        // ML.NET maps a raw value outside the key range (7 for 3 classes) to the missing key 0.
        Assert.Contains("Column 'Label' of the training data has a missing label at row 33", e.Message);
    }

    [TestMethod]
    public void Streaming_NoRows_SaysSo()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Array.Empty<Row>());
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions
        {
            Epochs = 1, DataLoading = DataLoading.Streaming,
        }).Fit(data));
        Assert.AreEqual("The training data has no rows: there is nothing to train on.", e.Message);
    }

    private sealed class WideRow
    {
        [VectorType(Width)] public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private const int Width = 200;

    /// <summary>200,000 rows of 200 features (160 MB as floats) generated on the fly; the largest live managed heap (after a full collection, every 20,000 rows) is recorded.</summary>
    private sealed class LazyRows(int rows) : IEnumerable<WideRow>
    {
        public long PeakHeapBytes;
        public int Enumerations;

        public IEnumerator<WideRow> GetEnumerator()
        {
            Enumerations++;
            var random = new Random(5);
            for (int i = 0; i < rows; i++)
            {
                if (i % 20_000 == 0) PeakHeapBytes = Math.Max(PeakHeapBytes, GC.GetTotalMemory(forceFullCollection: true));
                var features = new float[Width];
                for (int j = 0; j < Width; j++) features[j] = random.NextSingle();
                yield return new WideRow { Features = features, Label = features[0] + 2 * features[1] };
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [TestMethod]
    [DoNotParallelize]
    public void LazyDataOf200kRows_TrainsWithoutMaterializing()
    {
        var ml = new MLContext(1);
        var rows = new LazyRows(200_000);
        var data = ml.Data.LoadFromEnumerable(rows);
        GC.Collect();
        long before = GC.GetTotalMemory(true);
        // Auto with a 16 MB threshold: starts reading into memory, gives up past the threshold and streams.
        var model = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions
        {
            Epochs = 1, BatchSize = 512, HiddenLayers = [], LearningRate = 1e-2, Seed = 1,
            DataLoading = DataLoading.Auto, StreamingThresholdBytes = 16 << 20, ShuffleWindowRows = 8192,
        }).Fit(data);
        long grown = rows.PeakHeapBytes - before;
        const long materialized = 200_000L * Width * 4;
        Assert.IsLessThan(materialized / 4, grown, $"managed heap grew by {grown / 1e6:F0} MB while streaming; the features alone take {materialized / 1e6:F0} MB");
        Assert.AreEqual((200_000 + 511) / 512, model.Model.StepsCompleted);
        Assert.IsGreaterThanOrEqualTo(3, rows.Enumerations, "an aborted in-memory read, a count, an epoch");
        Assert.IsLessThan(model.Model.History.Steps[0].Loss, model.Model.History.Steps[^1].Loss, "it learns");
    }
}
