using MLNet.LrSchedules;
using static MLNet.LrSchedules.Trainers.Tests.Engine.EngineTestKit;

namespace MLNet.LrSchedules.Trainers.Tests.Engine;

/// <summary>The engine with the library's own schedules: OneCycle with cycled momentum, ReduceLROnPlateau, hypergradient descent.</summary>
[TestClass]
public sealed class RealScheduleTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(OptimizerKind.Sgd)]
    [DataRow(OptimizerKind.AdamW)]
    public void OneCycle_WithCycleMomentum_SetsRateAndMomentumOnTheParamGroupEveryStep(OptimizerKind kind)
    {
        var data = EngineData.Load("digits");
        var schedule = LrSchedule.OneCycle(maxLr: kind == OptimizerKind.Sgd ? 0.1 : 1e-2);
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), schedule, new OptimizerSettings(kind, Momentum: 0.9),
            learningRate: 0.1, epochs: 3, batchSize: 128);
        using var engine = new TrainingEngine(settings);
        var onParamGroup = new List<(double Rate, double? Momentum)>();
        var result = engine.Train(data.Train(), data.Test(), new SyncProgress(_ => onParamGroup.Add((engine.OptimizerLearningRate, engine.OptimizerMomentum))), null, TestContext.CancellationToken);

        var resolved = (OneCycleSchedule)result.Schedule;
        Assert.AreEqual(Duration.Steps(result.StepsCompleted), resolved.TotalSteps, "the open cycle resolves to the run");
        for (int step = 0; step < result.StepsCompleted; step++)
        {
            double rate = resolved.GetLearningRate(step, settings.LearningRate);
            double momentum = resolved.GetMomentum(step);
            Assert.AreEqual(rate, result.History.Steps[step].LearningRate, 0.0, $"step {step}");
            Assert.AreEqual(rate, onParamGroup[step].Rate, 0.0, $"param group rate, step {step}");
            Assert.AreEqual(momentum, onParamGroup[step].Momentum!.Value, 0.0, $"param group momentum/beta1, step {step}");
        }
        Assert.AreEqual(0.95, onParamGroup[0].Momentum!.Value, 1e-12, "max_momentum at the start");
        Assert.IsLessThan(0.86, onParamGroup.Min(p => p.Momentum!.Value), "down to base_momentum at the peak");
        TestContext.WriteLine($"{kind}: validation accuracy {result.History.Epochs[^1].ValidationMetric:F4}");
        Assert.IsGreaterThan(0.85, result.History.Epochs[^1].ValidationMetric!.Value);
    }

    [TestMethod]
    public void Plateau_FollowsTheValidationLoss_AsAReplayOfTheSameSignalsGives()
    {
        var data = EngineData.Load("digits");
        var schedule = new PlateauSchedule(factor: 0.5, patience: 0);
        // Adam at a high rate: the validation loss stalls, so the rate must fall.
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), schedule, new OptimizerSettings(OptimizerKind.Adam),
            learningRate: 3e-2, epochs: 6, batchSize: 128);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);

        // Replay the run's signals through a fresh scheduler in the engine's order.
        var replay = new LrScheduler(schedule, settings.LearningRate, result.StepsCompleted);
        foreach (var epoch in result.History.Epochs)
        {
            foreach (var step in result.History.Steps.Where(s => s.Epoch == epoch.Epoch))
            {
                Assert.AreEqual(replay.LearningRate, step.LearningRate, 0.0, $"step {step.Step}");
                replay.Report(ScheduleSignal.Loss, step.Loss);
                replay.Advance();
            }
            replay.Report(ScheduleSignal.Metric, epoch.ValidationLoss!.Value);
        }
        Assert.AreEqual(replay.GetState(), result.SchedulerState);
        var rates = result.History.Epochs.Select(e => result.History.Steps.First(s => s.Epoch == e.Epoch).LearningRate).ToArray();
        TestContext.WriteLine($"epoch rates {string.Join(", ", rates)}; validation losses {string.Join(", ", result.History.Epochs.Select(e => e.ValidationLoss!.Value.ToString("F4")))}");
        Assert.IsLessThan(settings.LearningRate, result.SchedulerState.Reactive!.LearningRate, "the plateau lowered the rate");
    }

    [TestMethod]
    [DataRow(OptimizerKind.Sgd, 1e-3)]
    [DataRow(OptimizerKind.Adam, 1e-6)]
    public void Hypergradient_AdaptsTheRateFromGradientDots(OptimizerKind kind, double beta)
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), new HypergradientSchedule(beta, maxLr: 1),
            new OptimizerSettings(kind, Momentum: 0), learningRate: kind == OptimizerKind.Sgd ? 0.1 : 1e-3, epochs: 3, batchSize: 64);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);

        var rates = result.History.Steps.Select(s => s.LearningRate).ToArray();
        TestContext.WriteLine($"{kind}: rate {rates[0]} → {rates[rates.Length / 2]} → {rates[^1]}; accuracy {result.History.Epochs[^1].ValidationMetric:F4}");
        Assert.AreEqual(settings.LearningRate, rates[0], 0.0, "nothing is reported before the first step");
        Assert.AreNotEqual(rates[0], rates[1], "the first gradient dot moves the rate of step 1");
        Assert.AreEqual(rates[^1], result.History.Steps[^1].LearningRate);
        Assert.IsTrue(rates.All(double.IsFinite));
        Assert.IsGreaterThan(0.85, result.History.Epochs[^1].ValidationMetric!.Value);
    }
}
