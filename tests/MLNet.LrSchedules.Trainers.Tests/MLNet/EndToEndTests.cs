using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

[TestClass]
public sealed class EndToEndTests
{
    private static TorchMlpMulticlassOptions DigitsOptions() => new()
    {
        Epochs = 6,
        BatchSize = 32,
        LearningRate = 3e-3,
        HiddenLayers = [64],
        Schedule = LrSchedule.OneCycle(maxLr: 1e-2),
        Seed = 1,
    };

    [TestMethod]
    public void Multiclass_Digits_FitEvaluateSaveLoad()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.TorchMlp(DigitsOptions()))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedValue", "PredictedLabel"));
        var model = pipeline.Fit(train);
        var scored = model.Transform(test);

        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.IsGreaterThan(0.93, metrics.MicroAccuracy, $"micro accuracy {metrics.MicroAccuracy}");

        // PredictedLabel carries the label's key values: MapKeyToValue gives back the original digit.
        var predictedValues = scored.GetColumn<float>("PredictedValue").ToArray();
        var labels = test.GetColumn<float>("Label").ToArray();
        Assert.IsGreaterThan(0.93, predictedValues.Zip(labels).Count(p => p.First == p.Second) / (double)labels.Length);
        // Score has one slot per class, named after the classes.
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        scored.Schema["Score"].GetSlotNames(ref slotNames);
        var slots = slotNames.DenseValues().Select(s => s.ToString()).ToArray();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray(), slots);

        var mlp = ((IEnumerable<ITransformer>)model).OfType<TorchNetworkTransformer>().Single();
        Assert.AreEqual(TrainingTask.MulticlassClassification, mlp.Model.Task);
        Assert.AreEqual(6, mlp.Model.EpochsCompleted);
        Assert.HasCount(6, mlp.Model.History.Epochs);
        Assert.AreEqual(mlp.Model.StepsCompleted, mlp.Model.History.Steps.Count);
        CollectionAssert.AreEqual(slots, mlp.Model.ClassNames!.ToArray(), "slot names are the classes in key order");

        string path = TestData.TempPath("digits.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, train.Schema, path);

        var fresh = new MLContext(seed: 99);
        var loaded = fresh.Model.Load(path, out var inputSchema);
        Assert.AreEqual(train.Schema.Count, inputSchema.Count);
        var freshTest = TestData.Split(fresh, TestData.Load(fresh, "digits")).Test;
        var reloaded = loaded.Transform(freshTest);
        CollectionAssert.AreEqual(Flatten(TestData.Scores(scored)), Flatten(TestData.Scores(reloaded)), "identical scores after loading");
        var reloadedMetrics = fresh.MulticlassClassification.Evaluate(reloaded);
        Assert.AreEqual(metrics.MicroAccuracy, reloadedMetrics.MicroAccuracy);

        var info = TorchModelInfo.Read(path);
        Assert.AreEqual(2, info.FormatVersion);
        Assert.AreEqual(TrainingTask.MulticlassClassification, info.Task);
        Assert.AreEqual(64, info.Network.InputSize);
        Assert.AreEqual(10, info.Network.OutputSize);
        Assert.AreEqual(mlp.Model.StepsCompleted, info.SchedulerState.Step);
        Assert.AreEqual(mlp.Model.History.Steps.Count, info.History.Steps.Count);
        Assert.AreEqual(OptimizerKind.AdamW, info.Optimizer.Kind);
        Assert.IsGreaterThan(0L, info.OptimizerStateBytes);
        // The saved schedule is the one the run used, resolved to its step count, and the history follows it step by step.
        Assert.IsInstanceOfType<OneCycleSchedule>(info.Schedule);
        Assert.IsTrue(info.Schedule.IsResolved);
        Assert.AreEqual(((OneCycleSchedule)mlp.Model.Schedule).TotalSteps, ((OneCycleSchedule)info.Schedule).TotalSteps);
        Assert.AreEqual(Duration.Steps(mlp.Model.StepsCompleted), ((OneCycleSchedule)info.Schedule).TotalSteps);
        foreach (var step in info.History.Steps)
            Assert.AreEqual(info.Schedule.GetLearningRate(step.Step, info.Settings.LearningRate), step.LearningRate, 1e-15);
        Assert.IsNotNull(info.History.Steps[0].Momentum, "OneCycle cycles AdamW's beta1");
        Assert.IsFalse(string.IsNullOrEmpty(info.LibraryVersion));
        CollectionAssert.IsSubsetOf(
            new[] { "TorchMlp.manifest.json", "TorchMlp.network.json", "TorchMlp.weights.bin", "TorchMlp.schedule.json", "TorchMlp.scheduler_state.json",
                    "TorchMlp.optimizer.json", "TorchMlp.optimizer_state.bin", "TorchMlp.history.json", "TorchMlp.training.json" },
            info.EntryNames.ToArray());
        StringAssert.StartsWith(info.Directory, "TransformerChain/");
        File.Delete(path);
    }

    [TestMethod]
    public void Binary_BreastCancer_FitEvaluateSaveLoad()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "breast_cancer", DataKind.Boolean));
        var pipeline = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.BinaryClassification.Trainers.TorchMlp(new TorchMlpBinaryOptions { Epochs = 20, LearningRate = 5e-3, HiddenLayers = [16], BatchSize = 32, WeightDecay = 0, Seed = 3 }));
        var model = pipeline.Fit(train);
        var scored = model.Transform(test);

        var metrics = ml.BinaryClassification.Evaluate(scored);
        Assert.IsGreaterThan(0.93, metrics.Accuracy, $"accuracy {metrics.Accuracy}");
        Assert.IsGreaterThan(0.95, metrics.AreaUnderRocCurve, $"AUC {metrics.AreaUnderRocCurve}");
        var probabilities = scored.GetColumn<float>("Probability").ToArray();
        var logits = scored.GetColumn<float>("Score").ToArray();
        var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.AreEqual(1 / (1 + Math.Exp(-logits[i])), probabilities[i], 1e-6);
            Assert.AreEqual(logits[i] > 0, predicted[i]);
        }

        string path = TestData.TempPath("breast_cancer.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, train.Schema, path);
        var fresh = new MLContext();
        var reloaded = fresh.Model.Load(path, out _).Transform(TestData.Split(fresh, TestData.Load(fresh, "breast_cancer", DataKind.Boolean)).Test);
        CollectionAssert.AreEqual(logits, reloaded.GetColumn<float>("Score").ToArray());
        Assert.AreEqual(TrainingTask.BinaryClassification, TorchModelInfo.Read(path).Task);
        File.Delete(path);
    }

    [TestMethod]
    public void Regression_Diabetes_FitEvaluateSaveLoad_AndPredictionEngine()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "diabetes"));
        var pipeline = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.Transforms.NormalizeMeanVariance("Label"))
            .Append(ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 20, LearningRate = 3e-3, HiddenLayers = [32], Seed = 5 }));
        var model = pipeline.Fit(train);
        var scored = model.Transform(test);
        var metrics = ml.Regression.Evaluate(scored);
        Assert.IsGreaterThan(0.35, metrics.RSquared, $"R² {metrics.RSquared}");

        // PredictionEngine goes through GetRowToRowMapper.
        var row = ml.Data.CreateEnumerable<DiabetesRow>(test, reuseRowObject: false).First();
        var engine = ml.Model.CreatePredictionEngine<DiabetesRow, RegressionPrediction>(model);
        var prediction = engine.Predict(row);
        Assert.AreEqual(scored.GetColumn<float>("Score").First(), prediction.Score, 1e-6f);

        string path = TestData.TempPath("diabetes.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, train.Schema, path);
        var fresh = new MLContext();
        var loaded = fresh.Model.Load(path, out _);
        var freshEngine = fresh.Model.CreatePredictionEngine<DiabetesRow, RegressionPrediction>(loaded);
        Assert.AreEqual(prediction.Score, freshEngine.Predict(row).Score);
        Assert.AreEqual(TrainingTask.Regression, TorchModelInfo.Read(path).Task);
        File.Delete(path);
    }

    [TestMethod]
    public void TwoMlpsInOnePipeline_AreReadByReadAll()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.Cache(TestData.Load(ml, "diabetes"));
        var pipeline = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 1, HiddenLayers = [4], Seed = 1 })
            .Append(ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 2, HiddenLayers = [8], Seed = 2, Device = ComputeDevice.Auto }));
        var model = pipeline.Fit(data);
        string path = TestData.TempPath("two.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, data.Schema, path);

        var all = TorchModelInfo.ReadAll(path);
        CollectionAssert.AreEqual(new[] { 1, 2 }, all.Select(i => i.EpochsCompleted).ToArray());
        CollectionAssert.AreEqual(new[] { 4, 8 }, all.Select(i => ((LinearLayer)i.Network.Layers[0]).OutFeatures).ToArray());
        var e = Assert.ThrowsExactly<TorchModelFormatException>(() => TorchModelInfo.Read(path));
        Assert.Contains("holds 2 TorchSharp MLPs", e.Message);

        var reloaded = new MLContext().Model.Load(path, out _).Transform(data);
        CollectionAssert.AreEqual(model.Transform(data).GetColumn<float>("Score").ToArray(), reloaded.GetColumn<float>("Score").ToArray());
        File.Delete(path);
    }

    private static float[] Flatten(float[][] rows) => rows.SelectMany(r => r).ToArray();

    private sealed class DiabetesRow
    {
        [VectorType(10)] public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private sealed class RegressionPrediction
    {
        public float Score { get; set; }
    }
}
