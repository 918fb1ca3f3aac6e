using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

/// <summary>Where a fitted or loaded transformer scores: options, the model's training device, or <see cref="TorchNetworkTransformer.WithDevice"/>.</summary>
[TestClass]
public sealed class ScoringDeviceTests
{
    private static (MLContext Ml, IDataView Train, IDataView Test) Wine()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "wine"));
        return (ml, train, test);
    }

    private static (TransformerChain<ITransformer> Model, TorchNetworkTransformer Mlp) Fit(MLContext ml, IDataView train, ComputeDevice device, ComputeDevice? scoringDevice = null)
    {
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions
            {
                Epochs = 2, HiddenLayers = [8], Seed = 1, Device = device, ScoringDevice = scoringDevice,
            }))
            .Fit(train);
        return (new TransformerChain<ITransformer>(model.ToArray()), model.LastTransformer);
    }

    [TestMethod]
    public void FittedTransformer_ScoresOnTheOptionsDevice()
    {
        var (ml, train, _) = Wine();
        Assert.AreEqual(ComputeDevice.Cpu, Fit(ml, train, ComputeDevice.Cpu).Mlp.ScoringDevice);
        Assert.AreEqual(ComputeDevice.Auto, Fit(ml, train, ComputeDevice.Auto).Mlp.ScoringDevice);
        Assert.AreEqual(ComputeDevice.Auto, Fit(ml, train, ComputeDevice.Cpu, ComputeDevice.Auto).Mlp.ScoringDevice);
    }

    [TestMethod]
    public void WithDevice_IsANewTransformerScoringTheSame()
    {
        var (ml, train, test) = Wine();
        var (model, mlp) = Fit(ml, train, ComputeDevice.Cpu);
        var auto = mlp.WithDevice(ComputeDevice.Auto);

        Assert.AreNotSame(mlp, auto);
        Assert.AreSame(mlp.Model, auto.Model);
        Assert.AreEqual(ComputeDevice.Cpu, mlp.ScoringDevice);
        Assert.AreEqual(ComputeDevice.Auto, auto.ScoringDevice);
        var keyed = new TransformerChain<ITransformer>(model.Take(2).ToArray()).Transform(test);
        var expected = TestData.Scores(mlp.Transform(keyed)).SelectMany(r => r).ToArray();
        var actual = TestData.Scores(auto.Transform(keyed)).SelectMany(r => r).ToArray();
        CollectionAssert.AreEqual(expected, actual);
        auto.Dispose();
        Assert.HasCount(expected.Length, TestData.Scores(mlp.Transform(keyed)).SelectMany(r => r).ToArray(), "disposing the copy leaves the original scoring");
    }

    [TestMethod]
    public void WithDevice_RejectsAnUnknownDevice()
    {
        var (ml, train, _) = Wine();
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Fit(ml, train, ComputeDevice.Cpu).Mlp.WithDevice((ComputeDevice)7));
        StringAssert.Contains(error.Message, "Parameter 'device' must be Cpu, Cuda or Auto; received 7.");
    }

    [TestMethod]
    public void ScoringDeviceOption_RejectsAnUnknownDevice()
    {
        var (ml, train, _) = Wine();
        var error = Assert.Throws<ArgumentException>(() => Fit(ml, train, ComputeDevice.Cpu, (ComputeDevice)7));
        StringAssert.Contains(error.Message, "ScoringDevice");
    }

    [TestMethod]
    public void CudaScoringWithoutABackend_FailsNamingThePackagesAndThePyTorchHelper()
    {
        TorchSharpRuntimeLoaded();
        if (TorchSharp.torch.cuda.is_available()) Assert.Inconclusive("A CUDA backend is present.");
        var (ml, train, test) = Wine();
        var (model, mlp) = Fit(ml, train, ComputeDevice.Cpu);
        var keyed = new TransformerChain<ITransformer>(model.Take(2).ToArray()).Transform(test);

        var error = Assert.Throws<Exception>(() => TestData.Scores(mlp.WithDevice(ComputeDevice.Cuda).Transform(keyed)));

        var cause = TestData.Find<InvalidOperationException>(error);
        StringAssert.Contains(cause.Message, "TorchSharp-cuda-linux");
        StringAssert.Contains(cause.Message, "TorchSharp-cuda-windows");
        StringAssert.Contains(cause.Message, "PyTorchBackend.Load(torchLibDirectory)");
    }

    [TestMethod]
    public void LoadedModel_ScoresWhereItWasTrained_FallingBackToTheCpu()
    {
        var (ml, train, test) = Wine();
        foreach (var (device, expected) in new[] { (ComputeDevice.Cpu, ComputeDevice.Cpu), (ComputeDevice.Auto, ComputeDevice.Auto) })
        {
            var (model, _) = Fit(ml, train, device);
            using var stream = new MemoryStream();
            ml.Model.Save(model, train.Schema, stream);
            stream.Position = 0;
            var loaded = (TransformerChain<ITransformer>)new MLContext(seed: 2).Model.Load(stream, out _);
            var mlp = loaded.OfType<TorchNetworkTransformer>().Single();
            Assert.AreEqual(expected, mlp.ScoringDevice, $"trained on {device}");
            CollectionAssert.AreEqual(
                TestData.Scores(model.Transform(test)).SelectMany(r => r).ToArray(),
                TestData.Scores(loaded.Transform(test)).SelectMany(r => r).ToArray());
        }
    }

    private static void TorchSharpRuntimeLoaded() => global::MLNet.LrSchedules.Trainers.Native.TorchSharpRuntime.EnsureLoaded();
}
