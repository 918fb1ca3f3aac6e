using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers.Tests.Networks;

/// <summary>The registry of modules of your own.</summary>
[TestClass]
public sealed class TorchModulesTests
{
    public sealed record WidthArgs(int Width);

    [TestMethod]
    public void Register_Replaces_IsListed_AndUnregisters()
    {
        const string name = "test-registry.block";
        TorchModules.Register(name, (WidthArgs a) => nn.Linear(a.Width, a.Width));
        try
        {
            Assert.IsTrue(TorchModules.IsRegistered(name));
            CollectionAssert.Contains(TorchModules.Names.ToArray(), name);
            CollectionAssert.AreEqual(TorchModules.Names.Order(StringComparer.Ordinal).ToArray(), TorchModules.Names.ToArray(), "sorted");

            // Registering again replaces the factory: the network is built by the new one.
            TorchModules.Register(name, (WidthArgs a) => nn.Sequential(nn.Linear(a.Width, a.Width), nn.Linear(a.Width, 2)));
            var spec = new NetworkSpec([NetworkLayer.Module(name, new WidthArgs(4))]).Resolve(4, 3);
            Assert.AreEqual("input(4) >> module(test-registry.block, {\"width\":4}) >> linear(3)", spec.ToString());
            using var network = new SequentialNetwork(spec, 1);
            CollectionAssert.AreEqual(new long[] { 3, 2 }, network.state_dict()["1.weight"].shape, "the head takes the 2 outputs of the new factory's module");
        }
        finally
        {
            Assert.IsTrue(TorchModules.Unregister(name));
        }
        Assert.IsFalse(TorchModules.IsRegistered(name));
        Assert.IsFalse(TorchModules.Unregister(name));
    }

    [TestMethod]
    public void Register_RejectsBadNamesAndNullFactories()
    {
        var name = Assert.ThrowsExactly<ArgumentException>(() => TorchModules.Register("my block", () => nn.ReLU()));
        StringAssert.StartsWith(name.Message, "Parameter 'name' must be a module name of letters, digits, '_', '-' and '.' starting with a letter (at most 128 characters); received 'my block'.");
        var factory = Assert.ThrowsExactly<ArgumentNullException>(() => TorchModules.Register<WidthArgs>("ok", null!));
        StringAssert.StartsWith(factory.Message, "Parameter 'factory' must not be null.");
    }

    [TestMethod]
    public void AFactoryThatNeedsArguments_SaysWhichWhenTheyAreMissing()
    {
        const string name = "test-needs-args";
        TorchModules.Register(name, (WidthArgs a) => nn.Linear(a.Width, a.Width));
        try
        {
            var spec = new NetworkSpec([NetworkLayer.Module(name)]).Resolve(4, 2);
            var error = Assert.ThrowsExactly<ArgumentException>(() => new SequentialNetwork(spec, 1));
            Assert.AreEqual("Layer 0 'module(test-needs-args)' of the network needs its arguments, a JSON object for WidthArgs, as in module(test-needs-args, {...}).", error.Message);
        }
        finally
        {
            TorchModules.Unregister(name);
        }
    }

    [TestMethod]
    public void Then_AppendsLayers_AndChecksTheirShapes()
    {
        var spec = NetworkSpec.Parse("reshape(1, 8, 8)").Then(NetworkLayer.Flatten(), NetworkLayer.Linear(4));
        Assert.AreEqual("reshape(1, 8, 8) >> flatten >> linear(4)", spec.ToString());
        var resolved = new NetworkSpec([NetworkLayer.Reshape(1, 8, 8)], inputSize: 64);
        var error = Assert.ThrowsExactly<NetworkShapeException>(() => resolved.Then(NetworkLayer.Linear(4)));
        Assert.AreEqual(1, error.LayerIndex);
    }
}
