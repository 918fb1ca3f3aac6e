using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MLNet.LrSchedules.Benchmarks.Quality;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Trainers.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Benchmarks.Training;

/// <summary>
/// <c>-- overhead-quick [repeats] [--epochs 4]</c>: the runs of <see cref="TrainerOverheadBenchmarks"/> (1 epoch and
/// <c>--epochs</c> epochs, hand-written loop and trainer) alternated in one process and timed with a stopwatch (medians of
/// wall and process CPU time), with the breakdown of the trainer's Fit: the epochs as the trainer times them
/// (<see cref="EpochRecord.WallTime"/>: steps, end-of-epoch bookkeeping) and everything else (reading and checking the
/// IDataView, building the network, checkpoints of the start, the transformer).
/// </summary>
internal static class QuickOverhead
{
    public static int Run(string[] args)
    {
        int repeats = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        int epochs = Quality.CommandLine.Option(args, "--epochs", 4);
        Console.WriteLine($"# overhead-quick {repeats} --epochs {epochs}; {Machine.Description}; load average at start {Machine.LoadAverage()}");
        TorchSharpRuntime.EnsureLoaded();
        torch.set_num_threads(TrainerOverheadBenchmarks.Threads);
        var train = Mnist.Load().Split().Train;
        var ml = new MLContext(seed: 1);
        var data = train.ToDataView(ml);
        _ = data.Preview(1);
        using var features = train.FeatureTensor();
        using var labels = train.LabelTensor();
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

        var runs = new Dictionary<string, List<(double Wall, double Cpu)>>();
        var epochWalls = new Dictionary<int, List<double>>();
        void Add(string name, (double, double) time) => (runs.TryGetValue(name, out var list) ? list : runs[name] = []).Add(time);
        int seed = 0;
        for (int i = 0; i <= repeats; i++)
        {
            foreach (int n in new[] { 1, epochs })
            {
                var h = Time(() => TrainerOverheadBenchmarks.HandWrittenRun(features, labels, ++seed, n));
                TorchNetworkTransformer? model = null;
                var t = Time(() => model = TrainerOverheadBenchmarks.TrainerRun(ml, data, n));
                if (i == 0) continue; // warm-up: JIT, first allocations
                Add($"hand {n}", h);
                Add($"trainer {n}", t);
                double epochsWall = model!.Model.History.Epochs.Sum(e => e.WallTime.TotalMilliseconds);
                (epochWalls.TryGetValue(n, out var list) ? list : epochWalls[n] = []).Add(t.Wall - epochsWall);
                Add($"trainer {n} epochs only", (epochsWall, double.NaN));
            }
        }

        string List(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)));
        Console.WriteLine("| run | median wall (ms) | median process CPU (ms) | walls (ms) |");
        Console.WriteLine("|---|---:|---:|---|");
        foreach (var (name, list) in runs.Where(r => !r.Key.EndsWith("only", StringComparison.Ordinal)))
            Console.WriteLine($"| {name} epoch{(name.EndsWith(" 1", StringComparison.Ordinal) ? "" : "s")} | {Timings.Median(list.Select(x => x.Wall)):F0} | {Timings.Median(list.Select(x => x.Cpu)):F0} | {List(list.Select(x => x.Wall))} |");
        double M(string name, Func<(double Wall, double Cpu), double> pick) => Timings.Median(runs[name].Select(pick));
        Console.WriteLine();
        Console.WriteLine($"Fit of 1 epoch / hand-written 1 epoch: wall {M("trainer 1", x => x.Wall) / M("hand 1", x => x.Wall):F3}, CPU {M("trainer 1", x => x.Cpu) / M("hand 1", x => x.Cpu):F3}");
        Console.WriteLine($"Fit of {epochs} epochs / hand-written {epochs} epochs: wall {M($"trainer {epochs}", x => x.Wall) / M($"hand {epochs}", x => x.Wall):F3}, CPU {M($"trainer {epochs}", x => x.Cpu) / M($"hand {epochs}", x => x.Cpu):F3}");
        double handEpoch = (M($"hand {epochs}", x => x.Wall) - M("hand 1", x => x.Wall)) / (epochs - 1);
        double trainerEpoch = (M($"trainer {epochs}", x => x.Wall) - M("trainer 1", x => x.Wall)) / (epochs - 1);
        double handEpochCpu = (M($"hand {epochs}", x => x.Cpu) - M("hand 1", x => x.Cpu)) / (epochs - 1);
        double trainerEpochCpu = (M($"trainer {epochs}", x => x.Cpu) - M("trainer 1", x => x.Cpu)) / (epochs - 1);
        Console.WriteLine($"Each further epoch ({epochs} − 1 epochs, / {epochs - 1}): hand-written {handEpoch:F0} ms wall / {handEpochCpu:F0} ms CPU, trainer {trainerEpoch:F0} ms wall / {trainerEpochCpu:F0} ms CPU: ratio wall {trainerEpoch / handEpoch:F3}, CPU {trainerEpochCpu / handEpochCpu:F3}");
        Console.WriteLine($"Breakdown of the trainer's Fit (medians, wall): epochs as timed by the trainer {M("trainer 1 epochs only", x => x.Wall):F0} ms of 1 epoch, "
                          + $"{M($"trainer {epochs} epochs only", x => x.Wall):F0} ms of {epochs}; the rest of Fit (reading the IDataView, building the network and optimizer, the start's checkpoint, the transformer) "
                          + $"{Timings.Median(epochWalls[1]):F0} ms (1 epoch) and {Timings.Median(epochWalls[epochs]):F0} ms ({epochs} epochs)");
        Console.WriteLine($"# load average at the end: {Machine.LoadAverage()}");
        return 0;
    }
}
