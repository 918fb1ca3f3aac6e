using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Onnx;
using MLNet.LrSchedules.Trainers.Tests.MLNet;

namespace MLNet.LrSchedules.Trainers.Tests.Onnx;

/// <summary>What cannot be exported throws <see cref="OnnxExportException"/> naming it; nothing is half-written.</summary>
[TestClass]
public sealed class OnnxExportFailureTests
{
    private static TorchNetworkModel SmallRegression()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.Cache(TestData.Load(ml, "diabetes"));
        return ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 1, HiddenLayers = [8], Seed = 2 }).Fit(data).Model;
    }

    [TestMethod]
    public void LayerWithoutOnnxForm_FailsBeforeWritingAnything_NamingTheLayer()
    {
        var model = SmallRegression();
        var layers = NetworkLayers.Of(model.Network).ToList();
        layers.Insert(2, new SquashLayer("0.squash"));
        var graph = new RecordingGraph(model.FeatureColumnName);
        bool parametersRead = false;

        var e = Assert.ThrowsExactly<OnnxExportException>(() => TorchNetworkOnnx.Export(graph, model, layers, () =>
        {
            parametersRead = true;
            return NetworkParameters.Read(model.Network, model.Result.Weights);
        }));

        Assert.AreEqual(
            "Layer 2 ('0.squash', Squash()) of the network cannot be exported to ONNX: no ONNX form is known for SquashLayer. "
            + "Exportable layer kinds: Activation, BatchNorm, Convolution, Dropout, Flatten, GlobalAvgPool, LayerNorm, Linear, Pooling, Reshape.", e.Message);
        Assert.IsEmpty(graph.Nodes, "no node is written for a network that cannot be exported whole");
        Assert.IsFalse(parametersRead);
    }

    [TestMethod]
    public void LayerListThatLeavesParametersUnused_Fails_NamingThem()
    {
        var model = SmallRegression();
        var layers = NetworkLayers.Of(model.Network).SkipLast(1).ToList();

        var e = Assert.ThrowsExactly<OnnxExportException>(() => TorchNetworkOnnx.Export(
            new RecordingGraph(model.FeatureColumnName), model, layers, () => NetworkParameters.Read(model.Network, model.Result.Weights)));

        StringAssert.StartsWith(e.Message, "The network's parameters '2.weight', '2.bias' belong to no exported layer");
    }

    [TestMethod]
    public void FeaturesNotInTheGraph_Fails_NamingTheColumn()
    {
        var model = SmallRegression();

        var e = Assert.ThrowsExactly<OnnxExportException>(() => TorchNetworkOnnx.Export(new RecordingGraph("Other"), model));

        StringAssert.StartsWith(e.Message, "The features column 'Features' that the network reads is not in the ONNX graph");
    }

    [TestMethod]
    public void LinearWeightOfAnotherShape_Fails_NamingBothShapes()
    {
        var model = SmallRegression();
        var layers = NetworkLayers.Of(model.Network).Select(l => l is LinearExport { Name: "2" } linear ? linear with { InFeatures = 9 } : l).ToList();

        var e = Assert.ThrowsExactly<OnnxExportException>(() => TorchNetworkOnnx.Export(
            new RecordingGraph(model.FeatureColumnName), model, layers, () => NetworkParameters.Read(model.Network, model.Result.Weights)));

        Assert.AreEqual("Layer '2' (Linear(9, 1)) expects '2.weight' of shape [1, 9]; the trained network's is [1, 8].", e.Message);
    }

    [TestMethod]
    public void ModuleOfYourOwn_FailsThroughConvertToOnnx_NamingTheModule_AndWritesNothing()
    {
        const string name = "onnx-test.square";
        TorchModules.Register(name, () => new Square());
        try
        {
            var ml = new MLContext(seed: 1);
            var data = ml.Data.Cache(ml.Transforms.Conversion.MapValueToKey("Label").Fit(TestData.Load(ml, "digits")).Transform(TestData.Load(ml, "digits")));
            var transformer = ml.MulticlassClassification.Trainers.TorchNetwork(NetworkSpec.Parse($"reshape(1, 8, 8) >> conv2d(2, kernel=3) >> module({name}) >> flatten"), epochs: 1)
                .Fit(data);
            var graph = new RecordingGraph(transformer.Model.FeatureColumnName);

            var direct = Assert.ThrowsExactly<OnnxExportException>(() => TorchNetworkOnnx.Export(graph, transformer.Model));
            using var stream = new MemoryStream();
            var viaMLNet = Assert.ThrowsExactly<OnnxExportException>(() => ml.Model.ConvertToOnnx(transformer, data, stream));

            string expected = $"Layer 2 ('2', module({name})) of the network cannot be exported to ONNX: it is your own TorchSharp module '{name}' "
                + "(registered with TorchModules), code whose computation the exporter cannot read. "
                + "A network exports when every layer is one of the spec's own (all but module); score this one with ML.NET.";
            Assert.AreEqual(expected, direct.Message);
            Assert.AreEqual(expected, viaMLNet.Message);
            Assert.IsEmpty(graph.Nodes, "no node is written for a network that cannot be exported whole");
            Assert.AreEqual(0, stream.Length, "ConvertToOnnx writes no partial graph");
        }
        finally
        {
            TorchModules.Unregister(name);
        }
    }

    /// <summary>x², elementwise: a module of the user's own.</summary>
    private sealed class Square() : TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>("Square")
    {
        public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor input) => input.square();
    }

    /// <summary>A layer kind that no emitter knows, as a user's own module would be.</summary>
    private sealed record SquashLayer(string Name) : ExportLayer(Name)
    {
        public override string Describe() => "Squash()";
    }

    /// <summary>Records what the exporter writes; knows one column.</summary>
    private sealed class RecordingGraph(string column) : IOnnxGraph
    {
        private int _next;

        public List<string> Nodes { get; } = [];

        public string? ColumnVariable(string name) => name == column ? name : null;

        public string Temporary(string hint) => $"{hint}#{_next++}";

        public string BindColumn(string name, DataViewType type) => $"{name}#{_next++}";

        public string Constant(string hint, float[] values, long[] dims) => $"{hint}#{_next++}";

        public string Constant(string hint, long[] values, long[] dims) => $"{hint}#{_next++}";

        public void AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params OnnxAttribute[] attributes) => Nodes.Add(opType);
    }
}
