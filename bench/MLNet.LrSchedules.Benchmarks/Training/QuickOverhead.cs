using System.Diagnostics;
using Microsoft.ML;
using MLNet.LrSchedules.Trainers.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Benchmarks.Training;

/// <summary>
/// <c>-- overhead-quick [repeats]</c>: the same two epochs as <see cref="TrainerOverheadBenchmarks"/>, alternated and timed
/// with a stopwatch (medians), for profiling without BenchmarkDotNet's run time.
/// </summary>
internal static class QuickOverhead
{
    public static int Run(string[] args)
    {
        int repeats = args.Length > 0 ? int.Parse(args[0]) : 5;
        TorchSharpRuntime.EnsureLoaded();
        torch.set_num_threads(TrainerOverheadBenchmarks.Threads);
        var train = Mnist.Load().Split().Train;
        var ml = new MLContext(seed: 1);
        var data = train.ToDataView(ml);
        _ = data.Preview(1);
        using var features = tensor(train.Pixels, [train.Rows, Mnist.Features]);
        using var labels = tensor(train.Labels.Select(l => (long)l).ToArray());
        var hand = new List<double>();
        var trainer = new List<double>();
        for (int i = 0; i <= repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            TrainerOverheadBenchmarks.HandWrittenEpoch(features, labels, i + 1);
            if (i > 0) hand.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            TrainerOverheadBenchmarks.TrainerEpoch(ml, data);
            if (i > 0) trainer.Add(clock.Elapsed.TotalMilliseconds);
        }
        double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        Console.WriteLine($"hand-written loop: median {Median(hand):F0} ms  [{string.Join(", ", hand.Select(v => v.ToString("F0")))}]");
        Console.WriteLine($"ML.NET trainer:    median {Median(trainer):F0} ms  [{string.Join(", ", trainer.Select(v => v.ToString("F0")))}]");
        Console.WriteLine($"ratio trainer / hand-written: {Median(trainer) / Median(hand):F3}");
        return 0;
    }
}
