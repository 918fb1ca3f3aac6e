using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Tests.MLNet;

namespace MLNet.LrSchedules.Trainers.Tests.Onnx;

/// <summary>
/// Every layer kind of the network spec, alone and in realistic networks (CNNs on digits read as 1×8×8 images, a 1-d
/// convolutional network, layer norm in an MLP), exported with the whole pipeline by ConvertToOnnx and scored by ONNX
/// Runtime directly and through ApplyOnnxModel: every prediction column within 1e-5 relative of ML.NET's on every test row.
/// </summary>
[TestClass]
public sealed class OnnxNetworkExportTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// One layer kind at a time between the normalized digits and the head, with windows that overlap the padding (where
    /// max pooling must ignore it and average pooling must count it, PyTorch's defaults), and strides other than the kernel.
    /// </summary>
    [TestMethod]
    [DataRow("linear(16)")]
    [DataRow("linear(16, bias=false)")]
    [DataRow("relu")]
    [DataRow("gelu")]
    [DataRow("tanh")]
    [DataRow("dropout(0.5)")]
    [DataRow("reshape(4, 16) >> flatten")]
    [DataRow("reshape(4, 16) >> conv1d(4, kernel=3, stride=2, padding=1) >> flatten")]
    [DataRow("reshape(1, 8, 8) >> conv2d(4, kernel=3, stride=2, padding=1, bias=false) >> flatten")]
    [DataRow("reshape(4, 16) >> maxpool1d(3, stride=2, padding=1) >> flatten")]
    [DataRow("reshape(1, 8, 8) >> maxpool2d(3, stride=2, padding=1) >> flatten")]
    [DataRow("reshape(4, 16) >> avgpool1d(3, stride=2, padding=1) >> flatten")]
    [DataRow("reshape(1, 8, 8) >> avgpool2d(2, padding=1) >> flatten")]
    [DataRow("reshape(4, 16) >> globalavgpool")]
    [DataRow("reshape(4, 4, 4) >> globalavgpool")]
    [DataRow("batchnorm1d")]
    [DataRow("reshape(4, 16) >> batchnorm1d >> flatten")]
    [DataRow("reshape(4, 4, 4) >> batchnorm2d >> flatten")]
    [DataRow("layernorm")]
    [DataRow("reshape(4, 4, 4) >> layernorm >> flatten")]
    public void EachLayerKind_MatchesMLNet(string body)
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.TorchNetwork(new TorchNetworkMulticlassOptions
            {
                Network = NetworkSpec.Parse(body), Epochs = 1, BatchSize = 64, LearningRate = 1e-2, Seed = 1,
            }))
            .Fit(train);

        var parity = OnnxScoring.CheckParity(TestContext, ml, model, train, test, ["Score", "PredictedLabel"]);
        Assert.AreEqual(0, parity["PredictedLabel"].MaxAbsolute);
    }

    /// <summary>A layer kind added to the spec must join <see cref="EachLayerKind_MatchesMLNet"/> (and get an emitter).</summary>
    [TestMethod]
    public void EachLayerKind_CoversEveryLayerOfTheSpec_ButModules()
    {
        var bodies = typeof(OnnxNetworkExportTests).GetMethod(nameof(EachLayerKind_MatchesMLNet))!
            .GetCustomAttributes<DataRowAttribute>().Select(row => (string)row.Data[0]!);
        var covered = bodies.SelectMany(body => NetworkSpec.Parse(body).Layers).Select(layer => layer.GetType()).ToHashSet();
        var missing = typeof(NetworkLayer).GetCustomAttributes<JsonDerivedTypeAttribute>()
            .Select(kind => kind.DerivedType).Where(type => type != typeof(ModuleLayer) && !covered.Contains(type)).Select(type => type.Name);

        Assert.IsEmpty(missing, $"layer kinds without a parity test: {string.Join(", ", missing)}");
    }

    /// <summary>The CNN of the brief: conv2d + batch norm + max pool + avg pool + flatten + linear, every activation, dropout.</summary>
    [TestMethod]
    public void Cnn_Digits_ConvBatchNormPoolingFlatten_MatchesMLNet()
    {
        var model = FitDigits(
            "reshape(1, 8, 8) >> conv2d(8, kernel=3, padding=1, bias=false) >> batchnorm2d >> relu >> maxpool2d(2)"
            + " >> conv2d(16, kernel=3, padding=1) >> gelu >> avgpool2d(3, stride=1, padding=1)"
            + " >> flatten >> linear(32) >> tanh >> dropout(0.2)",
            out var ml, out var train, out var test);

        var parity = OnnxScoring.CheckParity(TestContext, ml, model, train, test, ["Score", "PredictedLabel", "PredictedValue"]);
        Assert.AreEqual(0, parity["PredictedLabel"].MaxAbsolute);
        Assert.AreEqual(0, parity["PredictedValue"].MaxAbsolute);
    }

    /// <summary>A strided CNN that ends with global average pooling, layer norm over channels×height×width.</summary>
    [TestMethod]
    public void Cnn_Digits_StridedLayerNormGlobalAvgPool_MatchesMLNet()
    {
        var model = FitDigits(
            "reshape(1, 8, 8) >> conv2d(8, kernel=3, stride=2, padding=1) >> batchnorm2d >> relu >> maxpool2d(3, stride=1, padding=1)"
            + " >> layernorm >> conv2d(16, kernel=2) >> relu >> avgpool2d(2, stride=2, padding=1) >> globalavgpool",
            out var ml, out var train, out var test);

        var parity = OnnxScoring.CheckParity(TestContext, ml, model, train, test, ["Score", "PredictedLabel", "PredictedValue"]);
        Assert.AreEqual(0, parity["PredictedLabel"].MaxAbsolute);
    }

    /// <summary>A 1-d convolutional network on breast_cancer's 30 features read as one channel of length 30 (binary task).</summary>
    [TestMethod]
    public void Conv1d_BreastCancer_MatchesMLNet()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "breast_cancer", DataKind.Boolean));
        var model = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.BinaryClassification.Trainers.TorchNetwork(new TorchNetworkBinaryOptions
            {
                Network = NetworkSpec.Parse(
                    "reshape(1, 30) >> conv1d(4, kernel=5, padding=2) >> batchnorm1d >> tanh >> maxpool1d(2)"
                    + " >> conv1d(8, kernel=3, stride=2) >> relu >> avgpool1d(2, padding=1) >> flatten >> linear(8) >> gelu"),
                Epochs = 2, BatchSize = 32, LearningRate = 5e-3, Seed = 3,
            }))
            .Fit(train);

        var parity = OnnxScoring.CheckParity(TestContext, ml, model, train, test, ["Score", "Probability", "PredictedLabel"]);
        Assert.AreEqual(0, parity["PredictedLabel"].MaxAbsolute);
    }

    /// <summary>A 1-d convolutional regression on diabetes (10 features as 2 channels of length 5), batch norm on the pooled vector.</summary>
    [TestMethod]
    public void Conv1d_Diabetes_Regression_MatchesMLNet()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "diabetes"));
        var model = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.Regression.Trainers.TorchNetwork(new TorchNetworkRegressionOptions
            {
                Network = NetworkSpec.Parse(
                    "reshape(2, 5) >> conv1d(8, kernel=3, padding=1) >> layernorm >> relu >> maxpool1d(2, stride=1)"
                    + " >> globalavgpool >> batchnorm1d >> linear(8) >> relu"),
                Epochs = 2, BatchSize = 32, LearningRate = 1e-2, Seed = 5,
            }))
            .Fit(train);

        OnnxScoring.CheckParity(TestContext, ml, model, train, test, ["Score"]);
    }

    /// <summary>An MLP with layer norm and batch norm between its linear layers.</summary>
    [TestMethod]
    public void Mlp_Digits_LayerNormBatchNorm_MatchesMLNet()
    {
        var model = FitDigits("linear(32) >> layernorm >> gelu >> linear(16, bias=false) >> batchnorm1d >> relu >> dropout(0.2)",
            out var ml, out var train, out var test);

        var parity = OnnxScoring.CheckParity(TestContext, ml, model, train, test, ["Score", "PredictedLabel", "PredictedValue"]);
        Assert.AreEqual(0, parity["PredictedLabel"].MaxAbsolute);
    }

    /// <summary>Label keys, normalizer, the network of <paramref name="body"/> trained 2 epochs, keys back to digits.</summary>
    private static ITransformer FitDigits(string body, out MLContext ml, out IDataView train, out IDataView test)
    {
        ml = new MLContext(seed: 1);
        (train, test) = TestData.Split(ml, TestData.Load(ml, "digits"));
        return ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.TorchNetwork(new TorchNetworkMulticlassOptions
            {
                Network = NetworkSpec.Parse(body), Epochs = 2, BatchSize = 32, LearningRate = 3e-3, Seed = 1,
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedValue", "PredictedLabel"))
            .Fit(train);
    }
}
