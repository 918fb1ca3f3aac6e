using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Tests.MLNet;

namespace MLNet.LrSchedules.Trainers.Tests.Onnx;

/// <summary>
/// Names what ONNX export and whole-model feature importance rely on in ML.NET (MLNetInternals/README.md), so that a
/// future ML.NET that renames or drops it fails here with the name, not somewhere inside an export.
/// </summary>
[TestClass]
public sealed class MLNetOnnxInternalsTests
{
    private static Type Internal(Type inAssemblyOf, string name) =>
        inAssemblyOf.Assembly.GetType(name) ?? throw new AssertFailedException($"{inAssemblyOf.Assembly.GetName().Name} no longer has {name}.");

    [TestMethod]
    public void ScoredData_IsAnExportableDataTransform_OverItsInput()
    {
        var ml = new MLContext(1);
        var data = ml.Data.Cache(TestData.Load(ml, "diabetes"));
        var transformer = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 1, HiddenLayers = [4], Seed = 1 }).Fit(data);

        var scored = transformer.Transform(data);

        var exportable = Internal(typeof(MLContext), "Microsoft.ML.Model.OnnxConverter.ITransformCanSaveOnnx");
        Assert.IsTrue(exportable.IsInstanceOfType(scored), "ConvertToOnnx exports only data transforms that implement ITransformCanSaveOnnx");
        var dataTransform = Internal(typeof(MLContext), "Microsoft.ML.Data.IDataTransform");
        Assert.AreSame(data, dataTransform.GetProperty("Source")!.GetValue(scored), "ConvertToOnnx walks back through IDataTransform.Source");
    }

    [TestMethod]
    public void Transformer_IsTheNonGenericPredictionTransformer_ThatWholeModelPfiLooksFor()
    {
        var marker = Internal(typeof(MLContext), "Microsoft.ML.ISingleFeaturePredictionTransformer");
        Assert.IsTrue(marker.IsAssignableFrom(typeof(TorchNetworkTransformer)));
        Assert.IsTrue(typeof(ISingleFeaturePredictionTransformer<TorchNetworkModel>).IsAssignableFrom(typeof(TorchNetworkTransformer)));
    }
}
