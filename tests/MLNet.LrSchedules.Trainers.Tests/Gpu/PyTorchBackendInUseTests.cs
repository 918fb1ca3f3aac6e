using MLNet.LrSchedules.Trainers.Native;
using MLNet.LrSchedules.Trainers.Tests.Engine;

namespace MLNet.LrSchedules.Trainers.Tests.Gpu;

/// <summary>With LRSCHED_TORCH_LIB set, TorchSharp runs on that libtorch and on nothing else (on any machine, GPU or not).</summary>
[TestClass]
public sealed class PyTorchBackendInUseTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [RequiresPyTorchBackend]
    public void TheLoadedLibtorchIsTheOnlyOneMapped_AndTrains()
    {
        var report = GpuTestEnvironment.Backend;
        Assert.IsNotNull(report);
        TestContext.WriteLine(report.ToString());
        Assert.IsTrue(report.IsLoaded, report.ToString());
        Assert.AreSame(report, PyTorchBackend.Current);

        // /proc/self/maps lists every mapped file: libtorch_cpu.so must come from the PyTorch folder only.
        string expected = Path.GetFullPath(new FileInfo(Path.Combine(GpuTestEnvironment.TorchLibDirectory!, "libtorch_cpu.so")).ResolveLinkTarget(true)?.FullName
            ?? Path.Combine(GpuTestEnvironment.TorchLibDirectory!, "libtorch_cpu.so"));
        var mapped = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length >= 6 && parts[5].EndsWith("/libtorch_cpu.so", StringComparison.Ordinal))
            .Select(parts => parts[5]).Distinct().ToArray();
        TestContext.WriteLine($"libtorch_cpu.so mapped from: {string.Join(", ", mapped)}");
        CollectionAssert.AreEqual(new[] { expected }, mapped);

        var data = EngineData.Load("digits");
        using var engine = new TrainingEngine(EngineTestKit.Settings(TrainingTask.MulticlassClassification, EngineTestKit.Digits(), epochs: 3, learningRate: 3e-3, device: ComputeDevice.Auto));
        var result = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);
        var accuracy = EngineTestKit.Accuracy(EngineTestKit.Score(result, TrainingTask.MulticlassClassification, data.TestFeatures, data.TestRows), data.TestLabels, 10);
        TestContext.WriteLine($"device {engine.DeviceName}, digits test accuracy {accuracy:F4}");
        Assert.IsGreaterThan(0.9, accuracy);
    }
}
