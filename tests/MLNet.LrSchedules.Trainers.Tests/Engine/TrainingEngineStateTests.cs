using static MLNet.LrSchedules.Trainers.Tests.Engine.EngineTestKit;

namespace MLNet.LrSchedules.Trainers.Tests.Engine;

/// <summary>Checkpoints, resume, fine-tuning, divergence, cancellation and early stopping.</summary>
[TestClass]
public sealed class TrainingEngineStateTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(OptimizerKind.Sgd)]
    [DataRow(OptimizerKind.Adam)]
    [DataRow(OptimizerKind.RmsProp)]
    public void InterruptedRun_ResumedFromItsCheckpoint_EndsWithTheUninterruptedWeightsBitForBit(OptimizerKind kind)
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(dropout: 0.2), new TestLinearDecay(),
            new OptimizerSettings(kind, Momentum: 0.9, Nesterov: kind == OptimizerKind.Sgd, WeightDecay: 1e-4, GradientClipNorm: 5),
            learningRate: kind == OptimizerKind.Sgd ? 0.05 : 1e-3, epochs: 6, batchSize: 128);

        AssertResumeIsExact(settings, data, interruptAfter: 3);
    }

    [TestMethod]
    public void HypergradientRun_ResumedFromItsCheckpoint_IsExact()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), new TestHypergradient(1e-4),
            new OptimizerSettings(OptimizerKind.Sgd, Momentum: 0.5), learningRate: 0.02, epochs: 4, batchSize: 128);
        var resumed = AssertResumeIsExact(settings, data, interruptAfter: 2, repeats: 12);
        Assert.AreEqual(resumed.StepsCompleted - 1, ((TestHypergradientState)resumed.SchedulerState.Reactive!).Reports);
    }

    [TestMethod]
    public void Cnn_WithBatchNormAndDropout_ResumedFromItsCheckpoint_IsExact()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Networks.SequentialNetworkTests.DigitsCnn(dropout: 0.3), new TestLinearDecay(),
            new OptimizerSettings(OptimizerKind.AdamW, WeightDecay: 1e-4, GradientClipNorm: 5), learningRate: 3e-3, epochs: 3, batchSize: 128);

        var resumed = AssertResumeIsExact(settings, data, interruptAfter: 2, repeats: 3);
        Assert.AreEqual(3, resumed.EpochsCompleted);
    }

    /// <summary>
    /// Interrupts and resumes the run <paramref name="repeats"/> times against one uninterrupted run: a result that depended on
    /// where memory happened to sit (it once did, one run in three) would differ in one of them.
    /// </summary>
    private TrainingResult AssertResumeIsExact(EngineSettings settings, EngineData data, int interruptAfter, int repeats = 4)
    {
        TrainingResult uninterrupted;
        using (var engine = new TrainingEngine(settings))
            uninterrupted = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);

        TrainingResult resumed = null!;
        for (int attempt = 1; attempt <= repeats; attempt++)
        {
            TrainingCheckpoint? interrupted = null;
            using (var cancel = new CancellationTokenSource())
            using (var engine = new TrainingEngine(settings))
            {
                Assert.ThrowsExactly<OperationCanceledException>(() => engine.Train(data.Train(), data.Test(), null, null, cancel.Token, checkpoint =>
                {
                    if (checkpoint.EpochsCompleted == interruptAfter)
                    {
                        interrupted = checkpoint;
                        cancel.Cancel();
                    }
                }));
            }
            Assert.IsNotNull(interrupted);

            using (var engine = new TrainingEngine(settings, resumeFrom: interrupted))
                resumed = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);

            string where = $" (attempt {attempt} of {repeats})";
            CollectionAssert.AreEqual(uninterrupted.Weights, resumed.Weights, "weights" + where);
            CollectionAssert.AreEqual(uninterrupted.Checkpoint.OptimizerState, resumed.Checkpoint.OptimizerState, "optimizer state" + where);
            CollectionAssert.AreEqual(uninterrupted.History.Steps.ToArray(), resumed.History.Steps.ToArray(), "step history" + where);
            CollectionAssert.AreEqual(
                uninterrupted.History.Epochs.Select(e => (e.TrainingLoss, e.ValidationLoss)).ToArray(),
                resumed.History.Epochs.Select(e => (e.TrainingLoss, e.ValidationLoss)).ToArray(), "epoch history" + where);
            Assert.AreEqual(uninterrupted.SchedulerState.Step, resumed.SchedulerState.Step, where);
            Assert.AreEqual(uninterrupted.SchedulerState.Reactive?.LearningRate, resumed.SchedulerState.Reactive?.LearningRate, where);
        }
        return resumed;
    }

    [TestMethod]
    public void ThreeEpochRun_ExtendedToSix_EqualsASixEpochRun_WhenTheScheduleIsResolved()
    {
        var data = EngineData.Load("digits");
        long batches = (data.TrainRows + 127) / 128;
        var six = Settings(TrainingTask.MulticlassClassification, Digits(dropout: 0.1), new TestLinearDecay(6 * batches),
            new OptimizerSettings(OptimizerKind.AdamW, WeightDecay: 1e-2), learningRate: 2e-3, epochs: 6, batchSize: 128);
        var three = six with { Epochs = 3 };

        TrainingResult uninterrupted, first, extended;
        using (var engine = new TrainingEngine(six))
            uninterrupted = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);
        using (var engine = new TrainingEngine(three))
            first = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);
        using (var engine = new TrainingEngine(six, resumeFrom: first.Checkpoint))
            extended = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);

        Assert.AreEqual(3, first.EpochsCompleted);
        Assert.AreEqual(6, extended.EpochsCompleted);
        CollectionAssert.AreEqual(uninterrupted.Weights, extended.Weights);
        Assert.HasCount((int)(6 * batches), extended.History.Steps);
    }

    [TestMethod]
    public void AnEngineBuiltInsideAUsersDisposeScope_TrainsAfterIt_AsOneBuiltOutside()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), optimizer: new OptimizerSettings(OptimizerKind.AdamW), epochs: 2);
        TrainingResult outside;
        using (var engine = new TrainingEngine(settings))
            outside = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);

        TrainingEngine scoped;
        using (TorchSharp.torch.NewDisposeScope())
            scoped = new TrainingEngine(settings);
        using (scoped)
            CollectionAssert.AreEqual(outside.Weights, scoped.Train(data.Train(), null, null, null, TestContext.CancellationToken).Weights);
    }

    [TestMethod]
    public void FineTuning_StartsFromTheGivenWeights_WithAFreshOptimizerAndSchedule()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), new TestLinearDecay(), learningRate: 3e-3, epochs: 3);
        TrainingResult pretrained;
        using (var engine = new TrainingEngine(settings))
            pretrained = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);

        using var tuner = new TrainingEngine(settings with { Epochs = 1, LearningRate = 1e-4 }, initialWeights: pretrained.Weights);
        CollectionAssert.AreEqual(pretrained.Weights, tuner.GetWeights());
        var tuned = tuner.Train(data.Train(), null, null, null, TestContext.CancellationToken);

        Assert.AreEqual(0L, tuned.History.Steps[0].Step, "a new run");
        Assert.AreEqual(1e-4, tuned.History.Steps[0].LearningRate, 0.0);
        TestContext.WriteLine($"pretrained loss {pretrained.History.Steps[0].Loss:F4} → {pretrained.History.Epochs[^1].TrainingLoss:F4}; fine-tuning starts at {tuned.History.Steps[0].Loss:F4}");
        Assert.IsLessThan(pretrained.History.Steps[0].Loss / 2, tuned.History.Steps[0].Loss, "starts from the trained weights");
        Assert.IsLessThan(pretrained.History.Epochs[^1].TrainingLoss * 1.5, tuned.History.Steps[0].Loss);
    }

    [TestMethod]
    public void HugeLearningRate_ThrowsTrainingDiverged_NamingStepEpochAndRate_AndKeepsTheLastGoodEpoch()
    {
        var data = EngineData.Load("diabetes", standardizeLabel: true);
        long batches = (data.TrainRows + 31) / 32;
        // One good epoch, then a rate no network survives.
        var settings = Settings(TrainingTask.Regression, NetworkSpec.Mlp([16], Activation.Relu, 0).Resolve(10, 1), new TestJump(batches, 1e12),
            new OptimizerSettings(OptimizerKind.Sgd, Momentum: 0.9), learningRate: 1e-2, epochs: 5, batchSize: 32);
        using var engine = new TrainingEngine(settings);

        var error = Assert.ThrowsExactly<TrainingDivergedException>(() => engine.Train(data.Train(), null, null, null, TestContext.CancellationToken));

        TestContext.WriteLine(error.Message);
        Assert.AreEqual(2, error.Epoch);
        Assert.IsGreaterThanOrEqualTo(batches, error.Step);
        Assert.AreEqual(1e-2 * 1e12, error.LearningRate, 0.0);
        Assert.IsFalse(double.IsFinite(error.Loss));
        StringAssert.Contains(error.Message, $"step {error.Step} (epoch 2)");
        StringAssert.Contains(error.Message, "1000000000");
        Assert.AreEqual(1, error.LastGoodResult.EpochsCompleted);
        Assert.AreEqual(batches, error.LastGoodResult.StepsCompleted);
        Assert.AreEqual(TrainingStopReason.Diverged, error.LastGoodResult.StopReason);
        CollectionAssert.AreEqual(error.LastGoodResult.Weights, engine.GetWeights(), "the engine rolled back to the last good epoch");
        var predictions = Score(error.LastGoodResult, TrainingTask.Regression, data.TestFeatures, data.TestRows);
        Assert.IsTrue(predictions.All(float.IsFinite));
    }

    [TestMethod]
    public void Cancellation_ThrowsAtTheNextStep_AndRollsBackToTheLastEpoch()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), epochs: 2, batchSize: 128);
        using var cancel = new CancellationTokenSource();
        using var engine = new TrainingEngine(settings);
        long lastReported = 0;
        var progress = new SyncProgress(p =>
        {
            lastReported = p.Step;
            if (p.Step == 5) cancel.Cancel();
        });

        Assert.ThrowsExactly<OperationCanceledException>(() => engine.Train(data.Train(), null, progress, null, cancel.Token));

        Assert.AreEqual(5L, lastReported, "no step runs after the cancellation");
        Assert.AreEqual(0L, engine.StepsCompleted);
        Assert.AreEqual(0, engine.EpochsCompleted);

        // The rolled-back engine trains on as if never interrupted.
        var again = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);
        using var fresh = new TrainingEngine(settings);
        var uninterrupted = fresh.Train(data.Train(), null, null, null, TestContext.CancellationToken);
        CollectionAssert.AreEqual(uninterrupted.Weights, again.Weights);
    }

    [TestMethod]
    public void Progress_ReportsEveryStep_WithTotals()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), epochs: 2, batchSize: 256);
        using var engine = new TrainingEngine(settings);
        var reports = new List<TrainingProgress>();
        var result = engine.Train(data.Train(), null, new SyncProgress(reports.Add), null, TestContext.CancellationToken);

        long total = 2 * ((data.TrainRows + 255) / 256);
        Assert.HasCount((int)total, reports);
        Assert.IsTrue(reports.All(r => r.TotalSteps == total && r.Epochs == 2));
        CollectionAssert.AreEqual(Enumerable.Range(1, (int)total).Select(i => (long)i).ToArray(), reports.Select(r => r.Step).ToArray());
        Assert.AreEqual(TimeSpan.Zero, reports[^1].Remaining);
        Assert.AreEqual(result.History.Steps[^1].Loss, reports[^1].Loss);
    }

    [TestMethod]
    public void EarlyStopping_StopsAfterPatienceEpochsWithoutImprovement()
    {
        var data = EngineData.Load("digits");
        // A zero rate never improves on the first epoch's loss.
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), learningRate: 0, epochs: 10, patience: 2);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);

        Assert.AreEqual(TrainingStopReason.EarlyStopped, result.StopReason);
        Assert.AreEqual(3, result.EpochsCompleted);
        Assert.AreEqual(1, result.Checkpoint.BestEpoch);
    }

    [TestMethod]
    public void RestoreBestWeights_WithEarlyStopping_ReturnsTheBestValidationEpochsWeights_EvenWithoutStoppingEarly()
    {
        var data = EngineData.Load("breast_cancer");
        // A rate high enough to make the validation loss wander; a patience the run never exhausts.
        var settings = Settings(TrainingTask.BinaryClassification, NetworkSpec.Mlp([64], Activation.Relu, 0).Resolve(30, 1), learningRate: 3e-2,
            epochs: 8, batchSize: 16, patience: 8, restoreBestWeights: true);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);

        var losses = result.History.Epochs.Select(e => e.ValidationLoss!.Value).ToArray();
        int best = Array.IndexOf(losses, losses.Min()) + 1;
        TestContext.WriteLine($"validation losses {string.Join(", ", losses.Select(l => l.ToString("F4")))}; best epoch {best}");
        Assert.AreEqual(TrainingStopReason.Completed, result.StopReason);
        Assert.AreNotEqual(8, best, "the data must make the last epoch not the best for this test to mean anything");
        Assert.AreEqual(best, result.Checkpoint.BestEpoch);
        CollectionAssert.AreEqual(result.Checkpoint.BestWeights, result.Weights);
        CollectionAssert.AreEqual(result.Weights, engine.GetWeights());
    }

    [TestMethod]
    public void RestoreBestWeights_WithoutEarlyStopping_HasNoEffect_TheLastEpochsWeightsAreKept()
    {
        var data = EngineData.Load("breast_cancer");
        var settings = Settings(TrainingTask.BinaryClassification, NetworkSpec.Mlp([64], Activation.Relu, 0).Resolve(30, 1), learningRate: 3e-2,
            epochs: 8, batchSize: 16, restoreBestWeights: true);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);

        Assert.IsFalse(settings.RestoresBestWeights);
        Assert.AreNotEqual(8, result.Checkpoint.BestEpoch, "the same wandering run: its best epoch is not the last");
        Assert.IsNull(result.Checkpoint.BestWeights, "no copy of weights that will never be used");
        CollectionAssert.AreEqual(result.Checkpoint.Weights, result.Weights, "the last epoch's weights");
    }

    [TestMethod]
    public void ExampleWeights_GiveTheWeightedMeanLoss()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), epochs: 1, batchSize: 64);
        TrainingResult plain, doubled;
        using (var engine = new TrainingEngine(settings))
            plain = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);
        using (var engine = new TrainingEngine(settings))
            doubled = engine.Train(data.Train(Enumerable.Repeat(2f, data.TrainRows).ToArray()), null, null, null, TestContext.CancellationToken);

        for (int i = 0; i < plain.History.Steps.Count; i++)
            Assert.AreEqual(plain.History.Steps[i].Loss, doubled.History.Steps[i].Loss, 1e-5, $"step {i}");
    }

    [TestMethod]
    public void CudaWithoutABackend_FailsAtOnce_NamingThePackages()
    {
        if (TorchSharp.torch.cuda.is_available()) Assert.Inconclusive("A CUDA backend is present.");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), device: ComputeDevice.Cuda);

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => new TrainingEngine(settings));

        StringAssert.Contains(error.Message, "TorchSharp-cuda-linux");
        StringAssert.Contains(error.Message, "TorchSharp-cuda-windows");
    }

    [TestMethod]
    public void ResumeAndInitialWeightsTogether_AreRejected()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), epochs: 1, batchSize: 512);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);

        var error = Assert.ThrowsExactly<ArgumentException>(() => new TrainingEngine(settings, result.Checkpoint, result.Weights));
        StringAssert.Contains(error.Message, "exclusive");
        var other = settings with { Network = Digits(hidden: 8) };
        Assert.ThrowsExactly<ArgumentException>(() => new TrainingEngine(other, result.Checkpoint));
    }
}
