using Microsoft.ML;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

/// <summary>
/// <see cref="TorchTrainerOptions.CancellationToken"/>: training stops before the next optimizer step and leaves a resumable
/// state, in the exception and in the checkpoint file; through a whole pipeline too.
/// </summary>
[TestClass]
public sealed class CancellationTests
{
    private static readonly Lazy<IDataView> Digits = new(() =>
    {
        var ml = new MLContext(1);
        var (train, _) = TestData.Split(ml, TestData.Load(ml, "digits"));
        return ml.Data.Cache(ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false)).Fit(train).Transform(train));
    });

    private static TorchMlpMulticlassOptions Options() => new() { Epochs = 4, BatchSize = 128, HiddenLayers = [16], Seed = 9, Schedule = LrSchedule.Parse("cosine()") };

    [TestMethod]
    public void CanceledBeforeFit_ThrowsAtOnce_WithNoModel()
    {
        var ml = new MLContext(1);
        var options = Options();
        options.CancellationToken = new CancellationToken(canceled: true);
        // Through a pipeline: ML.NET's Fit takes no token, the option reaches the trainer.
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TorchMlp(options));

        var canceled = Assert.ThrowsExactly<TorchNetworkCanceledException>(() => pipeline.Fit(TestData.Load(ml, "digits")));

        Assert.IsNull(canceled.LastCompletedModel);
        Assert.AreEqual("Training was canceled by TorchTrainerOptions.CancellationToken before it started.", canceled.Message);
        Assert.IsInstanceOfType<OperationCanceledException>(canceled);
    }

    [TestMethod]
    public void CanceledMidEpoch_StopsBeforeTheNextStep_AndTheLastCompletedEpochResumesExactly()
    {
        var uninterrupted = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(Options()).Fit(Digits.Value).Model;

        // Checkpoints every 2 epochs; canceled at step 14, in epoch 2 (12 steps an epoch): epoch 1 was never written by the schedule.
        string path = TestData.TempPath("canceled.zip");
        using var cancel = new CancellationTokenSource();
        long lastStep = -1;
        var options = Options();
        options.CheckpointEveryEpochs = 2;
        options.CheckpointPath = path;
        options.CancellationToken = cancel.Token;
        options.Progress = new Engine.EngineTestKit.SyncProgress(p =>
        {
            lastStep = p.Step;
            if (p.Step == 14) cancel.Cancel();
        });
        var canceled = Assert.ThrowsExactly<TorchNetworkCanceledException>(() => new MLContext(1).MulticlassClassification.Trainers.TorchMlp(options).Fit(Digits.Value));

        Assert.AreEqual(14, lastStep, "no step after the cancellation");
        var last = canceled.LastCompletedModel!;
        Assert.AreEqual(1, last.Model.EpochsCompleted);
        Assert.AreEqual(TrainingStopReason.Incomplete, last.Model.StopReason);
        Assert.Contains("after 1 of 4 epochs", canceled.Message);
        Assert.Contains($"and in the checkpoint '{path}'", canceled.Message);
        Assert.AreEqual(1, TorchModelInfo.Read(path).EpochsCompleted, "the last completed epoch is written on cancellation");

        // Both the exception's model and the file continue the run exactly.
        var fromException = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(Options()).Resume(Digits.Value, last).Model;
        ResumeMatrixTests.AssertSameRun(uninterrupted, fromException, "from LastCompletedModel");
        var fromFile = (TorchNetworkTransformer)new MLContext().Model.Load(path, out _);
        ResumeMatrixTests.AssertSameRun(uninterrupted, new MLContext(1).MulticlassClassification.Trainers.TorchMlp(Options()).Resume(Digits.Value, fromFile).Model, "from the file");
        File.Delete(path);
    }

    [TestMethod]
    public void CanceledInTheFirstEpoch_LeavesTheStartOfTheRun_WhichResumesAsAFreshRun()
    {
        var uninterrupted = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(Options()).Fit(Digits.Value).Model;
        using var cancel = new CancellationTokenSource();
        var options = Options();
        options.CancellationToken = cancel.Token;
        options.Progress = new Engine.EngineTestKit.SyncProgress(p => { if (p.Step == 3) cancel.Cancel(); });

        var canceled = Assert.ThrowsExactly<TorchNetworkCanceledException>(() => new MLContext(1).MulticlassClassification.Trainers.TorchMlp(options).Fit(Digits.Value));

        Assert.AreEqual(0, canceled.LastCompletedModel!.Model.EpochsCompleted);
        Assert.DoesNotContain("checkpoint", canceled.Message);
        ResumeMatrixTests.AssertSameRun(uninterrupted, new MLContext(1).MulticlassClassification.Trainers.TorchMlp(Options()).Resume(Digits.Value, canceled.LastCompletedModel).Model, "from epoch 0");
    }
}
