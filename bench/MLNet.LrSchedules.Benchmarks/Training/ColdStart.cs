using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Benchmarks.Quality;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Benchmarks.Training;

/// <summary>
/// <c>-- cold-start [--runs 7] [--epochs 1] [--jobs hand,trainer] [--env NAME=VALUE,...]</c>: the first training run of a fresh
/// process, as a CLI run or a retraining job does it — the hand-written loop of <see cref="TrainerOverheadBenchmarks"/> against
/// the trainer's first <c>Fit</c>, each in its own process, alternated run by run, with the load average beside each. Both
/// processes first read MNIST's 8,000 training rows into arrays; the trainer's process also wraps them in a cached IDataView
/// and fills the cache (the data as a pipeline hands it to its trainer). That is "data". Then the timed first run: the
/// hand-written loop builds its two tensors and trains; the trainer fits. Everything a first run pays is inside: loading
/// libtorch, JIT compilation, first allocations. The whole process (start to exit, as the parent sees it) is reported too.
/// Jobs: <c>hand</c>, <c>trainer</c>, <c>trainer-nowarm</c> (the library's first-Fit warm-up switched off), <c>hand-phases</c>
/// (one hand-written run that prints its JIT compilation, to stderr) and <c>phases</c>
/// (one trainer run that prints where its first Fit's time goes, to stderr).
/// </summary>
internal static class ColdStart
{
    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "--child") return Child(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
        var line = new Quality.CommandLine("cold-start", args, "--runs", "--epochs", "--env", "--jobs");
        // --env NAME=VALUE,...: runtime settings for both children (DOTNET_TieredPGO=0, DOTNET_TieredCompilation=0, ...).
        var environment = line.List("--env", []).Select(pair => pair.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "");
        var jobs = line.List("--jobs", ["hand", "trainer"]);
        int runs = line.Int("--runs", 7);
        int epochs = line.Int("--epochs", 1);
        Console.WriteLine($"# {line.Echo}");
        Console.WriteLine($"# {Machine.Description}; .NET {Environment.Version}; child environment: {(environment.Count == 0 ? "as this process" : string.Join(", ", environment.Select(e => $"{e.Key}={e.Value}")))}");
        Console.WriteLine("| run | job | load (1 min) | data (ms) | first run (ms) | whole process (ms) |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|");
        var results = new List<(string Job, double First, double Whole)>();
        for (int r = 1; r <= runs; r++)
        {
            // Alternated, and which goes first swaps every run.
            foreach (string job in r % 2 == 1 ? jobs : jobs.Reverse())
            {
                double load = Machine.Load1();
                var start = ChildProcess.Start("cold-start", "--child", job, epochs.ToString(CultureInfo.InvariantCulture));
                foreach (var (name, value) in environment) start.Environment[name] = value;
                var clock = Stopwatch.StartNew();
                using var child = Process.Start(start)!;
                string output = child.StandardOutput.ReadToEnd().Trim();
                child.WaitForExit();
                double whole = clock.Elapsed.TotalMilliseconds;
                var parts = output.Split(' ');
                if (child.ExitCode != 0 || parts.Length != 2)
                    throw new InvalidOperationException($"cold-start: the {job} child failed (exit {child.ExitCode}): {output}");
                double data = double.Parse(parts[0], CultureInfo.InvariantCulture), first = double.Parse(parts[1], CultureInfo.InvariantCulture);
                results.Add((job, first, whole));
                Console.WriteLine($"| {r} | {job} | {load:F2} | {data:F0} | {first:F0} | {whole:F0} |");
            }
        }
        double M(string job, Func<(string Job, double First, double Whole), double> pick) => Timings.Median(results.Where(x => x.Job == job).Select(pick));
        // Ratios need the hand-written loop's runs (a "--jobs phases" run alone has none to compare with).
        var compared = jobs.Contains("hand") ? jobs.Where(j => j != "hand").ToList() : [];
        if (compared.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("| | hand-written loop (median) | trainer Fit (median) | ratio |");
            Console.WriteLine("|---|---:|---:|---:|");
        }
        foreach (string job in compared)
        {
            Console.WriteLine($"| first run (ms), {job} | {M("hand", x => x.First):F0} | {M(job, x => x.First):F0} | {M(job, x => x.First) / M("hand", x => x.First):F3} |");
            Console.WriteLine($"| whole process (ms), {job} | {M("hand", x => x.Whole):F0} | {M(job, x => x.Whole):F0} | {M(job, x => x.Whole) / M("hand", x => x.Whole):F3} |");
        }
        Console.WriteLine($"# load average at the end: {Machine.LoadAverage()}");
        return 0;
    }

    private static int Child(string job, int epochs)
    {
        bool phases = job is "phases" or "hand-phases";
        bool hand = job is "hand" or "hand-phases";
        var clock = Stopwatch.StartNew();
        var phase = Stopwatch.StartNew();
        void Mark(string name)
        {
            if (phases) Console.Error.WriteLine($"  {name}: {phase.Elapsed.TotalMilliseconds:F0} ms");
            phase.Restart();
        }
        var train = Mnist.Load().Split().Train;
        MLContext? ml = null;
        IDataView? view = null;
        if (!hand)
        {
            // The trainer's data as a pipeline hands it over: a cached IDataView whose rows are in memory (one pass fills the
            // cache, as the pipeline's earlier stages or an explicit Cache checkpoint would have).
            ml = new MLContext(seed: 1);
            view = train.ToDataView(ml);
            using var cursor = view.GetRowCursor(view.Schema);
            var features = cursor.GetGetter<Microsoft.ML.Data.VBuffer<float>>(view.Schema["Features"]);
            var label = cursor.GetGetter<uint>(view.Schema["Label"]);
            Microsoft.ML.Data.VBuffer<float> row = default;
            uint key = 0;
            while (cursor.MoveNext())
            {
                features(ref row);
                label(ref key);
            }
        }
        double data = clock.Elapsed.TotalMilliseconds;
        var jitBefore = System.Runtime.JitInfo.GetCompilationTime(currentThread: true);
        long methodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true);
        clock.Restart();
        phase.Restart();
        if (hand)
        {
            torch.set_num_threads(TrainerOverheadBenchmarks.Threads);
            using var features = train.FeatureTensor();
            using var labels = train.LabelTensor();
            TrainerOverheadBenchmarks.HandWrittenRun(features, labels, seed: 1, epochs);
        }
        else
        {
            // trainer-nowarm: the same Fit without the library's first-Fit warm-up, to measure what it saves.
            if (job == "trainer-nowarm") AppContext.SetSwitch("MLNet.LrSchedules.DisableFirstFitWarmup", true);
            var model = ml!.MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions
            {
                Epochs = epochs, BatchSize = TrainerOverheadBenchmarks.BatchSize, HiddenLayers = [TrainerOverheadBenchmarks.Hidden], LearningRate = TrainerOverheadBenchmarks.LearningRate,
                Optimizer = OptimizerKind.AdamW, Seed = 1, NumberOfThreads = TrainerOverheadBenchmarks.Threads,
                Progress = phases ? new Inline(p => { if (p.Step == 1) Mark("Fit to the end of its first step (libtorch loaded, rows read, network built)"); }) : null,
            }).Fit(view!);
            Mark("the rest of Fit");
            if (phases) Console.Error.WriteLine($"  of which the epochs as the trainer times them: {model.Model.History.Epochs.Sum(e => e.WallTime.TotalMilliseconds):F0} ms");
        }
        double first = clock.Elapsed.TotalMilliseconds;
        if (phases)
            Console.Error.WriteLine($"  JIT: {System.Runtime.JitInfo.GetCompiledMethodCount()} methods in {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:F0} ms (whole process), "
                                    + $"{System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) - methodsBefore} in "
                                    + $"{(System.Runtime.JitInfo.GetCompilationTime(currentThread: true) - jitBefore).TotalMilliseconds:F0} ms on the training thread during the first run");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{data:F1} {first:F1}"));
        return 0;
    }

    private sealed class Inline(Action<MLNet.LrSchedules.Trainers.TrainingProgress> report) : IProgress<MLNet.LrSchedules.Trainers.TrainingProgress>
    {
        public void Report(MLNet.LrSchedules.Trainers.TrainingProgress value) => report(value);
    }
}
