using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Trainers.Native;

namespace MLNet.LrSchedules.Benchmarks.Training;

/// <summary>
/// <c>dotnet run -c Release --project bench/MLNet.LrSchedules.Benchmarks -- scale [--rows 10000,100000,1000000]
/// [--max-steps 400] [--in-memory-max 100000] [--batch 256] [--loading InMemory,Streaming]</c>: one epoch of the TorchSharp MLP (784 → 128 ReLU → 10, AdamW,
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
        var modes = (Value(args, "--loading") ?? "InMemory,Streaming").Split(',').Select(Enum.Parse<DataLoading>).ToArray();
        Console.WriteLine($"# {Quality.Machine.Description}; load average (1, 5, 15 min) at start {Quality.Machine.LoadAverage()}");
        Console.WriteLine("| Rows | Features (GB as float) | Loading | Steps measured / epoch | Load (s) | Steps/s | Epoch time (s) | Peak working set (MB) | Peak managed heap (MB) | Gen2 GCs | At the end: working set / GC committed / native heap in use / native heap free (MB) | Load avg |");
        Console.WriteLine("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|");
        foreach (long rows in sizes)
            foreach (var mode in modes)
            {
                if (mode == DataLoading.InMemory && rows > inMemoryMax) continue;
                double load = Quality.Machine.Load1();
                var start = ChildProcess.Start("scale", "--child", rows.ToString(CultureInfo.InvariantCulture), mode.ToString(), maxSteps.ToString(CultureInfo.InvariantCulture), batch.ToString(CultureInfo.InvariantCulture));
                using var child = Process.Start(start)!;
                string line = child.StandardOutput.ReadToEnd().Trim();
                child.WaitForExit();
                Console.WriteLine(child.ExitCode == 0 ? $"{line} {load.ToString("F2", CultureInfo.InvariantCulture)} |" : $"| {rows:N0} | | {mode} | failed (exit {child.ExitCode}) |");
            }
        Console.WriteLine($"# load average at the end: {Quality.Machine.LoadAverage()}");
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
        var process = Process.GetCurrentProcess();
        var native = NativeHeap.Read();
        Console.Write($"| {rows:N0} | {I(rows * 784 * 4 / 1e9, "F2")} | {mode} | {measured:N0} / {stepsPerEpoch:N0} | {I(load, "F2")} | {I(rate, "F1")} | "
                      + $"{I(epoch, "F1")}{(measured < stepsPerEpoch ? " (extrapolated)" : "")} | {I(process.PeakWorkingSet64 / 1e6, "F0")} | {I(peakHeap / 1e6, "F0")} | {GC.CollectionCount(2)} | "
                      + $"{I(process.WorkingSet64 / 1e6, "F0")} / {I(GC.GetGCMemoryInfo().TotalCommittedBytes / 1e6, "F0")} / {(native is { } n ? $"{I(n.InUse / 1e6, "F0")} / {I(n.Free / 1e6, "F0")}" : "? / ?")} |");
        return 0;
    }

    /// <summary>glibc's malloc statistics (mallinfo2): bytes in use and bytes free but kept by the allocator, over all arenas and mmapped blocks.</summary>
    private static class NativeHeap
    {
        public static (long InUse, long Free)? Read()
        {
            if (!OperatingSystem.IsLinux()) return null;
            try
            {
                var info = mallinfo2();
                return ((long)(info.Uordblks + info.Hblkhd), (long)info.Fordblks);
            }
            catch (EntryPointNotFoundException)
            {
                return null;
            }
        }

        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
        private struct MallInfo2
        {
            public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
        }

        [System.Runtime.InteropServices.DllImport("libc")]
        private static extern MallInfo2 mallinfo2();
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
