using MLNet.LrSchedules.Trainers.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers.Tests.Native;

[TestClass]
public sealed class TorchSharpRuntimeTests
{
    [TestMethod]
    public void TorchSharpInitialisesAndComputes()
    {
        TorchSharpRuntime.EnsureLoaded();
        TorchSharpRuntime.EnsureLoaded(); // a second call is a no-op

        using var values = tensor(new[] { 1.0, 2.0, 3.0 }, dtype: ScalarType.Float64);
        Assert.AreEqual(6.0, values.sum().item<double>(), 1e-12);

        using var layer = nn.Linear(2, 1, dtype: ScalarType.Float64);
        using (no_grad())
        {
            layer.weight!.copy_(tensor(new[,] { { 0.5, -1.0 } }, dtype: ScalarType.Float64));
            layer.bias!.copy_(tensor(new[] { 0.25 }, dtype: ScalarType.Float64));
        }
        using var input = tensor(new[,] { { 2.0, 1.0 } }, dtype: ScalarType.Float64);
        using var output = layer.forward(input);
        Assert.AreEqual(0.25, output.item<double>(), 1e-12); // 0.5·2 − 1·1 + 0.25

        // d(output)/dw = input, d(output)/db = 1; one SGD step with lr 0.1 moves w by −0.1·input and b by −0.1.
        using var optimizer = optim.SGD(layer.parameters(), 0.1);
        optimizer.zero_grad();
        output.sum().backward();
        optimizer.step();
        var weight = layer.weight!.data<double>().ToArray();
        Assert.AreEqual(0.3, weight[0], 1e-12);
        Assert.AreEqual(-1.1, weight[1], 1e-12);
        Assert.AreEqual(0.15, layer.bias!.item<double>(), 1e-12);
    }
}
