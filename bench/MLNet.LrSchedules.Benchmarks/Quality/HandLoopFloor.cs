using System.Diagnostics;
using MLNet.LrSchedules.Benchmarks.Training;
using MLNet.LrSchedules.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Benchmarks.Quality;

/// <summary>
/// What the same training costs with nothing around it: TorchMlp's network (linear layers with ReLU), epochs, batch size, rate
/// and weight decay, trained with AdamW by <see cref="TrainerOverheadBenchmarks.HandWrittenLoop"/> on tensors already built (no
/// data reading, no preprocessing, no checkpoints, no history), one torch thread (what the trainer chooses for these networks).
/// The least any trainer on libtorch's eager mode pays for those optimizer steps: on a few hundred rows it is already more than
/// twice what ML.NET's L-BFGS needs for its whole fit (docs/BENCHMARKS.md, "Small data sets").
/// </summary>
internal static class HandLoopFloor
{
    /// <summary>Wall seconds of building the network and training it on <paramref name="rows"/>; null when the configuration is not an AdamW ReLU perceptron.</summary>
    public static double? Seconds(Dataset data, IReadOnlyList<int> rows, MlpConfig config, int seed)
    {
        var defaults = new TorchMlpMulticlassOptions();
        if (config.Network is not null || (config.Optimizer ?? defaults.Optimizer) != OptimizerKind.AdamW || (config.Activation ?? defaults.Activation) != Activation.Relu)
            return null;
        var hidden = config.Hidden ?? defaults.HiddenLayers;
        int outputs = data.Task == LearningTask.Multiclass ? (int)data.Labels.Max() + 1 : 1;
        var features = new float[rows.Count * data.Columns];
        for (int r = 0; r < rows.Count; r++) data.Features.AsSpan(rows[r] * data.Columns, data.Columns).CopyTo(features.AsSpan(r * data.Columns));
        var labels = rows.Select(r => data.Labels[r]).ToArray();

        int threads = get_num_threads();
        set_num_threads(1);
        try
        {
            using var x = tensor(features).reshape(rows.Count, data.Columns);
            using var y = data.Task == LearningTask.Multiclass ? tensor(labels.Select(l => (long)l).ToArray()) : tensor(labels).reshape(rows.Count, 1);
            Func<Tensor, Tensor, Tensor> loss = data.Task == LearningTask.Multiclass ? (o, t) => nn.functional.cross_entropy(o, t)
                : data.Task == LearningTask.Binary ? (o, t) => nn.functional.binary_cross_entropy_with_logits(o, t)
                : (o, t) => nn.functional.mse_loss(o, t);
            var clock = Stopwatch.StartNew();
            manual_seed(seed);
            var layers = new List<nn.Module<Tensor, Tensor>>();
            int width = data.Columns;
            foreach (int size in hidden)
            {
                layers.Add(nn.Linear(width, size));
                layers.Add(nn.ReLU());
                width = size;
            }
            layers.Add(nn.Linear(width, outputs));
            using var model = nn.Sequential(layers);
            TrainerOverheadBenchmarks.HandWrittenLoop(model, x, y, config.Epochs ?? defaults.Epochs, config.BatchSize ?? defaults.BatchSize,
                config.LearningRate ?? defaults.LearningRate, config.WeightDecay ?? defaults.WeightDecay, loss);
            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            set_num_threads(threads);
        }
    }
}
