using static MLNet.LrSchedules.Trainers.Tests.Engine.EngineTestKit;

namespace MLNet.LrSchedules.Trainers.Tests.Engine;

/// <summary>Each task learns a real data set (held-out 20%).</summary>
[TestClass]
public sealed class TrainingEngineLearningTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Digits_Multiclass_HeldOutAccuracyAbove95Percent()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(dropout: 0.1, hidden: 64), new TestLinearDecay(),
            new OptimizerSettings(OptimizerKind.AdamW, WeightDecay: 1e-4), learningRate: 3e-3, epochs: 12, batchSize: 32);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);

        double accuracy = Accuracy(Score(result, settings.Task, data.TestFeatures, data.TestRows), data.TestLabels, 10);
        TestContext.WriteLine($"digits held-out accuracy {accuracy:F4}, validation metric {result.History.Epochs[^1].ValidationMetric:F4}");
        Assert.IsGreaterThan(0.95, accuracy);
        Assert.AreEqual(accuracy, result.History.Epochs[^1].ValidationMetric!.Value, 1e-9, "the engine's validation accuracy is the scorer's");
    }

    [TestMethod]
    public void BreastCancer_Binary_HeldOutAccuracyAbove95Percent()
    {
        var data = EngineData.Load("breast_cancer");
        var settings = Settings(TrainingTask.BinaryClassification, NetworkSpec.Mlp([16], Activation.Tanh, 0).Resolve(30, 1), new TestLinearDecay(),
            new OptimizerSettings(OptimizerKind.Adam), learningRate: 3e-3, epochs: 20, batchSize: 32);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);

        var logits = Score(result, settings.Task, data.TestFeatures, data.TestRows);
        double accuracy = logits.Zip(data.TestLabels).Count(p => (NetworkScorer.Sigmoid(p.First) > 0.5f) == (p.Second > 0.5f)) / (double)data.TestRows;
        TestContext.WriteLine($"breast cancer held-out accuracy {accuracy:F4}");
        Assert.IsGreaterThan(0.95, accuracy);
        Assert.AreEqual(accuracy, result.History.Epochs[^1].ValidationMetric!.Value, 1e-9);
    }

    [TestMethod]
    public void Diabetes_Regression_HeldOutRSquaredAbove033()
    {
        var data = EngineData.Load("diabetes", standardizeLabel: true);
        var settings = Settings(TrainingTask.Regression, NetworkSpec.Mlp([16], Activation.Tanh, 0).Resolve(10, 1), new TestLinearDecay(),
            new OptimizerSettings(OptimizerKind.Adam), learningRate: 3e-3, epochs: 40, batchSize: 32);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);

        var predictions = Score(result, settings.Task, data.TestFeatures, data.TestRows);
        double mean = data.TestLabels.Average(v => (double)v);
        double residual = predictions.Zip(data.TestLabels).Sum(p => Math.Pow(p.First - p.Second, 2));
        double total = data.TestLabels.Sum(v => Math.Pow(v - mean, 2));
        double rSquared = 1 - residual / total;
        double rmse = Math.Sqrt(residual / data.TestRows);
        TestContext.WriteLine($"diabetes held-out R² {rSquared:F4}, RMSE (standardized) {rmse:F4}");
        // Measured 0.385 on this split (SGD and AdamW variants: 0.36-0.40); diabetes is a noisy target.
        Assert.IsGreaterThan(0.33, rSquared);
        Assert.AreEqual(rmse, result.History.Epochs[^1].ValidationMetric!.Value, 1e-5, "the validation metric is the RMSE");
    }

    [TestMethod]
    [DataRow(OptimizerKind.Sgd)]
    [DataRow(OptimizerKind.Adam)]
    [DataRow(OptimizerKind.AdamW)]
    [DataRow(OptimizerKind.RmsProp)]
    [DataRow(OptimizerKind.Adagrad)]
    public void EveryOptimizer_LowersTheLoss(OptimizerKind kind)
    {
        var data = EngineData.Load("digits");
        double rate = kind == OptimizerKind.Sgd || kind == OptimizerKind.Adagrad ? 5e-2 : 3e-3;
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), new TestConstant(), new OptimizerSettings(kind), learningRate: rate, epochs: 2);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);

        var steps = result.History.Steps;
        double first = steps.Take(3).Average(s => s.Loss), last = steps.TakeLast(3).Average(s => s.Loss);
        TestContext.WriteLine($"{kind}: loss {first:F4} → {last:F4}");
        Assert.IsLessThan(first * 0.5, last);
    }
}
