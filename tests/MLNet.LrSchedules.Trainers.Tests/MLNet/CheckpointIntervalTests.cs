using Microsoft.ML;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

/// <summary>
/// <see cref="TorchTrainerOptions.CheckpointMinimumInterval"/>: due checkpoints are skipped while the interval has not
/// passed, the last epoch's is always written, and a run resumed from an older checkpoint still ends exactly as the
/// uninterrupted one.
/// </summary>
[TestClass]
public sealed class CheckpointIntervalTests
{
    private static readonly Lazy<IDataView> Digits = new(() =>
    {
        var ml = new MLContext(1);
        var (train, _) = TestData.Split(ml, TestData.Load(ml, "digits"));
        return ml.Data.Cache(ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false)).Fit(train).Transform(train));
    });

    // 12 steps an epoch (1,437 rows, batch 128).
    private static TorchMlpMulticlassOptions Options(string path, TimeSpan? interval, Action<TrainingProgress> onStep) => new()
    {
        Epochs = 4, BatchSize = 128, HiddenLayers = [16], Seed = 9, Schedule = LrSchedule.Parse("cosine()"),
        CheckpointEveryEpochs = 1, CheckpointPath = path, CheckpointMinimumInterval = interval,
        Progress = new Engine.EngineTestKit.SyncProgress(onStep),
    };

    [TestMethod]
    public void ALongInterval_SkipsTheEpochCheckpoints_ButWritesTheLast()
    {
        string path = TestData.TempPath("interval-long.zip");
        var seen = new List<int?>();
        var options = Options(path, TimeSpan.FromHours(1), p => { if (p.Step % 12 == 1) seen.Add(File.Exists(path) ? TorchModelInfo.Read(path).EpochsCompleted : null); });

        new MLContext(1).MulticlassClassification.Trainers.TorchMlp(options).Fit(Digits.Value);

        // Looked at in the first step of epochs 1 to 4: never a checkpoint until the run ended.
        CollectionAssert.AreEqual(new int?[] { null, null, null, null }, seen);
        Assert.AreEqual(4, TorchModelInfo.Read(path).EpochsCompleted, "the last epoch's checkpoint is always written");
        File.Delete(path);
    }

    [TestMethod]
    public void ZeroInterval_WritesEveryDueEpoch_AsWithout()
    {
        foreach (var interval in new TimeSpan?[] { TimeSpan.Zero, null })
        {
            string path = TestData.TempPath($"interval-{interval?.Ticks.ToString() ?? "none"}.zip");
            var seen = new List<int?>();
            var options = Options(path, interval, p => { if (p.Step % 12 == 1) seen.Add(File.Exists(path) ? TorchModelInfo.Read(path).EpochsCompleted : null); });

            new MLContext(1).MulticlassClassification.Trainers.TorchMlp(options).Fit(Digits.Value);

            CollectionAssert.AreEqual(new int?[] { null, 1, 2, 3 }, seen, $"interval {interval?.ToString() ?? "null"}");
            File.Delete(path);
        }
    }

    [TestMethod]
    public void CanceledWithSkippedCheckpoints_WritesTheLastCompletedEpoch_WhichResumesExactly()
    {
        string referencePath = TestData.TempPath("interval-reference.zip");
        var uninterrupted = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(Options(referencePath, null, _ => { })).Fit(Digits.Value).Model;
        File.Delete(referencePath);

        string path = TestData.TempPath("interval-canceled.zip");
        using var cancel = new CancellationTokenSource();
        var options = Options(path, TimeSpan.FromHours(1), p => { if (p.Step == 30) cancel.Cancel(); });
        options.CancellationToken = cancel.Token;
        Assert.ThrowsExactly<TorchNetworkCanceledException>(() => new MLContext(1).MulticlassClassification.Trainers.TorchMlp(options).Fit(Digits.Value));
        Assert.AreEqual(2, TorchModelInfo.Read(path).EpochsCompleted, "canceled in epoch 3: the last completed epoch, written despite the interval");

        var checkpoint = (TorchNetworkTransformer)new MLContext(1).Model.Load(path, out _);
        var resumed = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions()).Resume(Digits.Value, checkpoint).Model;
        CollectionAssert.AreEqual(uninterrupted.Result.Weights, resumed.Result.Weights);
        File.Delete(path);
    }
}
