using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

/// <summary>The TorchNetwork trainers: any spec in an ML.NET pipeline, for the three tasks, saved, loaded and resumed.</summary>
[TestClass]
public sealed class TorchNetworkTrainerTests
{
    public TestContext TestContext { get; set; } = null!;

    private const string DigitsCnn = "reshape(1, 8, 8) >> conv2d(8, kernel=3, padding=1) >> batchnorm2d >> relu >> maxpool2d(2) >> flatten >> linear(32) >> relu >> dropout(0.2)";

    private static (IDataView Train, IDataView Test) NormalizedDigits(MLContext ml)
    {
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var prep = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features")).Fit(train);
        return (ml.Data.Cache(prep.Transform(train)), ml.Data.Cache(prep.Transform(test)));
    }

    private static TorchNetworkMulticlassOptions CnnOptions() => new()
    {
        Network = NetworkSpec.Parse(DigitsCnn),
        Schedule = LrSchedule.OneCycle(maxLr: 1e-2),
        Epochs = 3,
        BatchSize = 64,
        Seed = 2,
    };

    [TestMethod]
    public void Cnn_InAPipeline_FitsSavesLoadsAndScoresTheSame()
    {
        var ml = new MLContext(1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.TorchNetwork(CnnOptions()));
        var model = pipeline.Fit(train);
        var scored = model.Transform(test);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        TestContext.WriteLine($"digits, CNN: micro accuracy {metrics.MicroAccuracy:F4}");
        Assert.IsGreaterThan(0.9, metrics.MicroAccuracy, $"micro accuracy {metrics.MicroAccuracy}");

        var network = model.LastTransformer.Model.Network;
        Assert.AreEqual(NetworkSpec.Parse(DigitsCnn).Resolve(64, 10), network);
        string path = TestData.TempPath("cnn.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, train.Schema, path);

        var info = TorchModelInfo.Read(path);
        Assert.AreEqual(network, info.Network);
        Assert.AreEqual("input(64) >> " + DigitsCnn.Replace("kernel=", "kernel_size=") + " >> linear(10)", info.Network.ToString());
        var loaded = new MLContext().Model.Load(path, out _);
        CollectionAssert.AreEqual(TestData.Scores(scored).SelectMany(s => s).ToArray(), TestData.Scores(loaded.Transform(test)).SelectMany(s => s).ToArray());
        File.Delete(path);
    }

    [TestMethod]
    public void BinaryAndRegression_TakeASpec_AndTheirHeadsFitTheTask()
    {
        var ml = new MLContext(1);
        var cancer = TestData.Split(ml, TestData.Load(ml, "breast_cancer", DataKind.Boolean));
        var binary = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.BinaryClassification.Trainers.TorchNetwork(NetworkSpec.Parse("linear(16) >> layernorm >> tanh"), schedule: LrSchedule.OneCycle(maxLr: 1e-2), epochs: 10))
            .Fit(cancer.Train);
        var binaryMetrics = ml.BinaryClassification.Evaluate(binary.Transform(cancer.Test));
        TestContext.WriteLine($"breast cancer accuracy {binaryMetrics.Accuracy:F4}");
        Assert.IsGreaterThan(0.93, binaryMetrics.Accuracy, $"accuracy {binaryMetrics.Accuracy}");
        Assert.AreEqual("input(30) >> linear(16) >> layernorm >> tanh >> linear(1)", binary.LastTransformer.Model.Network.ToString());

        var diabetes = TestData.Split(ml, TestData.Load(ml, "diabetes"));
        var regression = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.Transforms.NormalizeMeanVariance("Label"))
            .Append(ml.Regression.Trainers.TorchNetwork(new TorchNetworkRegressionOptions
            {
                Network = NetworkSpec.Parse("reshape(1, 10) >> conv1d(4, kernel=3, padding=1) >> relu >> flatten >> linear(16) >> tanh"),
                Schedule = LrSchedule.OneCycle(maxLr: 1e-2), Epochs = 20, Seed = 1,
            }))
            .Fit(diabetes.Train);
        var regressionMetrics = ml.Regression.Evaluate(regression.Transform(diabetes.Test));
        TestContext.WriteLine($"diabetes R² {regressionMetrics.RSquared:F4}");
        Assert.IsGreaterThan(0.2, regressionMetrics.RSquared, $"R² {regressionMetrics.RSquared}");
    }

    [TestMethod]
    public void ShapeErrors_ComeBeforeAnyRowIsRead_AndNameTheLayer()
    {
        var ml = new MLContext(1);
        var (train, _) = NormalizedDigits(ml);
        var options = CnnOptions();
        options.Network = NetworkSpec.Parse("reshape(1, 28, 28) >> conv2d(8, kernel=3) >> flatten");
        var error = Assert.ThrowsExactly<NetworkShapeException>(() => ml.MulticlassClassification.Trainers.TorchNetwork(options).Fit(train));
        Assert.AreEqual("Layer 0 'reshape(1, 28, 28)' of the network receives a flat vector of 64 features but needs 784 values per example (1×28×28).", error.Message);

        var resolved = new TorchNetworkMulticlassOptions { Network = NetworkSpec.Mlp([8]).Resolve(64, 10) };
        var body = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.TorchNetwork(resolved));
        StringAssert.StartsWith(body.Message, "Option 'Network' must be a network's body, without input size and head; received the resolved spec 'input(64) >> linear(8) >> relu >> linear(10)'.");
        var missing = Assert.ThrowsExactly<ArgumentNullException>(() => ml.MulticlassClassification.Trainers.TorchNetwork(new TorchNetworkMulticlassOptions { Network = null! }));
        StringAssert.StartsWith(missing.Message, "Option 'Network' must be set to a network spec");
    }

    [TestMethod]
    public void MlpOptions_AndTheEquivalentSpec_TrainTheSameNetwork()
    {
        var ml = new MLContext(1);
        var (train, _) = NormalizedDigits(ml);
        var mlp = ml.MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions { HiddenLayers = [16], Dropout = 0.1, Epochs = 2, Seed = 4 }).Fit(train);
        var spec = ml.MulticlassClassification.Trainers.TorchNetwork(new TorchNetworkMulticlassOptions { Network = NetworkSpec.Parse("mlp(16, dropout=0.1)"), Epochs = 2, Seed = 4 }).Fit(train);
        Assert.AreEqual(mlp.Model.Network, spec.Model.Network);
        CollectionAssert.AreEqual(mlp.Model.Result.Weights, spec.Model.Result.Weights);
    }

    [TestMethod]
    public void RangeTest_TakesAnySpec()
    {
        var ml = new MLContext(1);
        var (train, _) = NormalizedDigits(ml);
        var range = ml.MulticlassClassification.Trainers.FindLearningRate(train, CnnOptions(), new LrRangeTestOptions { Steps = 40, StartLearningRate = 1e-4, EndLearningRate = 1 });
        Assert.IsGreaterThanOrEqualTo(3, range.LearningRates.Count);
        Assert.IsTrue(range.SuggestedLearningRate > 1e-4 && range.SuggestedLearningRate < 1, $"suggested {range.SuggestedLearningRate}");
    }
}
