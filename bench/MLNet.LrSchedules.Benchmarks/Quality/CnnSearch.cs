using System.Globalization;
using System.Text;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Trainers.Native;
using TorchSharp;

namespace MLNet.LrSchedules.Benchmarks.Quality;

/// <summary>
/// <c>cnn-search</c>: the small search that chose the main job's MNIST network (<c>lrsched train</c>'s default). Each candidate
/// of <see cref="Candidates"/> is trained on a seed's train rows and scored on its validation rows after every epoch; the
/// test rows are never read. Ranked by the mean final validation accuracy, with the fit's wall and CPU time beside it.
/// </summary>
internal static class CnnSearch
{
    private const string Heading = "## CNN search for the main job (generated)";

    /// <summary>
    /// The candidates, all with a one-cycle schedule (PyTorch's OneCycleLR, momentum or beta1 cycled) and weight decay
    /// (5e-4 L2 for SGD, 1e-2 decoupled for AdamW): first the architecture (the small CNN of docs/NETWORKS.md, LeNet-5's
    /// shape, two 3×3 stages with batch norm of 8/16, 12/24 and 16/32 channels), then, for the 8/16 network, the optimizer,
    /// peak rate, batch size and epochs. Every one is meant to fit the main job's budget: at most 10 s of training on 2
    /// quiet cores (the fit CPU column shows what each costs).
    /// </summary>
    internal static IReadOnlyList<MlpConfig> Candidates { get; } =
    [
        AdamW("reshape(1, 28, 28) >> conv2d(16, kernel=3, padding=1) >> relu >> maxpool2d(2) >> flatten >> linear(128) >> relu", 0.01, 128, 8),
        AdamW("reshape(1, 28, 28) >> conv2d(6, kernel=5) >> relu >> maxpool2d(2) >> conv2d(16, kernel=5) >> relu >> maxpool2d(2) >> flatten >> linear(120) >> relu >> linear(84) >> relu", 0.01, 128, 8),
        AdamW(TwoStage(8, 16), 0.01, 128, 8),
        AdamW(TwoStage(12, 24), 0.01, 128, 6),
        AdamW(TwoStage(16, 32), 0.01, 128, 6),
        AdamW(TwoStage(16, 32), 0.01, 128, 5),
        AdamW(TwoStage(8, 16), 0.003, 128, 8),
        AdamW(TwoStage(8, 16), 0.02, 128, 8),
        AdamW(TwoStage(8, 16), 0.01, 64, 8),
        AdamW(TwoStage(8, 16), 0.01, 128, 10),
        new() { Network = TwoStage(8, 16), Optimizer = OptimizerKind.Sgd, Nesterov = true, Schedule = "one_cycle(max_lr=0.1)", LearningRate = 0.1, BatchSize = 128, Epochs = 8, WeightDecay = 5e-4 },
        // Second round, when the first's choice (4) took 11–13 s on 2 quiet cores: cheaper layer orders of the same shapes.
        AdamW(PoolFirst(12, 24, kernel: 3), 0.01, 128, 6),
        AdamW(PoolFirst(8, 16, kernel: 3), 0.01, 128, 8),
        AdamW(PoolFirst(12, 24, kernel: 5), 0.01, 128, 6),
        AdamW(PoolFirst(12, 24, kernel: 5), 0.01, 128, 8),
        AdamW(TwoStage(8, 16), 0.01, 128, 6),
    ];

    /// <summary>
    /// The candidate the search chose: <c>lrsched train</c>'s default on the MNIST sample (<c>TrainingSpec.MnistDefault</c> in
    /// src/MLNet.LrSchedules.Tool holds the same settings) and the <c>cnn</c> network of the <c>mnist</c> table.
    /// </summary>
    internal static MlpConfig MainJob => Candidates[13];

    /// <summary>Two stages of conv2d(3×3, padding 1) → batch norm → ReLU → 2×2 max pooling, then a hidden linear layer of 64.</summary>
    private static string TwoStage(int first, int second) =>
        $"reshape(1, 28, 28) >> conv2d({first}, kernel=3, padding=1) >> batchnorm2d >> relu >> maxpool2d(2) >> conv2d({second}, kernel=3, padding=1) >> batchnorm2d >> relu >> maxpool2d(2) >> flatten >> linear(64) >> relu";

    /// <summary>
    /// Two stages of conv2d → ReLU → 2×2 max pooling → batch norm (normalizing after pooling costs a quarter of before), then a
    /// hidden linear layer of 64; 3×3 kernels keep the size (padding 1), 5×5 ones shrink it as LeNet-5 does (no padding).
    /// </summary>
    private static string PoolFirst(int first, int second, int kernel)
    {
        string padding = kernel == 3 ? ", padding=1" : "";
        return $"reshape(1, 28, 28) >> conv2d({first}, kernel={kernel}{padding}) >> relu >> maxpool2d(2) >> batchnorm2d >> conv2d({second}, kernel={kernel}{padding}) >> relu >> maxpool2d(2) >> batchnorm2d >> flatten >> linear(64) >> relu";
    }

    private static MlpConfig AdamW(string network, double peak, int batch, int epochs) => new()
    {
        Network = network,
        Optimizer = OptimizerKind.AdamW,
        Schedule = $"one_cycle(max_lr={peak.ToString("R", CultureInfo.InvariantCulture)})",
        LearningRate = peak,
        BatchSize = batch,
        Epochs = epochs,
        WeightDecay = 1e-2,
    };

    private sealed record Result(MlpConfig Config, double[] Validation, double[] Seconds, double[] CpuSeconds, string? Failure);

    public static int Run(string[] args)
    {
        var command = new CommandLine("cnn-search", args, "--seeds", "--candidates", "--options", "--threads", "--validation-fraction", "--write");
        var seeds = command.Seeds(3);
        var picked = command.Text("--candidates") == "none" ? [] : command.Ints("--candidates", Enumerable.Range(1, Candidates.Count).ToArray());
        if (picked.FirstOrDefault(i => i > Candidates.Count) is > 0 and var bad)
            throw new UsageException($"cnn-search: option '--candidates' names candidate {bad}; there are {Candidates.Count}.");
        var configs = picked.Select(i => Candidates[i - 1])
            .Concat((command.Text("--options") ?? "").Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(MlpConfig.Parse)).ToList();
        if (configs.Count == 0) throw new UsageException("cnn-search: no candidate (expected --candidates with at least one, or --options).");
        double validationFraction = command.Fraction("--validation-fraction", 0.2);
        int threads = command.Int("--threads", 1);
        TorchSharpRuntime.EnsureLoaded();
        // An experiment's setting, not the library's thread mechanism: one thread makes the CPU time a quiet machine's wall time.
        torch.set_num_threads(threads);
        var run = new RunRecord(command);
        var data = Dataset.Load("mnist");
        Trial.WarmUp(data, configs[0].Trainer());
        var splits = seeds.Select(seed => Split.Of(data, seed, validationFraction)).ToArray();

        var results = new List<Result>();
        foreach (var config in configs)
        {
            var result = new Result(config, new double[seeds.Count], new double[seeds.Count], new double[seeds.Count], null);
            var failures = new List<string>();
            for (int s = 0; s < seeds.Count; s++)
            {
                using var trial = Trial.Fit(data, splits[s].Train, config.Trainer(), seeds[s], splits[s].Validation);
                result.Validation[s] = trial.Epochs.LastOrDefault()?.ValidationMetric ?? double.NaN;
                result.Seconds[s] = trial.FitSeconds;
                result.CpuSeconds[s] = trial.FitCpuSeconds;
                if (trial.Failure is not null) failures.Add($"{trial.Failure} (seed {seeds[s]})");
                Console.Error.WriteLine($"[{results.Count + 1}/{configs.Count}] seed {seeds[s]}: validation {Markdown.F(result.Validation[s])} "
                                        + $"(epochs: {string.Join(" ", trial.Epochs.Select(e => Markdown.F(e.ValidationMetric ?? double.NaN)))}), "
                                        + $"fit {trial.FitSeconds:F1} s, CPU {trial.FitCpuSeconds:F1} s; {config}");
            }
            results.Add(result with { Failure = failures.Count == 0 ? null : string.Join("; ", failures) });
        }

        string section = Format(run, data, splits[0], seeds, threads, validationFraction, results);
        Console.WriteLine(section);
        if (command.Text("--write") is { } path)
        {
            Markdown.WriteSection(path, section);
            Console.Error.WriteLine($"Wrote section \"{Heading[3..]}\" of {path}");
        }
        return 0;
    }

    private static string Format(RunRecord run, Dataset data, Split split, IReadOnlyList<int> seeds, int threads, double validationFraction, List<Result> results)
    {
        var ranked = results.OrderByDescending(r => Summary.Of(r.Validation) is { Count: > 0 } x && x.Count == x.Total ? x.Mean : double.NegativeInfinity).ToList();
        var best = ranked[0];
        var text = new StringBuilder();
        text.AppendLine(Heading);
        text.AppendLine();
        text.AppendLine(run.Describe());
        text.AppendLine();
        text.AppendLine($"`data/mnist-10k.csv.gz`, pixels / 255; the test rows (the last {data.TestRows.Length:N0}) are never read. Seeds {seeds[0]}–{seeds[^1]}: a seed shuffles the first "
                        + $"{data.Rows - data.TestRows.Length:N0} rows into {split.Train.Length:N0} train and {split.Validation.Length:N0} validation rows ({Markdown.Percent(validationFraction)}) and seeds the trainer. "
                        + "Each candidate is a `TorchNetwork` trainer (`TorchNetworkMulticlassOptions`: the keys below, every other option the library's default; "
                        + "`RestoreBestWeights` off): validation accuracy after its last epoch, mean ± sd over the seeds, and its paired difference from the best ± SE. "
                        + $"Fit: wall time of the whole fit (validation scoring after every epoch included) and the process's CPU time over it, with {threads} torch thread{(threads == 1 ? "" : "s")}: "
                        + "CPU time is less sensitive to other processes than wall time, but not immune (the same fit measured 7.6 to 12.6 CPU s at load averages of 4 to 18 on this machine): "
                        + "compare candidates within one run, and time the chosen one on a quiet machine.");
        text.AppendLine();
        text.AppendLine("| Rank | Candidate | validation accuracy | Δ vs best ± SE | fit wall (s) | fit CPU (s) |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|");
        foreach (var (r, i) in ranked.Select((r, i) => (r, i)))
        {
            var d = r == best ? null : Difference.Paired(r.Validation, best.Validation);
            string delta = d is null ? "" : (d.ExceedsTwoStandardErrors ? $"**{Markdown.Signed(d.Mean, "F4")} ± {Markdown.F(d.StandardError)}**" : $"{Markdown.Signed(d.Mean, "F4")} ± {Markdown.F(d.StandardError)}");
            text.AppendLine($"| {i + 1} | `{r.Config}`{(r.Failure is null ? "" : $" ({r.Failure})")} | {Markdown.Cell(r.Validation, "F4")} | {delta} | "
                            + $"{Markdown.Cell(r.Seconds, "F1")} | {Markdown.Cell(r.CpuSeconds, "F1")} |");
        }
        return text.ToString();
    }
}
