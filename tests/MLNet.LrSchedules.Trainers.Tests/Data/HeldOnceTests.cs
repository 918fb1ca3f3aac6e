using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Native;
using MLNet.LrSchedules.Trainers.Tests.MLNet;
using TorchSharp;
using static MLNet.LrSchedules.Trainers.Tests.Engine.EngineTestKit;

namespace MLNet.LrSchedules.Trainers.Tests.Data;

/// <summary>In-memory training data is held once: read straight into native tensors, and trained on from those tensors.</summary>
[TestClass]
public sealed class HeldOnceTests
{
    private const int Width = 200;

    private sealed class WideRow
    {
        [VectorType(Width)] public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    /// <summary>Rows generated on the fly: nothing of the data stays in managed memory unless the reader keeps it.</summary>
    private static IEnumerable<WideRow> LazyRows(int rows)
    {
        var random = new Random(5);
        for (int i = 0; i < rows; i++)
        {
            var features = new float[Width];
            for (int j = 0; j < Width; j++) features[j] = random.NextSingle();
            yield return new WideRow { Features = features, Label = features[0] + 2 * features[1] };
        }
    }

    [TestMethod]
    [DoNotParallelize]
    public void InMemory_TheFeaturesAreNotHeldInManagedMemory()
    {
        const int rows = 50_000;
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(LazyRows(rows));
        GC.Collect();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        long during = 0;
        var model = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions
        {
            Epochs = 1, BatchSize = 1024, HiddenLayers = [], LearningRate = 1e-2, Seed = 1, DataLoading = DataLoading.InMemory,
            // The live managed heap while training, with every row read: the data is in native memory only.
            Progress = new SyncProgress(p => { if (p.Step == 1) during = GC.GetTotalMemory(forceFullCollection: true); }),
        }).Fit(data);
        const long features = (long)rows * Width * sizeof(float);
        Assert.IsLessThan(features / 4, during - before, $"the managed heap holds {(during - before) / 1e6:F1} MB while training; the features take {features / 1e6:F0} MB");
        Assert.AreEqual((rows + 1023) / 1024, model.Model.StepsCompleted);
    }

    [TestMethod]
    public void TrainingGathersFromTheTensorsTheRowsWereReadInto()
    {
        TorchSharpRuntime.EnsureLoaded();
        var ml = new MLContext(1);
        var raw = TestData.Load(ml, "digits");
        var data = ml.Data.Cache(ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw));
        using var source = DataViewRows.Read(data, "Features", "Label", null, TaskColumns.For(TrainingTask.MulticlassClassification), 64, 10,
            "training data", () => { }, inDataOrder: false)!;
        var settings = Settings(TrainingTask.MulticlassClassification, Digits());
        using var feed = new BatchFeed(settings, TaskObjective.For(TrainingTask.MulticlassClassification), torch.CPU, 10);
        feed.Prepare(source);
        Assert.AreSame(source.Features, feed.ResidentFeatures, "no second copy of the features");
    }

    [TestMethod]
    [DataRow(null, null, 0L, DisplayName = "count unknown, one chunk")]
    [DataRow(null, 300L, 0L, DisplayName = "count unknown, chunks of 300 rows")]
    [DataRow(1797L, null, 0L, DisplayName = "count known")]
    [DataRow(1797L, null, 1798L, DisplayName = "count known, every row staged first (libtorch still loading)")]
    [DataRow(1797L, null, 500L, DisplayName = "count known, the first 500 rows staged")]
    [DataRow(null, 300L, 1000L, DisplayName = "count unknown, chunks of 300 rows, the first 1,000 rows staged")]
    [DataRow(null, null, 5000L, DisplayName = "count unknown, every row staged")]
    public void ReadRows_EqualTheDataViewsRows(long? known, long? chunkRows, long stagingRows)
    {
        TorchSharpRuntime.EnsureLoaded();
        var ml = new MLContext(1);
        var data = TestData.Load(ml, "digits");
        var expected = data.GetColumn<VBuffer<float>>("Features").SelectMany(v => v.DenseValues()).ToArray();
        var labels = data.GetColumn<float>("Label").ToArray();

        using var builder = new ResidentRowsBuilder(64, known, chunkRows, stagingRows);
        using (var cursor = data.GetRowCursor(data.Schema))
        {
            var features = cursor.GetGetter<VBuffer<float>>(data.Schema["Features"]);
            var label = cursor.GetGetter<float>(data.Schema["Label"]);
            VBuffer<float> row = default;
            float value = 0;
            // As the trainer's reader does: a row's slots first, then the cursor (the last slots are the end-of-data probe).
            while (true)
            {
                var slots = builder.NextRow();
                if (!cursor.MoveNext())
                {
                    builder.DropRow();
                    break;
                }
                features(ref row);
                label(ref value);
                row.DenseValues().ToArray().CopyTo(slots);
                builder.Add(value, weight: null);
            }
        }
        if (known is not null && stagingRows < known) Assert.AreEqual(1, builder.Chunks, "one tensor of the known size: the end-of-data probe allocates nothing");
        if (stagingRows > 1797) Assert.AreEqual(0, builder.Chunks, "every row still staged: no tensor before Build");
        using var source = builder.Build(weighted: false, inDataOrder: true);

        Assert.AreEqual(labels.Length, source.Rows);
        CollectionAssert.AreEqual(expected, source.Features.data<float>().ToArray());
        CollectionAssert.AreEqual(labels, source.Labels.data<float>().ToArray());
        var batches = source.ReadBatches(500, 1, 1, shuffle: false).ToList();
        CollectionAssert.AreEqual(expected, batches.SelectMany(b => b.Features).ToArray(), "managed batches copy the same rows");
    }
}
