using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using MLNet.LrSchedules.Benchmarks.Quality;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Trainers.Native;

namespace MLNet.LrSchedules.Benchmarks.Training;

/// <summary>
/// <c>-- threads --job cnn|mlp|stream [--threads auto,1,2] [--waits library] [--repeats 3] [--hogs 0] [--epochs N] [--rows N] [--max-steps N]</c>:
/// the fit time of one training job with the default thread count (<c>auto</c>: NumberOfThreads = null) and with explicit
/// counts, each run in a fresh process (OpenMP reads its waiting policy when it loads), the configurations alternated run
/// by run so that a drifting machine load hits them all, with the load average printed beside every run. <c>--hogs k</c>
/// runs k CPU-bound processes (<c>yes &gt; /dev/null</c>) for the whole command and kills them at the end.
/// </summary>
/// <remarks>
/// Jobs: <c>mlp</c> — the MNIST main job of <c>lrsched train</c> (784 → 512 ReLU → dropout 0.1 → 10, AdamW, weight decay 0.01,
/// one-cycle to 2e-3, batch 32) on MNIST's 8,000 training rows; <c>cnn</c> — the same with the small CNN
/// <c>reshape(1,28,28) &gt;&gt; conv2d(16,kernel=5) &gt;&gt; relu &gt;&gt; maxpool2d(2) &gt;&gt; conv2d(32,kernel=5) &gt;&gt; relu &gt;&gt;
/// maxpool2d(2) &gt;&gt; flatten &gt;&gt; linear(128) &gt;&gt; relu</c>; <c>stream</c> — one streamed epoch of
/// <see cref="ScaleBenchmark"/>'s job (784 → 128 ReLU → 10, AdamW, batch 256) over 1,000,000 synthetic rows.
/// Waits (<c>--waits</c>): <c>library</c> (nothing set: the library sets GOMP_SPINCOUNT), <c>gomp</c> (libgomp's own default,
/// GOMP_SPINCOUNT=300000: what the library did before), <c>passive</c> (OMP_WAIT_POLICY=PASSIVE), <c>spin=N</c> (GOMP_SPINCOUNT=N).
/// </remarks>
internal static class ThreadsBenchmark
{
    public const string CnnSpec = "reshape(1,28,28) >> conv2d(16,kernel=5) >> relu >> maxpool2d(2) >> conv2d(32,kernel=5) >> relu >> maxpool2d(2) >> flatten >> linear(128) >> relu";

    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "--child") return Child(args[1..]);
        var line = new Quality.CommandLine("threads", args, "--job", "--threads", "--waits", "--repeats", "--hogs", "--epochs", "--rows", "--max-steps");
        string job = line.Text("--job") ?? "cnn";
        if (job is not ("cnn" or "mlp" or "stream")) throw new UsageException($"threads: option '--job' must be cnn, mlp or stream; received '{job}'.");
        var threads = line.List("--threads", ["auto", "1", "2"]);
        foreach (string t in threads)
            if (t != "auto" && !(int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 1))
                throw new UsageException($"threads: option '--threads' must list 'auto' and integers >= 1; received '{t}'.");
        var waits = line.List("--waits", ["library"]);
        foreach (string w in waits) _ = WaitEnvironment(w);
        int repeats = line.Int("--repeats", 3);
        int hogs = line.Int("--hogs", 0, min: 0);
        int epochs = line.Int("--epochs", job == "stream" ? 1 : 10);
        long rows = line.Int("--rows", job == "stream" ? 1_000_000 : Mnist.TrainRows);
        int maxSteps = line.Int("--max-steps", int.MaxValue);

        Console.WriteLine($"# {line.Echo}");
        Console.WriteLine($"# {Machine.Description}; .NET {Environment.Version}, TorchSharp {RunRecord.VersionOf(typeof(TorchSharp.torch))}; {hogs} CPU hog{(hogs == 1 ? "" : "s")} (yes > /dev/null) during the runs");
        var results = new List<(string Wait, string Threads, double Seconds, double Cpu, int Used)>();
        using (Hogs.Start(hogs))
        {
            Console.WriteLine("| repeat | waits | threads | threads used | load (1 min) | fit (s) | process CPU (s) |");
            Console.WriteLine("|---:|---|---|---:|---:|---:|---:|");
            var configs = waits.SelectMany(w => threads.Select(t => (Wait: w, Threads: t))).ToArray();
            for (int r = 1; r <= repeats; r++)
            {
                // Rotated each repeat: no configuration always runs first (or right after another).
                for (int k = 0; k < configs.Length; k++)
                {
                    var (wait, count) = configs[(k + r - 1) % configs.Length];
                    double load = Machine.Load1();
                    var (seconds, cpu, used) = RunChild(job, count, wait, epochs, rows, maxSteps);
                    results.Add((wait, count, seconds, cpu, used));
                    Console.WriteLine($"| {r} | {wait} | {count} | {used} | {load:F2} | {seconds:F2} | {cpu:F2} |");
                }
            }
        }
        Console.WriteLine();
        Console.WriteLine("| waits | threads | median fit (s) | min fit (s) | median / best explicit median |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var group in results.GroupBy(x => x.Wait))
        {
            var medians = group.GroupBy(x => x.Threads).ToDictionary(g => g.Key, g => Timings.Median(g.Select(x => x.Seconds)));
            double best = medians.Where(m => m.Key != "auto").Select(m => m.Value).DefaultIfEmpty(double.NaN).Min();
            foreach (var (count, median) in medians)
                Console.WriteLine($"| {group.Key} | {count} | {median:F2} | {group.Where(x => x.Threads == count).Min(x => x.Seconds):F2} | {median / best:F3} |");
        }
        Console.WriteLine($"# load average (1, 5, 15 min) at the end: {Machine.LoadAverage()}");
        return 0;
    }

    /// <summary>The environment a child runs with for a waiting policy.</summary>
    internal static IReadOnlyDictionary<string, string> WaitEnvironment(string wait) => wait switch
    {
        "library" => new Dictionary<string, string>(),
        "gomp" => new Dictionary<string, string> { ["GOMP_SPINCOUNT"] = "300000" },
        "passive" => new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = "PASSIVE" },
        _ when wait.StartsWith("spin=", StringComparison.Ordinal) && long.TryParse(wait[5..], NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n >= 0
            => new Dictionary<string, string> { ["GOMP_SPINCOUNT"] = n.ToString(CultureInfo.InvariantCulture) },
        _ => throw new UsageException($"threads: option '--waits' must list library, gomp, passive or spin=N; received '{wait}'."),
    };

    private static (double Seconds, double Cpu, int Used) RunChild(string job, string threads, string wait, int epochs, long rows, int maxSteps)
    {
        var start = ChildProcess.Start("threads", "--child", job, threads, epochs.ToString(CultureInfo.InvariantCulture), rows.ToString(CultureInfo.InvariantCulture), maxSteps.ToString(CultureInfo.InvariantCulture));
        foreach (var name in OpenMpVariables) start.Environment.Remove(name);
        foreach (var (name, value) in WaitEnvironment(wait)) start.Environment[name] = value;
        using var child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd().Trim();
        child.WaitForExit();
        var parts = output.Split(' ');
        if (child.ExitCode != 0 || parts.Length != 3)
            throw new InvalidOperationException($"threads: the child run ({job}, {threads} threads, {wait}) failed with exit code {child.ExitCode}: {output}");
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    private static readonly string[] OpenMpVariables = ["OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME", "OMP_NUM_THREADS"];

    private static int Child(string[] args)
    {
        string job = args[0];
        int? threads = args[1] == "auto" ? null : int.Parse(args[1], CultureInfo.InvariantCulture);
        int epochs = int.Parse(args[2], CultureInfo.InvariantCulture);
        long rows = long.Parse(args[3], CultureInfo.InvariantCulture);
        int maxSteps = int.Parse(args[4], CultureInfo.InvariantCulture);
        TorchSharpRuntime.EnsureLoaded();
        var ml = new MLContext(seed: 1);
        IDataView data = job == "stream" ? new SyntheticDataView(rows) : Mnist.Load().Split().Train.ToDataView(ml);
        var cancel = typeof(MLContext).GetMethod("CancelExecution", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!;
        var progress = new Progress(p => { if (p.Step >= maxSteps) cancel.Invoke(ml, null); });
        var options = new TorchNetworkMulticlassOptions
        {
            Network = job switch
            {
                "cnn" => NetworkSpec.Parse(CnnSpec),
                "mlp" => NetworkSpec.Mlp([512], dropout: 0.1),
                _ => NetworkSpec.Mlp([128]),
            },
            Epochs = epochs,
            BatchSize = job == "stream" ? 256 : 32,
            Optimizer = OptimizerKind.AdamW,
            WeightDecay = job == "stream" ? 0 : 1e-2,
            LearningRate = job == "stream" ? 1e-3 : 2e-3,
            Schedule = job == "stream" ? null : LrSchedule.Parse("one_cycle(max_lr=0.002)"),
            DataLoading = job == "stream" ? DataLoading.Streaming : DataLoading.Auto,
            NumberOfThreads = threads,
            Seed = 1,
            Progress = progress,
        };
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        int used;
        try
        {
            used = ml.MulticlassClassification.Trainers.TorchNetwork(options).Fit(data).Model.Settings.NumberOfThreads ?? 0;
        }
        catch (OperationCanceledException)
        {
            used = threads ?? -1;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{seconds:F3} {(process.TotalProcessorTime - cpu).TotalSeconds:F3} {used}"));
        return 0;
    }

    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

/// <summary>A child process of this bench program: the same executable (or <c>dotnet bench.dll</c>) with other arguments.</summary>
internal static class ChildProcess
{
    public static ProcessStartInfo Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        return start;
    }
}

/// <summary>CPU hogs for the length of a measurement: <c>yes &gt; /dev/null</c> processes, killed when disposed.</summary>
internal sealed class Hogs : IDisposable
{
    private readonly List<Process> _processes = [];

    public static Hogs Start(int count)
    {
        var hogs = new Hogs();
        for (int i = 0; i < count; i++)
        {
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("exec yes > /dev/null");
            hogs._processes.Add(Process.Start(start)!);
        }
        // Kill them even when the bench is stopped with Ctrl+C.
        Console.CancelKeyPress += (_, _) => hogs.Dispose();
        return hogs;
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited) process.Kill();
                process.WaitForExit();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            process.Dispose();
        }
        _processes.Clear();
    }
}
