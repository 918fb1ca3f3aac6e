using BenchmarkDotNet.Attributes;
using MLNet.LrSchedules.Trainers.Native;
using TorchSharp;
using static TorchSharp.torch.optim;

namespace MLNet.LrSchedules.Benchmarks;

/// <summary>
/// One training step's scheduling work, ours against TorchSharp's <c>torch.optim.lr_scheduler</c> on a one-parameter
/// SGD optimizer: TorchSharp's <c>scheduler.step()</c> (which updates the optimizer's learning rate) against
/// <c>LrScheduler.Advance()</c> plus reading <c>LearningRate</c> and setting it on the same optimizer.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public class TorchSharpComparisonBenchmarks
{
    // TorchSharp scheduler → the sample (SampleSchedules label) configured the same way.
    public static IEnumerable<string> Schedulers =>
        new[] { "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "OneCycleLR", "LinearLR", "PolynomialLR" }
            .Where(name => SampleSchedules.Find(name) is not null);

    // TorchSharp's OneCycleLR throws once stepped past total_steps, and a benchmark steps it many millions of times.
    private const int OneCycleTotalSteps = int.MaxValue;

    [ParamsSource(nameof(Schedulers))]
    public string Scheduler { get; set; } = "";

    private TorchSharp.Modules.Parameter _parameter = null!;
    private Optimizer _optimizer = null!;
    private lr_scheduler.LRScheduler _torchScheduler = null!;
    private ILearningRateController _group = null!;
    private LrScheduler _ours = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpRuntime.EnsureLoaded();
        _parameter = new TorchSharp.Modules.Parameter(torch.zeros(1));
        _optimizer = SGD([_parameter], 0.1);
        _group = _optimizer.ParamGroups.First();
        _torchScheduler = Scheduler switch
        {
            "StepLR" => lr_scheduler.StepLR(_optimizer, 1000, 0.5),
            "MultiStepLR" => lr_scheduler.MultiStepLR(_optimizer, [1000, 5000, 20_000, 300_000], 0.5),
            "ExponentialLR" => lr_scheduler.ExponentialLR(_optimizer, 0.99999),
            "CosineAnnealingLR" => lr_scheduler.CosineAnnealingLR(_optimizer, 10_000, 1e-5),
            "OneCycleLR" => lr_scheduler.OneCycleLR(_optimizer, 0.1, total_steps: OneCycleTotalSteps),
            "LinearLR" => lr_scheduler.LinearLR(_optimizer, 0.25, 1.0, 10_000),
            "PolynomialLR" => lr_scheduler.PolynomialLR(_optimizer, 10_000, 2.0),
            _ => throw new ArgumentException($"No TorchSharp scheduler mapped for '{Scheduler}'."),
        };
        var ours = Scheduler == "OneCycleLR"
            ? SampleSchedules.Create("OneCycleLR", ("max_lr", 0.1), ("total_steps", (long)OneCycleTotalSteps))
            : SampleSchedules.Find(Scheduler)!.Schedule;
        _ours = new LrScheduler(ours, 0.1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _optimizer.Dispose();
        _parameter.Dispose();
    }

    [Benchmark(Baseline = true)]
    public double TorchSharpStep()
    {
        _torchScheduler.step();
        return _group.LearningRate;
    }

    [Benchmark]
    public double OursStep()
    {
        _ours.Advance();
        double lr = _ours.LearningRate;
        _group.LearningRate = lr;
        return lr;
    }
}
