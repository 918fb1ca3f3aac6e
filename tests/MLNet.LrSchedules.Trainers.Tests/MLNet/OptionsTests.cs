using Microsoft.ML;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

[TestClass]
public sealed class OptionsTests
{
    private static ArgumentException Rejects(Action<TorchMlpRegressionOptions> change)
    {
        var options = new TorchMlpRegressionOptions();
        change(options);
        return Assert.Throws<ArgumentException>(() => new MLContext().Regression.Trainers.TorchMlp(options));
    }

    [TestMethod]
    public void Defaults_AreDocumentedValues()
    {
        var o = new TorchMlpMulticlassOptions();
        Assert.AreEqual("Label", o.LabelColumnName);
        Assert.AreEqual("Features", o.FeatureColumnName);
        Assert.IsNull(o.ExampleWeightColumnName);
        Assert.IsNull(o.Schedule);
        // Chosen by the defaults grid (docs/BENCHMARKS.md, "Defaults grid").
        Assert.AreEqual(3e-3, o.LearningRate);
        Assert.AreEqual(10, o.Epochs);
        Assert.AreEqual(64, o.BatchSize);
        Assert.AreEqual(1e-4, o.WeightDecay);
        CollectionAssert.AreEqual(new[] { 128 }, o.HiddenLayers.ToArray());
        Assert.AreEqual(NetworkSpec.Mlp([128]), new TorchNetworkMulticlassOptions().Network);
        Assert.AreEqual(Activation.Relu, o.Activation);
        Assert.AreEqual(OptimizerKind.AdamW, o.Optimizer);
        Assert.AreEqual((0.9, 0.999), o.Betas);
        Assert.AreEqual(ScheduleStepUnit.Step, o.StepScheduleEvery);
        Assert.AreEqual(ComputeDevice.Cpu, o.Device);
        Assert.IsTrue(o.RestoreBestWeights);
        Assert.IsFalse(o.ReplaceHead);
        Assert.AreEqual(CancellationToken.None, o.CancellationToken);
        Assert.IsTrue(new TorchMlpRegressionOptions().StandardizeLabel);
        Assert.IsTrue(new TorchNetworkRegressionOptions().StandardizeLabel);
    }

    [TestMethod]
    public void Trainer_CopiesItsOptions_LaterChangesToTheCallersObjectDoNotReachIt()
    {
        var ml = new MLContext(1);
        var data = ml.Data.Cache(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false).Fit(TestData.Load(ml, "diabetes")).Transform(TestData.Load(ml, "diabetes")));
        var hidden = new List<int> { 8 };
        var options = new TorchMlpRegressionOptions { Epochs = 2, HiddenLayers = hidden, LearningRate = 1e-3, Schedule = LrSchedule.Parse("cosine()"), Seed = 1 };
        var trainer = ml.Regression.Trainers.TorchMlp(options);

        // After the trainer exists: every setting changed, the list it was given too.
        hidden.Add(4);
        hidden[0] = 32;
        options.Epochs = 5;
        options.LearningRate = 0.5;
        options.Schedule = null;
        options.BatchSize = 7;
        options.Optimizer = OptimizerKind.Sgd;
        options.StandardizeLabel = false;
        options.Epsilon = -1; // invalid: no longer this trainer's business

        var model = trainer.Fit(data).Model;
        Assert.AreEqual("input(10) >> linear(8) >> relu >> linear(1)", model.Network.ToString());
        Assert.AreEqual(2, model.Settings.Epochs);
        Assert.AreEqual(1e-3, model.Settings.LearningRate);
        Assert.AreEqual(64, model.Settings.BatchSize);
        Assert.AreEqual(OptimizerKind.AdamW, model.Optimizer.Kind);
        Assert.IsInstanceOfType<CosineAnnealingSchedule>(model.Schedule);
        Assert.IsNotNull(model.LabelStandardization);
    }

    [TestMethod]
    public void OneCycle_IgnoresLearningRate_ItsMaxLrIsAbsolute_AsInPyTorch()
    {
        // Documented on LearningRate: one-cycle's max_lr is the peak itself (PyTorch's OneCycleLR), whatever the base rate.
        var ml = new MLContext(1);
        var data = ml.Data.Cache(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false).Fit(TestData.Load(ml, "diabetes")).Transform(TestData.Load(ml, "diabetes")));
        TorchNetworkModel Run(double learningRate, string schedule) => ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions
        {
            Epochs = 1, BatchSize = 64, HiddenLayers = [8], Seed = 1, LearningRate = learningRate, Schedule = LrSchedule.Parse(schedule),
        }).Fit(data).Model;

        var low = Run(1e-4, "one_cycle(max_lr=0.01)");
        var high = Run(0.5, "one_cycle(max_lr=0.01)");
        CollectionAssert.AreEqual(low.History.Steps.Select(s => s.LearningRate).ToArray(), high.History.Steps.Select(s => s.LearningRate).ToArray());
        double peak = low.History.Steps.Max(s => s.LearningRate);
        Assert.IsTrue(peak > 0.009 && peak <= 0.01, $"the peak follows max_lr (0.01), not the base rate: {peak}");
        CollectionAssert.AreEqual(low.Result.Weights, high.Result.Weights);

        // A relative schedule scales it.
        var cosineLow = Run(1e-4, "cosine()");
        var cosineHigh = Run(1e-2, "cosine()");
        Assert.AreEqual(1e-4, cosineLow.History.Steps[0].LearningRate);
        Assert.AreEqual(1e-2, cosineHigh.History.Steps[0].LearningRate);
    }

    [TestMethod]
    [DataRow("BatchSize", "Option 'BatchSize' must be an integer >= 1; received 0.")]
    [DataRow("Epochs", "Option 'Epochs' must be an integer >= 1; received 0.")]
    [DataRow("LearningRate", "Option 'LearningRate' must be a finite number > 0; received NaN.")]
    [DataRow("Dropout", "Option 'Dropout' must be in [0, 1); received 1.")]
    [DataRow("HiddenLayers", "Option 'HiddenLayers[1]' must be an integer >= 1; received 0.")]
    [DataRow("Momentum", "Option 'Momentum' must be in [0, 1); received -0.5.")]
    [DataRow("WeightDecay", "Option 'WeightDecay' must be a finite number >= 0; received -1.")]
    [DataRow("Betas", "Option 'Betas.Beta2' must be in [0, 1); received 1.")]
    [DataRow("Epsilon", "Option 'Epsilon' must be a finite number > 0; received 0.")]
    [DataRow("GradientClipNorm", "Option 'GradientClipNorm' must be null or a finite number > 0; received -1.")]
    public void OutOfRange_NamesOptionValueAndRange(string option, string message)
    {
        var e = Rejects(o =>
        {
            switch (option)
            {
                case "BatchSize": o.BatchSize = 0; break;
                case "Epochs": o.Epochs = 0; break;
                case "LearningRate": o.LearningRate = double.NaN; break;
                case "Dropout": o.Dropout = 1; break;
                case "HiddenLayers": o.HiddenLayers = [8, 0]; break;
                case "Momentum": o.Momentum = -0.5; break;
                case "WeightDecay": o.WeightDecay = -1; break;
                case "Betas": o.Betas = (0.9, 1); break;
                case "Epsilon": o.Epsilon = 0; break;
                case "GradientClipNorm": o.GradientClipNorm = -1; break;
            }
        });
        Assert.IsInstanceOfType<ArgumentOutOfRangeException>(e);
        Assert.StartsWith(message, e.Message);
    }

    [TestMethod]
    public void EarlyStopping_NeedsValidationSet()
    {
        var e = Rejects(o => o.EarlyStoppingPatience = 3);
        Assert.StartsWith("Option 'EarlyStoppingPatience' (3) needs a ValidationSet", e.Message);
    }

    [TestMethod]
    public void Checkpoints_NeedAPath()
    {
        var e = Rejects(o => o.CheckpointEveryEpochs = 2);
        Assert.StartsWith("Option 'CheckpointEveryEpochs' (2) needs a CheckpointPath", e.Message);
    }

    [TestMethod]
    public void BlankColumnName_IsRejected()
    {
        var e = Rejects(o => o.FeatureColumnName = " ");
        Assert.StartsWith("Option 'FeatureColumnName' must name a column; received ' '.", e.Message);
    }

    [TestMethod]
    public void SimpleOverload_FillsTheOptions()
    {
        var trainer = new MLContext().BinaryClassification.Trainers.TorchMlp(labelColumnName: "IsSpam", epochs: 3);
        Assert.AreEqual(TrainingTask.BinaryClassification, trainer.Task);
        var e = Assert.Throws<ArgumentException>(() => new MLContext().BinaryClassification.Trainers.TorchMlp(learningRate: -1));
        Assert.StartsWith("Option 'LearningRate' must be a finite number > 0; received -1.", e.Message);
    }
}
