using Microsoft.ML;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

/// <summary>The arguments of <see cref="ResidualBlock"/>: what a spec's <c>module(residual, {"channels": 8})</c> holds.</summary>
public sealed record ResidualArgs(int Channels);

/// <summary>A user-written residual block (He et al. 2016): relu(x + bn(conv(relu(bn(conv(x)))))), channels and size kept.</summary>
public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;

    public ResidualBlock(ResidualArgs args) : base(nameof(ResidualBlock))
    {
        conv1 = nn.Conv2d(args.Channels, args.Channels, 3, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(args.Channels);
        conv2 = nn.Conv2d(args.Channels, args.Channels, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(args.Channels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = nn.functional.relu(bn1.forward(conv1.forward(input)));
        x = bn2.forward(conv2.forward(x));
        return nn.functional.relu(x.add(input));
    }
}

/// <summary>Your own TorchSharp module, registered under a name, trained with a schedule in an ML.NET pipeline, saved and loaded.</summary>
[TestClass]
public sealed class CustomModuleTests
{
    public TestContext TestContext { get; set; } = null!;

    private const string Name = "residual";
    private const string Spec = "reshape(1, 8, 8) >> conv2d(8, kernel=3, padding=1) >> relu >> module(residual, {\"channels\": 8}) >> maxpool2d(2) >> flatten";

    private static void Register() => TorchModules.Register(Name, (ResidualArgs a) => new ResidualBlock(a));

    private static TorchNetworkMulticlassOptions Options() => new()
    {
        Network = NetworkSpec.Parse(Spec),
        Schedule = LrSchedule.Parse("one_cycle(max_lr=0.01)"),
        Epochs = 3,
        BatchSize = 64,
        Seed = 1,
    };

    [TestMethod]
    public void ResidualBlock_TrainsWithASchedule_SavesLoadsScores_AndResumesExactly()
    {
        Register();
        var ml = new MLContext(1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var prep = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features")).Fit(train);
        var prepared = ml.Data.Cache(prep.Transform(train));
        var model = prep.Append(ml.MulticlassClassification.Trainers.TorchNetwork(Options()).Fit(prepared));

        var scored = model.Transform(test);
        var accuracy = ml.MulticlassClassification.Evaluate(scored).MicroAccuracy;
        TestContext.WriteLine($"digits, residual CNN: micro accuracy {accuracy:F4}");
        Assert.IsGreaterThan(0.9, accuracy, $"micro accuracy {accuracy}");
        var torch = model.LastTransformer;
        Assert.AreEqual(3, torch.Model.History.Epochs.Count);
        Assert.AreEqual(torch.Model.StepsCompleted, torch.Model.History.Steps.Count);
        Assert.IsTrue(torch.Model.History.Steps.Select(s => s.LearningRate).Distinct().Count() > 10, "the rate followed the one-cycle schedule");

        string path = TestData.TempPath("residual.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, train.Schema, path);
        var info = TorchModelInfo.Read(path);
        Assert.AreEqual(new ModuleLayer(Name, System.Text.Json.JsonDocument.Parse("{\"channels\": 8}").RootElement), info.Network.Layers[3]);
        var loaded = new MLContext().Model.Load(path, out _);
        var some = ml.Data.TakeRows(test, 100);
        CollectionAssert.AreEqual(TestData.Scores(model.Transform(some)).SelectMany(s => s).ToArray(),
            TestData.Scores(loaded.Transform(some)).SelectMany(s => s).ToArray(), "identical scores after loading");

        // The same run interrupted after epoch 2 and resumed from its checkpoint file ends with the same weights.
        string checkpointPath = TestData.TempPath("residual-checkpoint.zip");
        var interruptedContext = new MLContext(1);
        var interrupted = Options();
        interrupted.CheckpointEveryEpochs = 1;
        interrupted.CheckpointPath = checkpointPath;
        TestData.CanceledAtEpoch(interrupted, 3);
        Assert.Throws<OperationCanceledException>(() => interruptedContext.MulticlassClassification.Trainers.TorchNetwork(interrupted).Fit(prepared));
        var checkpoint = (TorchNetworkTransformer)new MLContext().Model.Load(checkpointPath, out _);
        var resumed = new MLContext(1).MulticlassClassification.Trainers.TorchNetwork(Options()).Resume(prepared, checkpoint);
        CollectionAssert.AreEqual(torch.Model.Result.Weights, resumed.Model.Result.Weights, "bit-identical weights, the block's batch-norm statistics included");

        File.Delete(path);
        File.Delete(checkpointPath);
    }

    [TestMethod]
    public void WithoutTheRegistration_LoadingAndResumingFail_NamingWhatToRegister()
    {
        Register();
        var ml = new MLContext(1);
        var (train, _) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var prepared = ml.Data.Cache(ml.Transforms.Conversion.MapValueToKey("Label").Fit(train).Transform(train));
        // A run of 2 epochs stopped during the second: its checkpoint file can be resumed.
        string path = TestData.TempPath("residual-unregistered.zip");
        var context = new MLContext(1);
        var options = Options();
        options.Epochs = 2;
        options.CheckpointEveryEpochs = 1;
        options.CheckpointPath = path;
        TestData.CanceledAtEpoch(options, 2);
        Assert.Throws<OperationCanceledException>(() => context.MulticlassClassification.Trainers.TorchNetwork(options).Fit(prepared));
        var checkpoint = (TorchNetworkTransformer)new MLContext().Model.Load(path, out _);

        Assert.IsTrue(TorchModules.Unregister(Name));
        try
        {
            const string Expected = "needs a module registered under the name 'residual' (layer 3: 'module(residual, {\"channels\":8})'), and none is. "
                + "Call TorchModules.Register(\"residual\", (YourArgs args) => new YourModule(...)) first, with the factory that built it";
            var load = Assert.Throws<Exception>(() => new MLContext().Model.Load(path, out _));
            StringAssert.StartsWith(TestData.Find<InvalidOperationException>(load).Message, "Loading this model " + Expected);
            Assert.AreEqual(Name, TorchModelInfo.Read(path).Network.Layers.OfType<ModuleLayer>().Single().Name, "the metadata reads without it");

            var resume = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.TorchNetwork(Options()).Resume(prepared, checkpoint));
            StringAssert.StartsWith(resume.Message, "Resuming this run " + Expected);
            var fit = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.TorchNetwork(Options()).Fit(prepared));
            StringAssert.StartsWith(fit.Message, "Training this network " + Expected);
        }
        finally
        {
            Register();
        }
        Assert.IsNotNull(new MLContext().Model.Load(path, out _), "loads again once registered");
        File.Delete(path);
    }
}
