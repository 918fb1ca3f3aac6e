using MLNet.LrSchedules.Trainers.Tests.Engine;
using TorchSharp;
using static MLNet.LrSchedules.Trainers.Tests.Engine.EngineTestKit;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers.Tests.Networks;

/// <summary>Networks built from specs: layers, initialization, weight names, batch-norm buffers, and training a CNN.</summary>
[TestClass]
public sealed class SequentialNetworkTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>A small CNN over digits' 8×8 images, with batch norm and dropout.</summary>
    internal static NetworkSpec DigitsCnn(double dropout = 0.2) => NetworkSpec.Parse(
        $"reshape(1, 8, 8) >> conv2d(8, kernel=3, padding=1) >> batchnorm2d >> relu >> maxpool2d(2) >> flatten >> linear(32) >> relu >> dropout({dropout.ToString(System.Globalization.CultureInfo.InvariantCulture)})").Resolve(64, 10);

    [TestMethod]
    public void Weights_AreNamedByLayerIndex_AsInSequential_WithBatchNormBuffers()
    {
        using var mlp = new SequentialNetwork(NetworkSpec.Mlp([16, 8], Activation.Gelu, 0.1).Resolve(64, 10), seed: 1);
        CollectionAssert.AreEqual(new[] { "0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias" }, ModuleStateFormat.Names(mlp.SaveWeights()).ToArray());

        using var cnn = new SequentialNetwork(DigitsCnn(), seed: 1);
        CollectionAssert.AreEqual(
            new[] { "1.weight", "1.bias", "2.weight", "2.bias", "6.weight", "6.bias", "9.weight", "9.bias", "2.running_mean", "2.running_var", "2.num_batches_tracked" },
            ModuleStateFormat.Names(cnn.SaveWeights()).ToArray());
        Assert.AreEqual(10, cnn.OutputSize);
        Assert.IsTrue(cnn.HasDropout);
    }

    [TestMethod]
    public void Initialization_IsPyTorchsDefault_DrawnFromTheSeedOnly()
    {
        var spec = DigitsCnn();
        using var a = new SequentialNetwork(spec, seed: 5);
        manual_seed(12345); // the global generator must not matter
        using var b = new SequentialNetwork(spec, seed: 5);
        using var c = new SequentialNetwork(spec, seed: 6);
        CollectionAssert.AreEqual(a.SaveWeights(), b.SaveWeights());
        CollectionAssert.AreNotEqual(a.SaveWeights(), c.SaveWeights());

        var state = a.state_dict();
        void Bound(string name, double fanIn)
        {
            var values = state[name].data<float>().ToArray();
            double bound = 1 / Math.Sqrt(fanIn);
            Assert.IsTrue(values.All(v => Math.Abs(v) <= bound), $"{name} within ±1/√{fanIn}");
            Assert.IsGreaterThan(bound * 0.8, values.Max(v => Math.Abs(v)), $"{name} spreads over its range");
        }
        Bound("1.weight", 1 * 3 * 3);
        Bound("1.bias", 1 * 3 * 3);
        Bound("6.weight", 8 * 4 * 4);
        Bound("9.bias", 32);
        Assert.IsTrue(state["2.weight"].data<float>().ToArray().All(v => v == 1), "batch norm scale 1");
        Assert.IsTrue(state["2.bias"].data<float>().ToArray().All(v => v == 0), "batch norm shift 0");
        Assert.IsTrue(state["2.running_var"].data<float>().ToArray().All(v => v == 1), "running variance 1");
    }

    [TestMethod]
    public void Cnn_LearnsDigits_AndItsScorerUsesTheRunningStatistics()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, DigitsCnn(), new TestLinearDecay(),
            new OptimizerSettings(OptimizerKind.AdamW, WeightDecay: 1e-4), learningRate: 1e-2, epochs: 4, batchSize: 64);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);

        var probabilities = Score(result, settings.Task, data.TestFeatures, data.TestRows);
        double accuracy = Accuracy(probabilities, data.TestLabels, 10);
        TestContext.WriteLine($"digits CNN held-out accuracy {accuracy:F4}");
        Assert.IsGreaterThan(0.93, accuracy);
        Assert.AreEqual(accuracy, result.History.Epochs[^1].ValidationMetric!.Value, 1e-9, "validation runs in eval mode, as the scorer");

        using var network = new SequentialNetwork(result.Network, 0);
        network.LoadWeights(result.Weights);
        Assert.IsTrue(network.state_dict()["2.running_mean"].data<float>().ToArray().Any(v => v != 0), "training updated the running mean");
        // In eval mode batch norm uses its running statistics: a row scores the same alone as in a batch.
        using var scorer = new NetworkScorer(result.Network, settings.Task, result.Weights);
        var alone = new float[10];
        for (int row = 0; row < 5; row++)
        {
            scorer.Score(data.TestFeatures.AsSpan(row * 64, 64), 1, alone);
            for (int k = 0; k < 10; k++) Assert.AreEqual(probabilities[row * 10 + k], alone[k], 1e-6f);
        }
    }

    [TestMethod]
    public void EveryLayerType_Trains_OneAndTwoDimensional()
    {
        var data = EngineData.Load("digits");
        var spec = NetworkSpec.Parse(
            "reshape(4, 16) >> conv1d(6, kernel=3, padding=1) >> batchnorm1d >> gelu >> avgpool1d(2) >> maxpool1d(2, stride=1) >> layernorm >> flatten "
            + ">> reshape(6, 7) >> globalavgpool >> linear(16) >> tanh >> dropout(0.1) >> reshape(1, 4, 4) >> conv2d(2, kernel=2) >> avgpool2d(2, stride=1) >> flatten").Resolve(64, 10);
        var settings = Settings(TrainingTask.MulticlassClassification, spec, epochs: 2, batchSize: 64, learningRate: 1e-2);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);
        Assert.IsTrue(double.IsFinite(result.History.Epochs[^1].TrainingLoss));
        Assert.IsLessThan(result.History.Steps[0].Loss, result.History.Epochs[^1].TrainingLoss, "the loss went down");
    }

    [TestMethod]
    public void SavedWeights_OfAnotherNetwork_AreRejected()
    {
        using var cnn = new SequentialNetwork(DigitsCnn(), 1);
        using var mlp = new SequentialNetwork(Digits(), 1);
        var error = Assert.ThrowsExactly<ArgumentException>(() => cnn.LoadWeights(mlp.SaveWeights()));
        StringAssert.StartsWith(error.Message, "Parameter 'weights' does not hold weights of this network (input(64) >> reshape(1, 8, 8) >> conv2d(8");
    }

    [TestMethod]
    public void AModuleNotRegistered_FailsNamingWhatToRegister()
    {
        var spec = NetworkSpec.Parse("reshape(1, 8, 8) >> module(never-registered, {\"channels\": 1}) >> flatten").Resolve(64, 10);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => new TrainingEngine(Settings(TrainingTask.MulticlassClassification, spec)));
        StringAssert.StartsWith(error.Message,
            "Building the network needs a module registered under the name 'never-registered' (layer 1: 'module(never-registered, {\"channels\":1})'), and none is. "
            + "Call TorchModules.Register(\"never-registered\", (YourArgs args) => new YourModule(...)) first, with the factory that built it");
    }

    [TestMethod]
    public void AModuleOfYourOwn_GetsItsShapeFromADryRun_AndShapeErrorsNameIt()
    {
        TorchModules.Register("test-pool-halves", () => nn.AvgPool2d(2));
        TorchModules.Register("test-sized", (SizeArgs a) => nn.Linear(a.In, a.Out));
        try
        {
            var spec = NetworkSpec.Parse("reshape(1, 8, 8) >> module(test-pool-halves) >> flatten").Resolve(64, 3);
            using (var network = new SequentialNetwork(spec, 1))
                Assert.AreEqual(3, network.OutputSize);

            var wrong = NetworkSpec.Parse("reshape(1, 8, 8) >> module(test-pool-halves) >> linear(4)").Resolve(64, 3);
            var shape = Assert.ThrowsExactly<NetworkShapeException>(() => new SequentialNetwork(wrong, 1));
            Assert.AreEqual("Layer 2 'linear(4)' of the network receives 1×4×4 (channels×height×width) but expects a flat vector of features: put flatten (or globalavgpool) before it.", shape.Message);

            var failing = NetworkSpec.Parse("module(test-sized, {\"in\": 5, \"out\": 2})").Resolve(64, 3);
            var dry = Assert.ThrowsExactly<NetworkShapeException>(() => new SequentialNetwork(failing, 1));
            StringAssert.StartsWith(dry.Message, "Layer 0 'module(test-sized, {\"in\":5,\"out\":2})' of the network receives a flat vector of 64 features but fails on a batch of one zero example of that shape: ");

            var badArgs = NetworkSpec.Parse("module(test-sized, {\"in\": \"five\"})").Resolve(64, 3);
            var args = Assert.ThrowsExactly<ArgumentException>(() => new SequentialNetwork(badArgs, 1));
            StringAssert.StartsWith(args.Message, "Layer 0 'module(test-sized, {\"in\":\"five\"})' of the network has arguments {\"in\":\"five\"} that cannot be read as SizeArgs: ");
        }
        finally
        {
            TorchModules.Unregister("test-pool-halves");
            TorchModules.Unregister("test-sized");
        }
    }

    public sealed record SizeArgs(int In, int Out);
}
