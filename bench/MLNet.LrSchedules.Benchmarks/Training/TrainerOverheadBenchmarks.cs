using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.ML;
using MLNet.LrSchedules.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Benchmarks.Training;

/// <summary>
/// One epoch on MNIST's 8,000 training rows: the ML.NET trainer (<c>mlContext.MulticlassClassification.Trainers.TorchMlp</c>
/// on a cached in-memory IDataView) against a hand-written TorchSharp loop over the same data already in one tensor:
/// same network (784 → 128 ReLU → 10), batch size 32, AdamW at 1e-3, shuffled each epoch, one torch thread for both.
/// The trainer's time includes everything <c>Fit</c> does: reading and checking the IDataView, building the network,
/// the per-step bookkeeping (schedule, history), the end-of-epoch checkpoint and the transformer.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class TrainerOverheadBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // Training epochs take about a second: a few measured runs, in process (no generated project to build).
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(7).WithId("epoch"));
        }
    }

    public const int BatchSize = 32;
    public const int Hidden = 128;
    public const double LearningRate = 1e-3;
    public const int Threads = 1;

    private OverheadData _mnist = null!;
    private int _epoch;

    [GlobalSetup]
    public void Setup() => _mnist = OverheadData.Load(Threads);

    [GlobalCleanup]
    public void Cleanup() => _mnist.Dispose();

    /// <summary>Epochs per run: with 1, a run is dominated by what Fit does once (reading the data, building the network); the
    /// difference between the two sizes is the cost of the epochs themselves.</summary>
    [Params(1, 4)]
    public int Epochs { get; set; }

    [Benchmark(Baseline = true, Description = "hand-written TorchSharp loop")]
    public float HandWritten() => HandWrittenRun(_mnist.Features, _mnist.Labels, seed: ++_epoch, Epochs);

    [Benchmark(Description = "ML.NET TorchMlp trainer (Fit)")]
    public object Trainer() => TrainerRun(_mnist.Ml, _mnist.Data, Epochs);

    public static TorchNetworkTransformer TrainerRun(MLContext ml, IDataView data, int epochs) =>
        ml.MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions
        {
            Epochs = epochs, BatchSize = BatchSize, HiddenLayers = [Hidden], LearningRate = LearningRate, Optimizer = OptimizerKind.AdamW, Seed = 1, NumberOfThreads = Threads,
        }).Fit(data);

    public static float HandWrittenRun(Tensor features, Tensor labels, int seed, int epochs)
    {
        torch.manual_seed(seed);
        using var model = nn.Sequential(("hidden", nn.Linear(Mnist.Features, Hidden)), ("relu", nn.ReLU()), ("output", nn.Linear(Hidden, 10)));
        return HandWrittenLoop(model, features, labels, epochs, BatchSize, LearningRate, weightDecay: 0);
    }

    /// <summary>
    /// What a user would write by hand: the data in one tensor, a shuffled index per epoch, a slice per batch, AdamW; returns the
    /// last loss. The loss is cross-entropy unless <paramref name="loss"/> (output, labels) is given.
    /// </summary>
    public static float HandWrittenLoop(nn.Module<Tensor, Tensor> model, Tensor features, Tensor labels, int epochs, int batchSize, double learningRate, double weightDecay,
        Func<Tensor, Tensor, Tensor>? loss = null)
    {
        loss ??= (output, target) => nn.functional.cross_entropy(output, target);
        using var optimizer = optim.AdamW(model.parameters(), learningRate, weight_decay: weightDecay);
        long rows = features.shape[0];
        float last = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            using var order = randperm(rows);
            for (long start = 0; start < rows; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var index = order.slice(0, start, Math.Min(start + batchSize, rows), 1);
                var x = features.index_select(0, index);
                var y = labels.index_select(0, index);
                optimizer.zero_grad();
                var value = loss(model.forward(x), y);
                value.backward();
                optimizer.step();
                last = value.item<float>();
            }
        }
        return last;
    }
}
