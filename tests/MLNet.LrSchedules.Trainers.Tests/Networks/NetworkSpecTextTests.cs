namespace MLNet.LrSchedules.Trainers.Tests.Networks;

/// <summary>The text form: parsing, the canonical form, round trips and errors that point at the problem.</summary>
[TestClass]
public sealed class NetworkSpecTextTests
{
    private const string Cnn = "reshape(1,28,28) >> conv2d(16, kernel=3, padding=1) >> relu >> maxpool2d(2) >> flatten >> linear(128) >> relu >> dropout(0.2)";

    [TestMethod]
    public void Parse_TheIssueExample_GivesItsLayers()
    {
        var spec = NetworkSpec.Parse(Cnn);

        Assert.IsNull(spec.InputSize);
        CollectionAssert.AreEqual(new NetworkLayer[]
        {
            NetworkLayer.Reshape(1, 28, 28), NetworkLayer.Conv2d(16, kernelSize: 3, padding: 1), NetworkLayer.Relu(), NetworkLayer.MaxPool2d(2),
            NetworkLayer.Flatten(), NetworkLayer.Linear(128), NetworkLayer.Relu(), NetworkLayer.Dropout(0.2),
        }, spec.Layers.ToArray());
        Assert.AreEqual("reshape(1, 28, 28) >> conv2d(16, kernel_size=3, padding=1) >> relu >> maxpool2d(2) >> flatten >> linear(128) >> relu >> dropout(0.2)", spec.ToString());
    }

    [TestMethod]
    [DataRow("linear(10)", "linear(10)")]
    [DataRow("linear(10, bias=false)", "linear(10, bias=false)")]
    [DataRow("LINEAR(out_features=10)", "linear(10)")]
    [DataRow("conv1d(8, 5, stride=2)", "conv1d(8, kernel_size=5, stride=2)")]
    [DataRow("max_pool2d(kernel=3, stride=1, padding=1)", "maxpool2d(3, stride=1, padding=1)")]
    [DataRow("avg_pool1d(2)", "avgpool1d(2)")]
    [DataRow("avgpool2d(2, stride=none)", "avgpool2d(2)")]
    [DataRow("global_avg_pool()", "globalavgpool")]
    [DataRow("batch_norm1d >> batchnorm2d(eps=0.001, momentum=0.01)", "batchnorm1d >> batchnorm2d(eps=0.001, momentum=0.01)")]
    [DataRow("layer_norm(1e-6)", "layernorm(eps=1e-06)")]
    [DataRow("dropout(p=0.5) >> dropout(0.1)", "dropout >> dropout(0.1)")]
    [DataRow("gelu >> tanh() >> relu", "gelu >> tanh >> relu")]
    [DataRow("reshape([4, 16]) >> flatten", "reshape(4, 16) >> flatten")]
    [DataRow("module(residual, {\"channels\": 16})", "module(residual, {\"channels\":16})")]
    [DataRow("module('my-block.v2')", "module(my-block.v2)")]
    [DataRow("module(\"true\")", "module(\"true\")")]
    [DataRow("input(64) >> linear(10)", "input(64) >> linear(10)")]
    [DataRow("mlp([])", "mlp([])")]
    public void Parse_GivesTheCanonicalForm_WhichReadsBackEqual(string text, string canonical)
    {
        var spec = NetworkSpec.Parse(text);
        Assert.AreEqual(canonical, spec.ToString());
        Assert.AreEqual(spec, NetworkSpec.Parse(spec.ToString()));
    }

    [TestMethod]
    public void Mlp_ExpandsToItsLayers_AsTheFactoryDoes()
    {
        var parsed = NetworkSpec.Parse("mlp(512, 256, activation=gelu, dropout=0.1)");
        Assert.AreEqual(NetworkSpec.Mlp([512, 256], Activation.Gelu, 0.1), parsed);
        Assert.AreEqual("linear(512) >> gelu >> dropout(0.1) >> linear(256) >> gelu >> dropout(0.1)", parsed.ToString());
        Assert.AreEqual(NetworkSpec.Mlp([64]), NetworkSpec.Parse("mlp(hidden=[64])"));
        Assert.AreEqual("reshape(1, 8, 8) >> flatten >> linear(32) >> tanh",
            NetworkSpec.Parse("reshape(1, 8, 8) >> flatten >> mlp(32, activation=tanh)").ToString());
        Assert.IsEmpty(NetworkSpec.Parse("mlp([])").Layers);
    }

    [TestMethod]
    [DataRow("", 0, "Expected a network such as 'mlp(128)' or 'linear(64) >> relu' but the text is empty.")]
    [DataRow("linear(10) >> conv3d(4, 3)", 14, "Unknown layer 'conv3d'. Did you mean 'conv1d'?")]
    [DataRow("linear(10) relu", 11, "Expected '>>' or the end of the text; found 'relu'.")]
    [DataRow("linear(10) > relu", 11, "Expected '>>' between two layers; found a single '>'.")]
    [DataRow("linear()", 7, "'linear' needs its parameter out_features, as in linear(128).")]
    [DataRow("linear(10, width=3)", 11, "'linear' has no parameter 'width'; its parameters are out_features, bias.")]
    [DataRow("conv2d(16, kernel=0)", 0, "Invalid 'conv2d': Parameter 'kernelSize' must be an integer >= 1; received 0.")]
    [DataRow("dropout(1.5)", 0, "Invalid 'dropout': Parameter 'probability' must be in [0, 1); received 1.5.")]
    [DataRow("maxpool2d(2, padding=2)", 0, "Invalid 'maxpool2d': Parameter 'padding' must be at most half the kernel size (1 for kernel 2); received 2.")]
    [DataRow("linear(10.5)", 7, "Expected an integer for 'out_features' of 'linear'; found '10.5'.")]
    [DataRow("linear(bias=true, 10)", 18, "A positional argument cannot follow keyword arguments in 'linear(...)'.")]
    [DataRow("module(residual, [1])", 17, "Expected a JSON object such as {\"channels\": 16} for 'arguments' of 'module'; found '['.")]
    [DataRow("module(residual, {\"channels\": })", 30, "Invalid JSON object for 'arguments' of 'module'")]
    [DataRow("linear(10) >> input(64)", 14, "'input(n)' can only come first")]
    [DataRow("mlp(64, activation=swish)", 19, "Expected one of relu, gelu, tanh for 'activation' of 'mlp'; found 'swish'.")]
    public void Parse_Malformed_PointsAtTheProblem(string text, int position, string message)
    {
        var error = Assert.ThrowsExactly<NetworkSpecFormatException>(() => NetworkSpec.Parse(text));
        Assert.AreEqual(position, error.Position, error.Message);
        StringAssert.StartsWith(error.Message, message);
        StringAssert.Contains(error.Message, $"(position {position}, line 1, column {position + 1})");
    }

    [TestMethod]
    public void Parse_WithAnInputSize_ChecksTheShapes_AndPointsAtTheLayer()
    {
        var error = Assert.ThrowsExactly<NetworkSpecFormatException>(() => NetworkSpec.Parse("input(30) >> linear(8) >> reshape(1, 28, 28)"));
        Assert.AreEqual(26, error.Position);
        StringAssert.StartsWith(error.Message,
            "Layer 1 'reshape(1, 28, 28)' of the network receives a flat vector of 8 features but needs 784 values per example (1×28×28).");
        Assert.IsInstanceOfType<NetworkShapeException>(error.InnerException);
    }
}
