using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLNet.LrSchedules.Trainers.Tests.Networks;

/// <summary>Construction, resolution, shape inference and JSON of network specs (no TorchSharp involved).</summary>
[TestClass]
public sealed class NetworkSpecTests
{
    [TestMethod]
    public void Resolve_AppendsTheHead_AndFixesTheInputSize()
    {
        var body = NetworkSpec.Parse("reshape(1, 8, 8) >> conv2d(4, kernel=3, padding=1) >> relu >> maxpool2d(2) >> flatten");
        var resolved = body.Resolve(64, 10);

        Assert.AreEqual(64, resolved.InputSize);
        Assert.AreEqual(10, resolved.OutputSize);
        Assert.IsTrue(resolved.IsResolved);
        Assert.AreEqual(NetworkLayer.Linear(10), resolved.Layers[^1]);
        Assert.AreEqual("input(64) >> reshape(1, 8, 8) >> conv2d(4, kernel_size=3, padding=1) >> relu >> maxpool2d(2) >> flatten >> linear(10)", resolved.ToString());
        Assert.IsNull(body.InputSize, "the body is unchanged");
        var again = Assert.ThrowsExactly<InvalidOperationException>(() => resolved.Resolve(64, 10));
        StringAssert.StartsWith(again.Message, "The network spec is already resolved (input size 64)");
    }

    [TestMethod]
    public void Mlp_Resolved_IsTodaysPerceptron()
    {
        var spec = NetworkSpec.Mlp([16, 8], Activation.Gelu, 0.1).Resolve(64, 10);
        Assert.AreEqual("input(64) >> linear(16) >> gelu >> dropout(0.1) >> linear(8) >> gelu >> dropout(0.1) >> linear(10)", spec.ToString());
        Assert.AreEqual("input(3) >> linear(1)", NetworkSpec.Mlp([]).Resolve(3, 1).ToString(), "no hidden layer: a linear model");
    }

    [TestMethod]
    public void ShapeErrors_NameTheLayer_TheShapeItReceives_AndWhatItExpects()
    {
        void Expect(string body, int features, int outputs, int index, string message, int[] received)
        {
            var error = Assert.ThrowsExactly<NetworkShapeException>(() => NetworkSpec.Parse(body).Resolve(features, outputs));
            Assert.AreEqual(message, error.Message);
            Assert.AreEqual(index, error.LayerIndex);
            CollectionAssert.AreEqual(received, error.ReceivedShape!.ToArray());
        }

        Expect("reshape(1,28,28) >> flatten", 30, 10, 0,
            "Layer 0 'reshape(1, 28, 28)' of the network receives a flat vector of 30 features but needs 784 values per example (1×28×28).", [30]);
        Expect("conv2d(16, kernel=3) >> flatten", 784, 10, 0,
            "Layer 0 'conv2d(16, kernel_size=3)' of the network receives a flat vector of 784 features but expects channels×height×width: put reshape(channels, height, width) before it.", [784]);
        Expect("reshape(1, 8, 8) >> maxpool2d(2) >> maxpool2d(2) >> maxpool2d(2) >> maxpool2d(2) >> flatten", 64, 10, 4,
            "Layer 4 'maxpool2d(2)' of the network receives 1×1×1 (channels×height×width) but would shrink the height to 0: its kernel 2 (padding 0) needs a height and width of at least 2.", [1, 1, 1]);
        Expect("reshape(4, 16) >> conv2d(8, kernel=3)", 64, 10, 1,
            "Layer 1 'conv2d(8, kernel_size=3)' of the network receives 4×16 (channels×length) but expects channels×height×width: use the 1-d convolution for channels×length.", [4, 16]);
        Expect("reshape(1, 8, 8) >> batchnorm1d", 64, 10, 1,
            "Layer 1 'batchnorm1d' of the network receives 1×8×8 (channels×height×width) but expects a flat vector of features or channels×length: use batchnorm2d for channels×height×width.", [1, 8, 8]);
        Expect("linear(8) >> globalavgpool", 64, 10, 1,
            "Layer 1 'globalavgpool' of the network receives a flat vector of 8 features but expects channels×length or channels×height×width: it averages each channel over the rest.", [8]);
        Expect("reshape(1, 8, 8) >> conv2d(4, kernel=3)", 64, 10, 2,
            "The task's output layer 'linear(10)' (layer 2, appended by the trainer) receives 4×6×6 (channels×height×width) but expects a flat vector of features: put flatten (or globalavgpool) before it; end the network with flatten or globalavgpool.", [4, 6, 6]);
    }

    [TestMethod]
    public void Shapes_FollowPyTorchsFormulas()
    {
        var spec = NetworkSpec.Parse(
            "reshape(3, 32, 32) >> conv2d(8, kernel=5, stride=2, padding=1) >> avgpool2d(3, stride=2, padding=1) >> batchnorm2d >> layernorm >> globalavgpool").Resolve(3072, 2);
        // (32 + 2 − 5) / 2 + 1 = 15; (15 + 2 − 3) / 2 + 1 = 8; the global average leaves the 8 channels.
        Assert.AreEqual(2, spec.OutputSize);
        var shapes = NetworkSpec.InferShapes(TensorShape.Flat(3072), spec.Layers, spec.Layers.Count);
        CollectionAssert.AreEqual(new[] { 8, 15, 15 }, shapes[2]!.Dims.ToArray());
        CollectionAssert.AreEqual(new[] { 8, 8, 8 }, shapes[3]!.Dims.ToArray());
        CollectionAssert.AreEqual(new[] { 8 }, shapes[6]!.Dims.ToArray());
        var oneD = NetworkSpec.Parse("reshape(2, 50) >> conv1d(4, kernel=5) >> maxpool1d(3, stride=2) >> flatten").Resolve(100, 1);
        // 50 − 5 + 1 = 46; (46 − 3) / 2 + 1 = 22.
        Assert.AreEqual("input(100) >> reshape(2, 50) >> conv1d(4, kernel_size=5) >> maxpool1d(3, stride=2) >> flatten >> linear(1)", oneD.ToString());
        CollectionAssert.AreEqual(new[] { 88 }, NetworkSpec.InferShapes(TensorShape.Flat(100), oneD.Layers, 4)[4]!.Dims.ToArray());
    }

    [TestMethod]
    public void AfterAModuleOfYourOwn_ShapesWaitForTheNetworkToBeBuilt()
    {
        var spec = NetworkSpec.Parse("reshape(1, 8, 8) >> module(residual, {\"channels\": 1}) >> flatten").Resolve(64, 3);
        Assert.AreEqual(3, spec.OutputSize, "the head's size is known");
        Assert.IsTrue(spec.HasModules);
        var shapes = NetworkSpec.InferShapes(TensorShape.Flat(64), spec.Layers, spec.Layers.Count);
        Assert.IsNull(shapes[2]);
    }

    [TestMethod]
    public void Constructors_ValidateEveryParameter()
    {
        void Expect<T>(Func<object> create, string message) where T : Exception =>
            StringAssert.StartsWith(Assert.ThrowsExactly<T>(create).Message, message);

        Expect<ArgumentOutOfRangeException>(() => NetworkLayer.Linear(0), "Parameter 'outFeatures' must be an integer >= 1; received 0.");
        Expect<ArgumentOutOfRangeException>(() => NetworkLayer.Conv1d(4, 3, stride: 0), "Parameter 'stride' must be an integer >= 1; received 0.");
        Expect<ArgumentOutOfRangeException>(() => NetworkLayer.Conv2d(4, 3, padding: -1), "Parameter 'padding' must be an integer >= 0; received -1.");
        Expect<ArgumentOutOfRangeException>(() => NetworkLayer.AvgPool1d(2, stride: 0), "Parameter 'stride' must be an integer >= 1; received 0.");
        Expect<ArgumentOutOfRangeException>(() => NetworkLayer.BatchNorm2d(eps: 0), "Parameter 'eps' must be a finite number > 0; received 0.");
        Expect<ArgumentOutOfRangeException>(() => NetworkLayer.BatchNorm1d(momentum: 1.5), "Parameter 'momentum' must be in [0, 1]; received 1.5.");
        Expect<ArgumentOutOfRangeException>(() => NetworkLayer.LayerNorm(double.NaN), "Parameter 'eps' must be a finite number > 0; received NaN.");
        Expect<ArgumentOutOfRangeException>(() => NetworkLayer.Dropout(1), "Parameter 'probability' must be in [0, 1); received 1.");
        Expect<ArgumentException>(() => NetworkLayer.Reshape(), "Parameter 'shape' must hold 1 to 3 sizes ([features], [channels, length] or [channels, height, width]); received 0.");
        Expect<ArgumentOutOfRangeException>(() => NetworkLayer.Reshape(1, 0, 4), "Parameter 'shape' must hold sizes >= 1; received 0 at index 1.");
        Expect<ArgumentException>(() => NetworkLayer.Module("1st"), "Parameter 'name' must be a module name of letters, digits, '_', '-' and '.' starting with a letter (at most 128 characters); received '1st'.");
        Expect<ArgumentException>(() => new ModuleLayer("block", JsonDocument.Parse("[1]").RootElement), "Parameter 'arguments' must be a JSON object such as {\"channels\": 16}; received a JSON array.");
        Expect<ArgumentNullException>(() => new NetworkSpec([NetworkLayer.Relu(), null!]), "Parameter 'layers' must not contain null; received null at index 1.");
        Expect<ArgumentOutOfRangeException>(() => new NetworkSpec([], inputSize: 0), "Parameter 'inputSize' must be an integer >= 1; received 0.");
        Expect<ArgumentOutOfRangeException>(() => NetworkSpec.Mlp([8, 0]), "Parameter 'hiddenLayers' must hold sizes >= 1; received 0 at index 1.");
    }

    [TestMethod]
    public void Json_RoundTrips_WithTheExactText()
    {
        var spec = NetworkSpec.Parse("reshape(1, 8, 8) >> conv2d(4, kernel=3, padding=1) >> batchnorm2d >> maxpool2d(2) >> module(block, {\"width\": 2}) >> flatten >> dropout(0.25)")
            .Resolve(64, 10);
        string json = spec.ToJson();
        Assert.AreEqual(
            "{\"input_size\":64,\"layers\":[{\"type\":\"reshape\",\"shape\":[1,8,8]},"
            + "{\"type\":\"conv2d\",\"out_channels\":4,\"kernel_size\":3,\"stride\":1,\"padding\":1,\"bias\":true},"
            + "{\"type\":\"batchnorm2d\",\"eps\":1E-05,\"momentum\":0.1},{\"type\":\"maxpool2d\",\"kernel_size\":2,\"padding\":0},"
            + "{\"type\":\"module\",\"name\":\"block\",\"arguments\":{\"width\":2}},{\"type\":\"flatten\"},{\"type\":\"dropout\",\"probability\":0.25},"
            + "{\"type\":\"linear\",\"out_features\":10,\"bias\":true}]}",
            json);
        Assert.AreEqual(spec, NetworkSpec.FromJson(json));
        Assert.AreEqual(spec, NetworkSpec.FromJson(spec.ToJson(indented: true)));
        // Embedded in another document, with other options, the spec keeps its own form.
        var embedded = JsonSerializer.Serialize(new { network = spec }, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
        StringAssert.Contains(embedded, "{\"network\":{\"input_size\":64,\"layers\":[{\"type\":\"reshape\"");
        Assert.AreEqual(spec, JsonSerializer.Deserialize<NetworkSpec>(JsonDocument.Parse(embedded).RootElement.GetProperty("network")));
    }

    [TestMethod]
    [DataRow("{\"layers\":[{\"type\":\"conv3d\"}]}", "Invalid network JSON: The network's layer 0 (\"conv3d\") has an unknown type; known types: \"linear\", \"conv1d\"")]
    [DataRow("{\"layers\":[{\"type\":\"max_pool2d\",\"kernel_size\":2}]}", "Invalid network JSON: The network's layer 0 (\"max_pool2d\"): \"max_pool2d\" is a text-form alias; JSON names the layer by its name \"maxpool2d\".")]
    [DataRow("{\"layers\":[{\"out_features\":2}]}", "Invalid network JSON: The network's layer 0 needs a \"type\" naming one of: \"linear\"")]
    [DataRow("{\"layers\":[{\"type\":\"relu\"},{\"type\":\"linear\",\"out_features\":0}]}", "Invalid network JSON: The network's layer 1 (\"linear\") is invalid: Parameter 'outFeatures' must be an integer >= 1; received 0.")]
    [DataRow("{\"layers\":[{\"type\":\"linear\",\"out_features\":2,\"width\":3}]}", "Invalid network JSON: The network's layer 0 (\"linear\") is invalid: ")]
    [DataRow("{\"layers\":[{\"type\":\"linear\"}]}", "Invalid network JSON: The network's layer 0 (\"linear\") is invalid: ")]
    [DataRow("{\"input_size\":30,\"layers\":[{\"type\":\"reshape\",\"shape\":[1,28,28]}]}", "Invalid network JSON: Layer 0 'reshape(1, 28, 28)' of the network receives a flat vector of 30 features but needs 784 values per example (1×28×28).")]
    [DataRow("{\"layer\":[]}", "Invalid network JSON: A network has no property \"layer\"; its properties are \"input_size\" and \"layers\".")]
    [DataRow("[1]", "Invalid network JSON: A network must be a JSON object {\"layers\": [...]}; received a JSON array.")]
    [DataRow("{\"layers\":[", "Invalid network JSON: ")]
    public void Json_Malformed_IsAFormatErrorNamingTheLayer(string json, string message)
    {
        var error = Assert.ThrowsExactly<NetworkSpecFormatException>(() => NetworkSpec.FromJson(json));
        StringAssert.StartsWith(error.Message, message);
    }

    [TestMethod]
    public void Equality_IsStructural()
    {
        Assert.AreEqual(NetworkSpec.Parse("linear(4) >> relu"), NetworkSpec.Mlp([4]));
        Assert.AreEqual(NetworkSpec.Parse("linear(4) >> relu").GetHashCode(), NetworkSpec.Mlp([4]).GetHashCode());
        Assert.AreNotEqual(NetworkSpec.Mlp([4]), NetworkSpec.Mlp([4]).Resolve(2, 1));
        Assert.AreNotEqual(NetworkLayer.Linear(4), NetworkLayer.Linear(4, bias: false));
        Assert.AreEqual(NetworkLayer.Module("b", new { Channels = 2 }), NetworkSpec.Parse("module(b, {\"channels\": 2})").Layers[0]);
        Assert.AreNotEqual(NetworkLayer.Module("b", new { Channels = 2 }), NetworkLayer.Module("b", new { Channels = 3 }));
        Assert.AreEqual(NetworkLayer.MaxPool2d(2), NetworkLayer.MaxPool2d(2, stride: null));
        Assert.AreNotEqual<NetworkLayer>(NetworkLayer.MaxPool2d(2), NetworkLayer.AvgPool2d(2));
    }

    /// <summary>Every layer type is registered for JSON, has one constructor whose parameters are its properties, and reads back from its text.</summary>
    [TestMethod]
    public void EveryLayerType_KeepsTheConventions()
    {
        var registered = typeof(NetworkLayer).GetCustomAttributes<JsonDerivedTypeAttribute>().Select(a => a.DerivedType).ToHashSet();
        var layerTypes = typeof(NetworkLayer).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(NetworkLayer)) && !t.IsAbstract).ToArray();
        CollectionAssert.AreEquivalent(layerTypes, registered.ToArray(), "every layer type has a [JsonDerivedType]");
        foreach (var type in layerTypes)
        {
            Assert.IsTrue(type.IsSealed && type.IsPublic, $"{type.Name} is public and sealed");
            var constructor = type.GetConstructors().Single();
            foreach (var parameter in constructor.GetParameters())
            {
                var property = type.GetProperty(parameter.Name!, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                Assert.IsNotNull(property, $"{type.Name}({parameter.Name}) has a property");
                Assert.AreEqual(parameter.ParameterType, property.PropertyType, $"{type.Name}.{property.Name}");
                Assert.IsFalse(property.CanWrite, $"{type.Name}.{property.Name} is immutable");
            }
            Assert.IsTrue(typeof(NetworkLayer).GetMethods(BindingFlags.Public | BindingFlags.Static).Any(m => m.ReturnType == type || (type == typeof(ReluLayer) && m.Name == "Relu")),
                $"NetworkLayer has a factory for {type.Name}");
        }
        var samples = new NetworkLayer[]
        {
            NetworkLayer.Linear(3), NetworkLayer.Conv1d(2, 3), NetworkLayer.Conv2d(2, 3), NetworkLayer.MaxPool1d(2), NetworkLayer.MaxPool2d(2),
            NetworkLayer.AvgPool1d(2), NetworkLayer.AvgPool2d(2), NetworkLayer.GlobalAvgPool(), NetworkLayer.BatchNorm1d(), NetworkLayer.BatchNorm2d(),
            NetworkLayer.LayerNorm(), NetworkLayer.Dropout(), NetworkLayer.Relu(), NetworkLayer.Gelu(), NetworkLayer.Tanh(), NetworkLayer.Flatten(),
            NetworkLayer.Reshape(2, 2), NetworkLayer.Module("m"),
        };
        CollectionAssert.AreEquivalent(layerTypes, samples.Select(s => s.GetType()).ToArray());
        foreach (var layer in samples)
        {
            var spec = new NetworkSpec([layer]);
            Assert.AreEqual(spec, NetworkSpec.Parse(spec.ToString()), layer.ToString());
            Assert.AreEqual(spec, NetworkSpec.FromJson(spec.ToJson()), layer.ToString());
        }
    }
}
