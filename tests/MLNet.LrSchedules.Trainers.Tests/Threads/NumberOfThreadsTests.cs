using Microsoft.ML;
using MLNet.LrSchedules.Trainers.Native;
using MLNet.LrSchedules.Trainers.Tests.MLNet;
using TorchSharp;
using static MLNet.LrSchedules.Trainers.Tests.Engine.EngineTestKit;

namespace MLNet.LrSchedules.Trainers.Tests.Threads;

/// <summary>NumberOfThreads: validated, applied to the training thread for the run only, chosen from the work when left null, saved, and used again on resume.</summary>
[TestClass]
public sealed class NumberOfThreadsTests
{
    private static IDataView DigitsData(MLContext ml)
    {
        var data = TestData.Load(ml, "digits");
        return ml.Data.Cache(ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features")).Fit(data).Transform(data));
    }

    private static TorchMlpMulticlassOptions Options(int? threads, List<int> seen) => new()
    {
        Epochs = 2,
        BatchSize = 128,
        HiddenLayers = [16],
        Seed = 3,
        NumberOfThreads = threads,
        // Progress is reported on the training thread after every step: what libtorch uses there.
        Progress = new SyncProgress(_ => seen.Add(torch.get_num_threads())),
    };

    [TestMethod]
    public void OutOfRange_NamesTheOptionTheValueAndTheRange()
    {
        var options = new TorchMlpMulticlassOptions { NumberOfThreads = 0 };
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext().MulticlassClassification.Trainers.TorchMlp(options));
        Assert.StartsWith("Option 'NumberOfThreads' must be null (chosen from the work per step) or an integer >= 1; received 0.", e.Message);

        var settings = Settings(TrainingTask.MulticlassClassification, Digits()) with { NumberOfThreads = -2 };
        var engine = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TrainingEngine(settings));
        Assert.StartsWith("EngineSettings.NumberOfThreads must be > 0 (or null to let the engine choose); received -2.", engine.Message);
    }

    [TestMethod]
    public void Fit_TrainsOnTheGivenCount_RestoresTheCallersAndSavesIt()
    {
        var ml = new MLContext(1);
        var data = DigitsData(ml);
        int before = torch.get_num_threads();
        int wanted = before == 3 ? 2 : 3;
        var seen = new List<int>();

        var model = ml.MulticlassClassification.Trainers.TorchMlp(Options(wanted, seen)).Fit(data);

        Assert.IsNotEmpty(seen);
        Assert.IsTrue(seen.All(n => n == wanted), $"steps ran on {string.Join(", ", seen.Distinct())} threads; expected {wanted}");
        Assert.AreEqual(before, torch.get_num_threads(), "the caller's count is back after Fit");
        Assert.AreEqual(wanted, model.Model.Settings.NumberOfThreads);

        string path = TestData.TempPath("threads.zip");
        ml.Model.Save(model, data.Schema, path);
        var loaded = (TorchNetworkTransformer)new MLContext().Model.Load(path, out _);
        Assert.AreEqual(wanted, loaded.Model.Settings.NumberOfThreads, "saved with the run's settings");
        File.Delete(path);
    }

    [TestMethod]
    public void Default_ASmallNetwork_TrainsOnOneThread()
    {
        var ml = new MLContext(1);
        var seen = new List<int>();
        var model = ml.MulticlassClassification.Trainers.TorchMlp(Options(null, seen)).Fit(DigitsData(ml));
        // 64 → 16 → 10 at batch 128: about 0.5 million multiply-adds a step, far below one thread's share.
        Assert.AreEqual(1, model.Model.Settings.NumberOfThreads);
        Assert.IsTrue(seen.All(n => n == 1));
    }

    [TestMethod]
    public void Resume_UsesTheSavedCount_UnlessTheOptionIsSet()
    {
        var ml = new MLContext(1);
        var data = DigitsData(ml);
        string checkpointPath = TestData.TempPath("threads-checkpoint.zip");
        var interrupted = Options(2, []);
        interrupted.CheckpointEveryEpochs = 1;
        interrupted.CheckpointPath = checkpointPath;
        using var stop = new CancellationTokenSource();
        interrupted.CancellationToken = stop.Token;
        interrupted.Progress = new SyncProgress(p => { if (p.Epoch == 2) stop.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.TorchMlp(interrupted).Fit(data));
        var checkpoint = (TorchNetworkTransformer)new MLContext().Model.Load(checkpointPath, out _);
        Assert.AreEqual(2, checkpoint.Model.Settings.NumberOfThreads);

        var saved = new List<int>();
        var resumed = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(Options(null, saved)).Resume(data, checkpoint);
        Assert.IsTrue(saved.All(n => n == 2), "the saved count: the resumed run reproduces the uninterrupted one");
        Assert.AreEqual(2, resumed.Model.Settings.NumberOfThreads);

        var given = new List<int>();
        var overridden = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(Options(1, given)).Resume(data, checkpoint);
        Assert.IsTrue(given.All(n => n == 1), "an explicit NumberOfThreads replaces the saved count");
        Assert.AreEqual(1, overridden.Model.Settings.NumberOfThreads);
        File.Delete(checkpointPath);
    }

    [TestMethod]
    public void TwoTrainersOnTwoThreads_EachTrainsOnItsOwnCount()
    {
        var ml = new MLContext(1);
        var data = DigitsData(ml);
        var seenOne = new List<int>();
        var seenThree = new List<int>();
        // Both runs overlap: each holds its count on its own thread for its whole Fit.
        using var bothRunning = new Barrier(2);
        var one = Options(1, seenOne);
        one.Progress = new SyncProgress(p => { if (p.Step == 1) bothRunning.SignalAndWait(TimeSpan.FromSeconds(60)); seenOne.Add(torch.get_num_threads()); });
        var three = Options(3, seenThree);
        three.Progress = new SyncProgress(p => { if (p.Step == 1) bothRunning.SignalAndWait(TimeSpan.FromSeconds(60)); seenThree.Add(torch.get_num_threads()); });

        var first = Task.Factory.StartNew(() => new MLContext(1).MulticlassClassification.Trainers.TorchMlp(one).Fit(data), TaskCreationOptions.LongRunning);
        var second = Task.Factory.StartNew(() => new MLContext(1).MulticlassClassification.Trainers.TorchMlp(three).Fit(data), TaskCreationOptions.LongRunning);
        Task.WaitAll(first, second);

        Assert.IsTrue(seenOne.All(n => n == 1), $"the 1-thread run saw {string.Join(", ", seenOne.Distinct())}");
        Assert.IsTrue(seenThree.All(n => n == 3), $"the 3-thread run saw {string.Join(", ", seenThree.Distinct())}");
    }

    [TestMethod]
    public void SameCount_SameWeights()
    {
        var ml = new MLContext(1);
        var data = DigitsData(ml);
        var a = ml.MulticlassClassification.Trainers.TorchMlp(Options(2, [])).Fit(data);
        var b = ml.MulticlassClassification.Trainers.TorchMlp(Options(2, [])).Fit(data);
        CollectionAssert.AreEqual(a.Model.Result.Weights, b.Model.Result.Weights);
    }

    [TestMethod]
    [DataRow(0L, 8, 1)]
    [DataRow(TorchThreads.MultiplyAddsPerThread - 1, 8, 1)]
    [DataRow(2 * TorchThreads.MultiplyAddsPerThread, 8, 2)]
    [DataRow(5 * TorchThreads.MultiplyAddsPerThread + 7, 8, 5)]
    [DataRow(100 * TorchThreads.MultiplyAddsPerThread, 8, 8)]
    [DataRow(100 * TorchThreads.MultiplyAddsPerThread, 1, 1)]
    public void DefaultCount_OneThreadPerShareOfWork_UpToTheCap(long work, int cap, int expected) =>
        Assert.AreEqual(expected, TorchThreads.ForWork(work, cap));

    [TestMethod]
    public void DefaultCount_IsAtMostTheProcessors() =>
        Assert.IsTrue(TorchThreads.MaxDefault >= 1 && TorchThreads.MaxDefault <= Environment.ProcessorCount);

    [TestMethod]
    public void NetworkCost_CountsMultiplyAddsPerExample()
    {
        TorchSharpRuntime.EnsureLoaded();
        var cnn = NetworkSpec.Parse("reshape(1,28,28) >> conv2d(16,kernel=5) >> relu >> maxpool2d(2) >> conv2d(32,kernel=5) >> relu >> maxpool2d(2) >> flatten >> linear(128) >> relu").Resolve(784, 10);
        using (var network = new SequentialNetwork(cnn, 1))
        {
            long conv1 = 16 * 24 * 24 * 1 * 25, relu1 = 16 * 24 * 24, pool1 = 16 * 24 * 24;
            long conv2 = 32 * 8 * 8 * 16 * 25, relu2 = 32 * 8 * 8, pool2 = 32 * 8 * 8;
            long linear = 512 * 128, relu3 = 128, head = 128 * 10;
            Assert.AreEqual(conv1 + relu1 + pool1 + conv2 + relu2 + pool2 + linear + relu3 + head, network.MultiplyAddsPerExample());
        }
        using (var mlp = new SequentialNetwork(NetworkSpec.Mlp([512], dropout: 0.1).Resolve(784, 10), 1))
            Assert.AreEqual(784 * 512 + 512 + 512 + 512 * 10, mlp.MultiplyAddsPerExample());
    }
}
