using MLNet.LrSchedules;
using static MLNet.LrSchedules.Trainers.Tests.Engine.EngineTestKit;

namespace MLNet.LrSchedules.Trainers.Tests.Engine;

/// <summary>The schedule drives the optimizer exactly: rates, momentum, per-epoch stepping and reactive signals.</summary>
[TestClass]
public sealed class TrainingEngineScheduleTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void RatePerStep_EqualsTheScheduleTrajectory_ResolvedToEpochsTimesBatches()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), new TestLinearDecay(), new OptimizerSettings(OptimizerKind.Sgd), learningRate: 0.05, epochs: 3, batchSize: 100);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);

        long batches = (data.TrainRows + 99) / 100;
        Assert.AreEqual(3 * batches, result.StepsCompleted);
        Assert.AreEqual(3 * batches, ((TestLinearDecay)result.Schedule).TotalSteps, "the open duration resolves to epochs × batches per epoch");
        var steps = result.History.Steps;
        Assert.HasCount((int)(3 * batches), steps);
        for (int i = 0; i < steps.Count; i++)
        {
            Assert.AreEqual(i, steps[i].Step);
            Assert.AreEqual(result.Schedule.GetLearningRate(i, 0.05), steps[i].LearningRate, 0.0, $"step {i}");
            Assert.AreEqual(1 + i / (int)batches, steps[i].Epoch);
            Assert.IsNull(steps[i].Momentum, "no momentum cycling");
        }
        Assert.AreEqual(3 * batches, result.SchedulerState.Step);
    }

    [TestMethod]
    public void EpochStepUnit_HoldsTheRateForAWholeEpoch()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), new TestLinearDecay(), new OptimizerSettings(OptimizerKind.Sgd),
            learningRate: 0.05, epochs: 4, batchSize: 200, stepUnit: ScheduleStepUnit.Epoch);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);

        Assert.AreEqual(4L, ((TestLinearDecay)result.Schedule).TotalSteps, "per-epoch schedules resolve to the epoch count");
        foreach (var step in result.History.Steps)
            Assert.AreEqual(0.05 * (1 - (step.Epoch - 1) / 4.0), step.LearningRate, 1e-15, $"step {step.Step}");
        Assert.AreEqual(4L, result.SchedulerState.Step);
    }

    [TestMethod]
    [DataRow(OptimizerKind.Sgd)]
    [DataRow(OptimizerKind.Adam)]
    public void CycledMomentum_IsSetOnTheParameterGroupEveryStep(OptimizerKind kind)
    {
        var data = EngineData.Load("digits");
        var schedule = new TestMomentumCycle(7);
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), schedule, new OptimizerSettings(kind), learningRate: kind == OptimizerKind.Sgd ? 0.05 : 1e-3, epochs: 2, batchSize: 128);
        using var engine = new TrainingEngine(settings);
        var seen = new List<(double Rate, double? Momentum)>();
        var result = engine.Train(data.Train(), null, new SyncProgress(_ => seen.Add((engine.OptimizerLearningRate, engine.OptimizerMomentum))), null, TestContext.CancellationToken);

        var steps = result.History.Steps;
        Assert.HasCount(steps.Count, seen);
        for (int i = 0; i < steps.Count; i++)
        {
            Assert.AreEqual(schedule.GetMomentum(i), steps[i].Momentum!.Value, 0.0, $"recorded momentum, step {i}");
            Assert.AreEqual(schedule.GetMomentum(i), seen[i].Momentum!.Value, 0.0, $"param group {(kind == OptimizerKind.Sgd ? "momentum" : "beta1")}, step {i}");
            Assert.AreEqual(schedule.GetLearningRate(i, settings.LearningRate), seen[i].Rate, 0.0, $"param group rate, step {i}");
        }
    }

    [TestMethod]
    public void PlateauSchedule_ReceivesTheValidationLossEveryEpoch()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), new TestPlateau(), learningRate: 3e-2, epochs: 4);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);

        var state = (TestPlateauState)result.SchedulerState.Reactive!;
        CollectionAssert.AreEqual(result.History.Epochs.Select(e => e.ValidationLoss!.Value).ToArray(), state.Seen.ToArray());
        // The rate of each epoch's steps is the state's rate after the previous epoch's report.
        double rate = settings.LearningRate;
        for (int epoch = 1; epoch <= 4; epoch++)
        {
            foreach (var step in result.History.Steps.Where(s => s.Epoch == epoch))
                Assert.AreEqual(rate, step.LearningRate, 0.0, $"epoch {epoch}");
            double best = state.Seen.Take(epoch - 1).DefaultIfEmpty(double.PositiveInfinity).Min();
            if (!(state.Seen[epoch - 1] < best)) rate /= 2;
        }
    }

    [TestMethod]
    public void PlateauSchedule_WithoutValidation_ReceivesTheTrainingLoss()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), new TestPlateau(), learningRate: 3e-3, epochs: 3);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);

        var state = (TestPlateauState)result.SchedulerState.Reactive!;
        CollectionAssert.AreEqual(result.History.Epochs.Select(e => e.TrainingLoss).ToArray(), state.Seen.ToArray());
        Assert.IsTrue(result.History.Epochs.All(e => e.ValidationLoss is null && e.ValidationMetric is null));
    }

    [TestMethod]
    public void HypergradientSchedule_ReceivesAGradientDotEveryStepButTheFirst()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), new TestHypergradient(1e-4), new OptimizerSettings(OptimizerKind.Sgd, Momentum: 0), learningRate: 0.02, epochs: 2);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);

        var state = (TestHypergradientState)result.SchedulerState.Reactive!;
        Assert.AreEqual(result.StepsCompleted - 1, state.Reports);
        var rates = result.History.Steps.Select(s => s.LearningRate).ToArray();
        Assert.AreEqual(0.02, rates[0], 0.0);
        // Consecutive SGD gradients early in training point the same way: the rate grows.
        Assert.IsGreaterThan(0.02, rates[5]);
        TestContext.WriteLine($"hypergradient rate: {rates[0]} → {rates[5]} → {rates[^1]}");
    }
}
