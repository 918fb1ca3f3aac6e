using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Tests.MLNet;

namespace MLNet.LrSchedules.Trainers.Tests.Onnx;

/// <summary>
/// Whole pipelines (label key mapping, normalizer, the network, key-to-value) written by ML.NET's ConvertToOnnx
/// (Microsoft.ML.OnnxConverter), scored by ONNX Runtime directly and through ApplyOnnxModel, compared with ML.NET's own
/// scores on every test row.
/// </summary>
[TestClass]
public sealed class OnnxExportTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Multiclass_Digits_GeluDropout_MatchesMLNet()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions
            {
                Epochs = 3, HiddenLayers = [32], Activation = Activation.Gelu, Dropout = 0.2, LearningRate = 3e-3, Seed = 1,
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedValue", "PredictedLabel"))
            .Fit(train);

        var parity = OnnxScoring.CheckParity(TestContext, ml, model, train, test, ["Score", "PredictedLabel", "PredictedValue"]);
        // The key of the most probable class, and the digit behind it, are exactly those ML.NET predicts.
        Assert.AreEqual(0, parity["PredictedLabel"].MaxAbsolute);
        Assert.AreEqual(0, parity["PredictedValue"].MaxAbsolute);
    }

    [TestMethod]
    public void Binary_BreastCancer_Tanh_MatchesMLNet()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "breast_cancer", DataKind.Boolean));
        var model = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.BinaryClassification.Trainers.TorchMlp(new TorchMlpBinaryOptions
            {
                Epochs = 5, HiddenLayers = [16], Activation = Activation.Tanh, LearningRate = 5e-3, BatchSize = 32, WeightDecay = 0, Seed = 3,
            }))
            .Fit(train);

        var parity = OnnxScoring.CheckParity(TestContext, ml, model, train, test, ["Score", "Probability", "PredictedLabel"]);
        Assert.AreEqual(0, parity["PredictedLabel"].MaxAbsolute);
    }

    [TestMethod]
    public void Regression_Diabetes_TwoReluLayers_MatchesMLNet()
    {
        // The raw target (25 to 346): the network learns the standardized label, and Score = mean + std·output in the graph too.
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "diabetes"));
        var model = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions
            {
                Epochs = 5, HiddenLayers = [16, 8], Activation = Activation.Relu, LearningRate = 1e-2, Seed = 5,
            }))
            .Fit(train);
        Assert.IsNotNull(model.LastTransformer.Model.LabelStandardization);

        OnnxScoring.CheckParity(TestContext, ml, model, train, test, ["Score"]);
    }
}
