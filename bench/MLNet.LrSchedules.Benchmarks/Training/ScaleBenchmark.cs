using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Trainers.Native;

namespace MLNet.LrSchedules.Benchmarks.Training;

/// <summary>
/// <c>dotnet run -c Release --project bench/MLNet.LrSchedules.Benchmarks -- scale [--rows 10000,100000,1000000]
/// [--max-steps 400] [--in-memory-max 100000] [--batch 256]</c>: one epoch of the TorchSharp MLP (784 → 128 ReLU → 10, AdamW,
/// batch 256) on a lazily generated synthetic data set (<see cref="SyntheticDataView"/>), in memory and streamed. Each
/// configuration runs in its own process, so the process's peak working set is its own. An epoch longer than
/// <c>--max-steps</c> steps is stopped there (the options' CancellationToken) and its time extrapolated from the measured step rate.
/// </summary>
internal static class ScaleBenchmark
{
    public static int Run(string[] args)
    {
        if (args.Contains("--child")) return Child(args);
        var sizes = (Value(args, "--rows") ?? "10000,100000,1000000").Split(',').Select(long.Parse).ToArray();
        int maxSteps = Quality.CommandLine.Option(args, "--max-steps", 400);
        long inMemoryMax = long.Parse(Value(args, "--in-memory-max") ?? "100000", CultureInfo.InvariantCulture);
        int batch = Quality.CommandLine.Option(args, "--batch", 256);
        Console.WriteLine("| Rows | Features (GB as float) | Loading | Steps measured / epoch | Load (s) | Steps/s | Epoch time (s) | Peak working set (MB) | Peak managed heap (MB) | Gen2 GCs |");
        Console.WriteLine("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (long rows in sizes)
            foreach (var mode in new[] { DataLoading.InMemory, DataLoading.Streaming })
            {
                if (mode == DataLoading.InMemory && rows > inMemoryMax) continue;
                var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
                foreach (var a in new[] { "scale", "--child", rows.ToString(CultureInfo.InvariantCulture), mode.ToString(), maxSteps.ToString(CultureInfo.InvariantCulture), batch.ToString(CultureInfo.InvariantCulture) })
                    start.ArgumentList.Add(a);
                if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
                    start.ArgumentList.Insert(0, Assembly.GetEntryAssembly()!.Location);
                using var child = Process.Start(start)!;
                string line = child.StandardOutput.ReadToEnd().Trim();
                child.WaitForExit();
                Console.WriteLine(child.ExitCode == 0 ? line : $"| {rows:N0} | | {mode} | failed (exit {child.ExitCode}) |");
            }
        return 0;
    }

    private static int Child(string[] args)
    {
        long rows = long.Parse(args[1], CultureInfo.InvariantCulture);
        var mode = Enum.Parse<DataLoading>(args[2]);
        int maxSteps = int.Parse(args[3], CultureInfo.InvariantCulture);
        int batch = int.Parse(args[4], CultureInfo.InvariantCulture);
        TorchSharpRuntime.EnsureLoaded();
        var ml = new MLContext(seed: 1);
        var data = new SyntheticDataView(rows);
        long stepsPerEpoch = (rows + batch - 1) / batch;
        long peakHeap = 0;
        var clock = new Stopwatch();
        TimeSpan firstStep = TimeSpan.Zero, lastStep = TimeSpan.Zero;
        long measured = 0;
        using var cancel = new CancellationTokenSource();
        var progress = new Inline(p =>
        {
            if (p.Step == 1) firstStep = clock.Elapsed;
            lastStep = clock.Elapsed;
            measured = p.Step;
            if (p.Step % 25 == 0) peakHeap = Math.Max(peakHeap, GC.GetGCMemoryInfo().HeapSizeBytes);
            if (p.Step >= maxSteps) cancel.Cancel();
        });
        var trainer = ml.MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions
        {
            Epochs = 1, BatchSize = batch, HiddenLayers = [128], Optimizer = OptimizerKind.AdamW, Seed = 1, DataLoading = mode, Progress = progress,
            CancellationToken = cancel.Token,
        });
        clock.Start();
        try
        {
            trainer.Fit(data);
        }
        catch (OperationCanceledException) when (measured >= maxSteps)
        {
        }
        double total = clock.Elapsed.TotalSeconds;
        peakHeap = Math.Max(peakHeap, GC.GetGCMemoryInfo().HeapSizeBytes);
        // Load = everything before the first step ends (the in-memory read; for streaming, the first batch); the rate is over the remaining steps.
        double load = firstStep.TotalSeconds;
        double rate = measured > 1 ? (measured - 1) / (lastStep - firstStep).TotalSeconds : double.NaN;
        double epoch = measured >= stepsPerEpoch ? total : load + (stepsPerEpoch - 1) / rate;
        string I(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);
        Console.WriteLine($"| {rows:N0} | {I(rows * 784 * 4 / 1e9, "F2")} | {mode} | {measured:N0} / {stepsPerEpoch:N0} | {I(load, "F2")} | {I(rate, "F1")} | "
                          + $"{I(epoch, "F1")}{(measured < stepsPerEpoch ? " (extrapolated)" : "")} | {I(Process.GetCurrentProcess().PeakWorkingSet64 / 1e6, "F0")} | {I(peakHeap / 1e6, "F0")} | {GC.CollectionCount(2)} |");
        return 0;
    }

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed class Inline(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
