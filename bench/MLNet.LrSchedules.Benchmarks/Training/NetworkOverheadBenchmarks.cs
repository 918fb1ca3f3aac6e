using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using MLNet.LrSchedules.Benchmarks.Quality;
using MLNet.LrSchedules.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Benchmarks.Training;

/// <summary>
/// The spec-network counterpart of <see cref="TrainerOverheadBenchmarks"/>: the main job's CNN (<see cref="CnnSearch.MainJob"/>)
/// trained by <c>mlContext.MulticlassClassification.Trainers.TorchNetwork</c> on a cached in-memory IDataView of MNIST's
/// 8,000 training rows, against a hand-written TorchSharp loop over the same data in one tensor with the same module
/// written out with TorchSharp's own layers (<c>Unflatten</c>, <c>Conv2d</c>, <c>ReLU</c>, <c>MaxPool2d</c>,
/// <c>BatchNorm2d</c>, <c>Flatten</c>, <c>Linear</c>): batch 128, AdamW at 1e-3 with weight decay 1e-2, shuffled each
/// epoch, one torch thread for both. The trainer's time includes everything <c>Fit</c> does.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class NetworkOverheadBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5).WithId("cnn-epoch"));
        }
    }

    private const int BatchSize = 128;
    private const double LearningRate = 1e-3;
    private const double WeightDecay = 1e-2;

    private OverheadData _mnist = null!;
    private int _seed;

    /// <summary>Epochs per run; the difference between the two sizes is the cost of the epochs themselves.</summary>
    [Params(1, 3)]
    public int Epochs { get; set; }

    [GlobalSetup]
    public void Setup() => _mnist = OverheadData.Load(TrainerOverheadBenchmarks.Threads);

    [GlobalCleanup]
    public void Cleanup() => _mnist.Dispose();

    [Benchmark(Baseline = true, Description = "hand-written TorchSharp loop (same CNN)")]
    public float HandWritten() => HandWrittenRun(_mnist.Features, _mnist.Labels, ++_seed, Epochs);

    [Benchmark(Description = "ML.NET TorchNetwork trainer (Fit)")]
    public object Trainer() => _mnist.Ml.MulticlassClassification.Trainers.TorchNetwork(new TorchNetworkMulticlassOptions
    {
        Network = NetworkSpec.Parse(CnnSearch.MainJob.Network!),
        Epochs = Epochs, BatchSize = BatchSize, LearningRate = LearningRate, WeightDecay = WeightDecay, Optimizer = OptimizerKind.AdamW,
        Seed = 1, NumberOfThreads = TrainerOverheadBenchmarks.Threads,
    }).Fit(_mnist.Data);

    /// <summary>The main job's CNN as a user would write it with TorchSharp's layers.</summary>
    private static nn.Module<Tensor, Tensor> Cnn() => nn.Sequential(
        ("reshape", nn.Unflatten(1, [1, 28, 28])),
        ("conv1", nn.Conv2d(1, 12, 5)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)), ("norm1", nn.BatchNorm2d(12)),
        ("conv2", nn.Conv2d(12, 24, 5)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)), ("norm2", nn.BatchNorm2d(24)),
        ("flatten", nn.Flatten()), ("hidden", nn.Linear(24 * 4 * 4, 64)), ("relu3", nn.ReLU()), ("output", nn.Linear(64, 10)));

    private static float HandWrittenRun(Tensor features, Tensor labels, int seed, int epochs)
    {
        torch.manual_seed(seed);
        using var model = Cnn();
        return TrainerOverheadBenchmarks.HandWrittenLoop(model, features, labels, epochs, BatchSize, LearningRate, WeightDecay);
    }
}
