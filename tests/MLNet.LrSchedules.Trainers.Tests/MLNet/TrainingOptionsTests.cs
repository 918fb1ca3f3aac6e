using Microsoft.Extensions.Logging;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.MLNetInternals;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

/// <summary>Options that change how the ML.NET side trains: validation and early stopping, weights, schema checks, logging.</summary>
[TestClass]
public sealed class TrainingOptionsTests
{
    private static (IDataView Train, IDataView Test) Cancer(MLContext ml)
    {
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "breast_cancer", DataKind.Boolean));
        var normalize = ml.Transforms.NormalizeMeanVariance("Features", fixZero: false).Fit(train);
        return (ml.Data.Cache(normalize.Transform(train)), ml.Data.Cache(normalize.Transform(test)));
    }

    [TestMethod]
    public void ValidationSet_FillsTheHistory_AndEarlyStoppingStops()
    {
        var ml = new MLContext(1);
        var (train, test) = Cancer(ml);
        var logger = new ListLogger();
        var options = new TorchMlpBinaryOptions
        {
            Epochs = 200,
            LearningRate = 3e-2,
            HiddenLayers = [64],
            ValidationSet = test,
            EarlyStoppingPatience = 3,
            RestoreBestWeights = true,
            Logger = logger,
            Seed = 1,
        };
        var model = ml.BinaryClassification.Trainers.TorchMlp(options).Fit(train);
        Assert.AreEqual(TrainingStopReason.EarlyStopped, model.Model.StopReason);
        Assert.IsLessThan(200, model.Model.EpochsCompleted);
        Assert.IsTrue(model.Model.History.Epochs.All(e => e.ValidationLoss is not null && e.ValidationMetric is not null));
        Assert.IsNotEmpty(logger.Lines);
        Assert.IsTrue(logger.Lines.Any(l => l.Contains("validation")), string.Join("\n", logger.Lines));

        // The restored best epoch's weights are what the model scores with, and what a reload gives back.
        string path = TestData.TempPath("early.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, train.Schema, path);
        var info = TorchModelInfo.Read(path);
        Assert.AreEqual(TrainingStopReason.EarlyStopped, info.StopReason);
        var reloaded = new MLContext().Model.Load(path, out _);
        CollectionAssert.AreEqual(model.Transform(test).GetColumn<float>("Score").ToArray(), reloaded.Transform(test).GetColumn<float>("Score").ToArray());
        File.Delete(path);
    }

    private sealed class WeightedRow
    {
        [VectorType(2)] public float[] Features { get; set; } = [];
        public float Label { get; set; }
        public float Weight { get; set; }
    }

    [TestMethod]
    public void ExampleWeights_AreUsed_AndNegativeWeightsRejected()
    {
        var ml = new MLContext(1);
        // Two contradicting groups with the same features: the weights decide which one the model fits.
        var rows = Enumerable.Range(0, 64).Select(i => new WeightedRow { Features = [1, 0], Label = i % 2 == 0 ? 10 : -10, Weight = i % 2 == 0 ? 1 : 0.01f }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = new TorchMlpRegressionOptions { ExampleWeightColumnName = "Weight", Epochs = 60, LearningRate = 5e-2, HiddenLayers = [], BatchSize = 16, Seed = 1 };
        var model = ml.Regression.Trainers.TorchMlp(options).Fit(data);
        float prediction = model.Transform(data).GetColumn<float>("Score").First();
        Assert.IsGreaterThan(8f, prediction, $"weighted mean is 9.8; got {prediction}");

        rows[5].Weight = -1;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Regression.Trainers.TorchMlp(options).Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.AreEqual("Column 'Weight' of the training data holds -1 at row 5: example weights must be finite and >= 0.", e.Message);
    }

    [TestMethod]
    public void EstimatorOutputSchema_AddsThePredictionColumns_AndChecksTheLabel()
    {
        var ml = new MLContext(1);
        var raw = TestData.Load(ml, "digits");
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw);
        var shape = ml.MulticlassClassification.Trainers.TorchMlp().GetOutputSchema(MLNetHost.ShapeOf(keyed.Schema));
        var score = shape.Single(c => c.Name == "Score");
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, score.Kind);
        var predicted = shape.Single(c => c.Name == "PredictedLabel");
        Assert.IsTrue(predicted.IsKey);

        var binary = ml.BinaryClassification.Trainers.TorchMlp().GetOutputSchema(MLNetHost.ShapeOf(TestData.Load(ml, "breast_cancer", DataKind.Boolean).Schema));
        CollectionAssert.IsSubsetOf(new[] { "Score", "Probability", "PredictedLabel" }, binary.Select(c => c.Name).ToArray());

        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.TorchMlp().GetOutputSchema(MLNetHost.ShapeOf(raw.Schema)));
        Assert.Contains("Column 'Label' must be a key type (map it with mlContext.Transforms.Conversion.MapValueToKey(\"Label\"))", e.Message);
    }

    [TestMethod]
    public void ScoringTwice_HidesTheEarlierScoreColumns()
    {
        var ml = new MLContext(1);
        var (train, test) = Cancer(ml);
        var model = ml.BinaryClassification.Trainers.TorchMlp(new TorchMlpBinaryOptions { Epochs = 2, Seed = 1 }).Fit(train);
        var once = model.Transform(test);
        var twice = model.Transform(once);
        Assert.AreEqual(once.Schema.Count + 3, twice.Schema.Count);
        Assert.AreEqual(once.Schema.Count(c => c.IsHidden) + 3, twice.Schema.Count(c => c.IsHidden));
        CollectionAssert.AreEqual(once.GetColumn<float>("Score").ToArray(), twice.GetColumn<float>("Score").ToArray());
        Assert.AreEqual(ml.BinaryClassification.Evaluate(once).Accuracy, ml.BinaryClassification.Evaluate(twice).Accuracy);
    }

    [TestMethod]
    public void StepScheduleEveryEpoch_AdvancesTheScheduleOncePerEpoch()
    {
        var ml = new MLContext(1);
        var (train, _) = Cancer(ml);
        var options = new TorchMlpBinaryOptions { Epochs = 3, LearningRate = 0.1, Schedule = LrSchedule.Step(stepSize: 1, gamma: 0.5), StepScheduleEvery = ScheduleStepUnit.Epoch, Seed = 1 };
        var model = ml.BinaryClassification.Trainers.TorchMlp(options).Fit(train);
        var rates = model.Model.History.Steps.GroupBy(s => s.Epoch).Select(g => g.Select(s => s.LearningRate).Distinct().Single()).ToArray();
        CollectionAssert.AreEqual(new[] { 0.1, 0.05, 0.025 }, rates);
        Assert.AreEqual(3, model.Model.SchedulerState.Step);
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
