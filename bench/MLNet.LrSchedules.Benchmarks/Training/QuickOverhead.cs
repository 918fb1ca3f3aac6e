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
        // Wall time and this process's CPU time: on a shared machine the CPU time (one torch thread) is the steadier measure.
        var hand = new List<(double Wall, double Cpu)>();
        var trainer = new List<(double Wall, double Cpu)>();
        var process = Process.GetCurrentProcess();
        (double Wall, double Cpu) Time(Action action)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            action();
            double wall = clock.Elapsed.TotalMilliseconds;
            process.Refresh();
            return (wall, (process.TotalProcessorTime - cpu).TotalMilliseconds);
        }
        var engineTimes = new List<(double Wall, double Cpu)>();
        var memory = new MLNet.LrSchedules.Trainers.InMemoryBatchSource(train.Pixels, train.Labels.Select(l => (float)l).ToArray(), Mnist.Features);
        var settings = new MLNet.LrSchedules.Trainers.EngineSettings(MLNet.LrSchedules.Trainers.TrainingTask.MulticlassClassification,
            MLNet.LrSchedules.Trainers.NetworkSpec.Mlp([TrainerOverheadBenchmarks.Hidden]).Resolve(Mnist.Features, 10),
            new MLNet.LrSchedules.Trainers.OptimizerSettings(MLNet.LrSchedules.Trainers.OptimizerKind.AdamW), new ConstantSchedule(), TrainerOverheadBenchmarks.LearningRate,
            1, TrainerOverheadBenchmarks.BatchSize, MLNet.LrSchedules.Trainers.ScheduleStepUnit.Step, 1, null, true, MLNet.LrSchedules.Trainers.ComputeDevice.Cpu);
        for (int i = 0; i <= repeats; i++)
        {
            var e = Time(() => { using var engine = new MLNet.LrSchedules.Trainers.TrainingEngine(settings); engine.Train(memory, null, null, null, default); });
            if (i > 0) engineTimes.Add(e);
            var h = Time(() => TrainerOverheadBenchmarks.HandWrittenEpoch(features, labels, i + 1));
            var t = Time(() => TrainerOverheadBenchmarks.TrainerEpoch(ml, data));
            if (i == 0) continue;
            hand.Add(h);
            trainer.Add(t);
        }
        double Median(IEnumerable<double> values) => values.Order().ElementAt(repeats / 2);
        string List(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("F0")));
        Console.WriteLine($"hand-written loop: median wall {Median(hand.Select(h => h.Wall)):F0} ms [{List(hand.Select(h => h.Wall))}], median CPU {Median(hand.Select(h => h.Cpu)):F0} ms [{List(hand.Select(h => h.Cpu))}]");
        Console.WriteLine($"ML.NET trainer:    median wall {Median(trainer.Select(h => h.Wall)):F0} ms [{List(trainer.Select(h => h.Wall))}], median CPU {Median(trainer.Select(h => h.Cpu)):F0} ms [{List(trainer.Select(h => h.Cpu))}]");
        Console.WriteLine($"engine alone:      median wall {Median(engineTimes.Select(h => h.Wall)):F0} ms, median CPU {Median(engineTimes.Select(h => h.Cpu)):F0} ms [{List(engineTimes.Select(h => h.Cpu))}]");
        using (var probe = new MLNet.LrSchedules.Trainers.TrainingEngine(settings))
        {
            probe.GetWeights();
            var w = Time(() => { for (int k = 0; k < 20; k++) probe.GetWeights(); });
            Console.WriteLine($"engine.GetWeights(): {w.Wall / 20:F2} ms wall, {w.Cpu / 20:F2} ms CPU each (a checkpoint capture serializes the weights and the optimizer state)");
        }
        Console.WriteLine($"ratio trainer / hand-written: wall {Median(trainer.Select(h => h.Wall)) / Median(hand.Select(h => h.Wall)):F3}, CPU {Median(trainer.Select(h => h.Cpu)) / Median(hand.Select(h => h.Cpu)):F3}");
        return 0;
    }
}
