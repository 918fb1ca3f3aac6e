using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

[TestClass]
public sealed class RetrainingTests
{
    private static (IDataView Train, IDataView Test) NormalizedDigits(MLContext ml)
    {
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var prep = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features")).Fit(train);
        return (ml.Data.Cache(prep.Transform(train)), ml.Data.Cache(prep.Transform(test)));
    }

    private static TorchMlpMulticlassOptions Options() => new()
    {
        Epochs = 4,
        BatchSize = 64,
        LearningRate = 2e-3,
        HiddenLayers = [32],
        Optimizer = OptimizerKind.AdamW,
        WeightDecay = 1e-4,
        Seed = 11,
    };

    [TestMethod]
    public void InterruptedRun_ResumedFromItsCheckpoint_EndsWithTheUninterruptedWeights()
    {
        var ml = new MLContext(1);
        var (train, test) = NormalizedDigits(ml);
        var uninterrupted = ml.MulticlassClassification.Trainers.TorchMlp(Options()).Fit(train);

        // The same run, checkpointed every epoch and canceled (its CancellationToken) during epoch 3.
        string checkpointPath = TestData.TempPath("checkpoint.zip");
        var interruptedContext = new MLContext(1);
        var interruptedOptions = Options();
        interruptedOptions.CheckpointEveryEpochs = 1;
        interruptedOptions.CheckpointPath = checkpointPath;
        TestData.CanceledAtEpoch(interruptedOptions, 3);
        var canceled = Assert.ThrowsExactly<TorchNetworkCanceledException>(() => interruptedContext.MulticlassClassification.Trainers.TorchMlp(interruptedOptions).Fit(train));
        Assert.Contains("canceled by TorchTrainerOptions.CancellationToken after 2 of 4 epochs", canceled.Message);
        Assert.AreEqual(2, canceled.LastCompletedModel!.Model.EpochsCompleted);

        var checkpointInfo = TorchModelInfo.Read(checkpointPath);
        Assert.AreEqual(2, checkpointInfo.EpochsCompleted);
        Assert.AreEqual(checkpointInfo.StepsCompleted, checkpointInfo.SchedulerState.Step);
        Assert.AreEqual(TrainingStopReason.Incomplete, checkpointInfo.StopReason, "2 of 4 epochs: the run is not finished");
        Assert.IsTrue(checkpointInfo.IsSealed, "checkpoints are sealed files");

        var resumeContext = new MLContext(1);
        var checkpoint = (TorchNetworkTransformer)resumeContext.Model.Load(checkpointPath, out _);
        Assert.AreEqual(TrainingStopReason.Incomplete, checkpoint.Model.StopReason);
        var resumed = resumeContext.MulticlassClassification.Trainers.TorchMlp(Options()).Resume(train, checkpoint);

        Assert.AreEqual(4, resumed.Model.EpochsCompleted);
        Assert.AreEqual(TrainingStopReason.Completed, resumed.Model.StopReason);
        Assert.AreEqual(uninterrupted.Model.StepsCompleted, resumed.Model.StepsCompleted);
        CollectionAssert.AreEqual(uninterrupted.Model.History.Steps.Select(s => s.LearningRate).ToArray(), resumed.Model.History.Steps.Select(s => s.LearningRate).ToArray());
        CollectionAssert.AreEqual(uninterrupted.Model.History.Steps.Select(s => s.Loss).ToArray(), resumed.Model.History.Steps.Select(s => s.Loss).ToArray());
        CollectionAssert.AreEqual(uninterrupted.Model.Result.Weights, resumed.Model.Result.Weights, "bit-identical weights");
        CollectionAssert.AreEqual(
            TestData.Scores(uninterrupted.Transform(test)).SelectMany(s => s).ToArray(),
            TestData.Scores(resumed.Transform(test)).SelectMany(s => s).ToArray());

        var finished = Assert.ThrowsExactly<InvalidOperationException>(() => resumeContext.MulticlassClassification.Trainers.TorchMlp(Options()).Resume(train, resumed));
        Assert.Contains("already completed all its 4 epochs", finished.Message);
        File.Delete(checkpointPath);
    }

    [TestMethod]
    public void CheckpointPipeline_CheckpointIsTheWholePipeline_ResumesOnRawData_AsTheUninterruptedRun()
    {
        var ml = new MLContext(1);
        var (rawTrain, rawTest) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var preprocessing = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features")).Fit(rawTrain);
        var train = ml.Data.Cache(preprocessing.Transform(rawTrain));
        var uninterrupted = ml.MulticlassClassification.Trainers.TorchMlp(Options()).Fit(train);

        string checkpointPath = TestData.TempPath("pipeline-checkpoint.zip");
        var interruptedContext = new MLContext(1);
        var interruptedOptions = Options();
        interruptedOptions.CheckpointEveryEpochs = 1;
        interruptedOptions.CheckpointPath = checkpointPath;
        interruptedOptions.CheckpointPipeline = new CheckpointPipeline(preprocessing, rawTrain.Schema);
        TestData.CanceledAtEpoch(interruptedOptions, 3);
        Assert.Throws<OperationCanceledException>(() => interruptedContext.MulticlassClassification.Trainers.TorchMlp(interruptedOptions).Fit(train));

        // The file alone: the raw input schema, the key mapping and the normalizer, then the network.
        var loaded = new MLContext(1).Model.Load(checkpointPath, out var inputSchema);
        var chain = Assert.IsInstanceOfType<TransformerChain<ITransformer>>(loaded);
        Assert.IsInstanceOfType<TorchNetworkTransformer>(chain.LastTransformer);
        Assert.AreEqual(3, chain.Count(), "key mapping, normalizer, network");
        Assert.AreEqual(NumberDataViewType.Single, inputSchema["Label"].Type, "the raw label, before the key mapping");

        string next = TestData.TempPath("pipeline-checkpoint-resumed.zip");
        var resumeOptions = Options();
        resumeOptions.CheckpointEveryEpochs = 1;
        resumeOptions.CheckpointPath = next;
        var resumed = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(resumeOptions).Resume(rawTrain, loaded);

        var network = (TorchNetworkTransformer)resumed.LastTransformer;
        Assert.AreEqual(4, network.Model.EpochsCompleted);
        CollectionAssert.AreEqual(uninterrupted.Model.Result.Weights, network.Model.Result.Weights, "bit-identical weights");
        CollectionAssert.AreEqual(
            TestData.Scores(uninterrupted.Transform(preprocessing.Transform(rawTest))).SelectMany(s => s).ToArray(),
            TestData.Scores(resumed.Transform(rawTest)).SelectMany(s => s).ToArray(), "the returned pipeline scores raw data");
        Assert.IsInstanceOfType<TransformerChain<ITransformer>>(new MLContext().Model.Load(next, out _), "the resumed run's checkpoints are whole pipelines too");

        var bare = Assert.ThrowsExactly<ArgumentException>(() => new MLContext(1).MulticlassClassification.Trainers.TorchMlp(Options()).Resume(rawTrain, preprocessing));
        Assert.Contains("last transformer is a TorchNetworkTransformer", bare.Message);
        File.Delete(checkpointPath);
        File.Delete(next);
    }

    [TestMethod]
    public void FineTune_StartsFromTheModelWeights_WithANewScheduleAndFreshOptimizer()
    {
        var ml = new MLContext(1);
        var (train, test) = NormalizedDigits(ml);
        var model = ml.MulticlassClassification.Trainers.TorchMlp(Options()).Fit(train);
        var before = TestData.Scores(model.Transform(test)).SelectMany(s => s).ToArray();

        // A rate too small to move the weights measurably: the fine-tuned model scores like the one it started from.
        var tiny = Options();
        tiny.Epochs = 1;
        tiny.LearningRate = 1e-12;
        tiny.Optimizer = OptimizerKind.Sgd;
        tiny.Momentum = 0;
        tiny.WeightDecay = 0;
        var still = ml.MulticlassClassification.Trainers.TorchMlp(tiny).Fit(train, model);
        var stillScores = TestData.Scores(still.Transform(test)).SelectMany(s => s).ToArray();
        for (int i = 0; i < before.Length; i++) Assert.AreEqual(before[i], stillScores[i], 1e-5);
        Assert.AreEqual(1, still.Model.EpochsCompleted, "a fresh run: its own history");
        Assert.AreEqual(OptimizerKind.Sgd, still.Model.Optimizer.Kind);

        // A real fine-tune on half the data moves the weights and keeps the accuracy.
        var half = ml.Data.TakeRows(train, 700);
        var tuneOptions = Options();
        tuneOptions.Epochs = 2;
        tuneOptions.LearningRate = 5e-4;
        var tuned = ml.MulticlassClassification.Trainers.TorchMlp(tuneOptions).Fit(half, model);
        CollectionAssert.AreNotEqual(model.Model.Result.Weights, tuned.Model.Result.Weights);
        double baseAccuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        double tunedAccuracy = ml.MulticlassClassification.Evaluate(tuned.Transform(test)).MicroAccuracy;
        Assert.IsGreaterThan(baseAccuracy - 0.03, tunedAccuracy, $"fine-tuned {tunedAccuracy}, base {baseAccuracy}");
    }

    [TestMethod]
    public void CheckpointWrite_CrashingBeforeTheRename_LeavesThePreviousFileIntact()
    {
        var ml = new MLContext(1);
        var (train, _) = NormalizedDigits(ml);
        var options = Options();
        options.Epochs = 1;
        var model = ml.MulticlassClassification.Trainers.TorchMlp(options).Fit(train);
        string path = TestData.TempPath("atomic.zip");
        CheckpointFile.Write(ml, model.Model, train.Schema, path);
        byte[] good = File.ReadAllBytes(path);

        Assert.ThrowsExactly<IOException>(() => CheckpointFile.Write(ml, model.Model, train.Schema, path,
            beforeCommit: stream => { stream.SetLength(stream.Length / 2); throw new IOException("simulated crash"); }));
        CollectionAssert.AreEqual(good, File.ReadAllBytes(path));
        Assert.IsEmpty(Directory.GetFiles(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.*.tmp"));
        Assert.AreEqual(1, TorchModelInfo.Read(path).EpochsCompleted);
        File.Delete(path);
    }

    [TestMethod]
    public void PartialRunSavedAsCompleted_ByAnEarlierVersion_ReadsBackAsIncomplete()
    {
        // Checkpoint writers before TrainingStopReason.Incomplete stored Completed for a run still going.
        var ml = new MLContext(1);
        var (train, _) = NormalizedDigits(ml);
        var options = Options();
        options.Epochs = 1;
        var model = ml.MulticlassClassification.Trainers.TorchMlp(options).Fit(train).Model;
        var checkpoint = model.Result.Checkpoint;
        var planned = checkpoint.Settings with { Epochs = 3 };
        var partial = new TrainingCheckpoint(planned, checkpoint.Weights, checkpoint.OptimizerState, checkpoint.Schedule, checkpoint.SchedulerState,
            checkpoint.History, checkpoint.EpochsCompleted, checkpoint.StepsCompleted, checkpoint.TotalSteps, checkpoint.BestLoss, checkpoint.BestEpoch,
            checkpoint.EpochsWithoutImprovement, checkpoint.BestWeights, checkpoint.PreviousUpdateDirection);
        var legacy = new TorchNetworkModel(new TrainingResult(partial, model.Result.Weights, TrainingStopReason.Completed), model.FeatureColumnName, model.LabelColumnName, model.ClassKeyValues);

        var (_, read) = TorchModelSerializer.FromEntries(TorchModelSerializer.ToEntries(legacy).ToDictionary(e => e.Key, e => e.Value), "test");
        Assert.AreEqual(TrainingStopReason.Incomplete, read.StopReason);
        Assert.AreEqual(TrainingStopReason.Incomplete, CheckpointFile.ResultAt(partial).StopReason);
        Assert.AreEqual(TrainingStopReason.Completed, CheckpointFile.ResultAt(checkpoint).StopReason);
    }
}
