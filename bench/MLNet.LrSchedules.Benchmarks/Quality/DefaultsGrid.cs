using System.Diagnostics;
using System.Text;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Trainers.Native;

namespace MLNet.LrSchedules.Benchmarks.Quality;

/// <summary>
/// <c>defaults-grid</c>: TorchMlp configurations drawn from <see cref="Full"/> (plus the library's current defaults), each
/// trained on every data set's train rows and scored on its validation rows only (the test rows are never read), ranked by
/// the mean over data sets of the primary validation metric, with the fit time beside it.
/// </summary>
internal static class DefaultsGrid
{
    private const string Heading = "## Defaults grid (generated)";

    private static readonly int[][] HiddenLayers = [[64], [128], [256]];
    private static readonly int[] BatchSizes = [32, 64, 128];
    private static readonly int[] EpochCounts = [10, 20, 40];
    private static readonly double[] WeightDecays = [0, 1e-4, 1e-2];

    /// <summary>Optimizer, schedule and base rate go together (SGD needs larger rates than Adam-type optimizers).</summary>
    private static readonly MlpConfig[] Recipes =
    [
        new() { Optimizer = OptimizerKind.AdamW, Schedule = "none", LearningRate = 1e-3 },
        new() { Optimizer = OptimizerKind.AdamW, Schedule = "none", LearningRate = 3e-3 },
        new() { Optimizer = OptimizerKind.AdamW, Schedule = "one_cycle(max_lr=0.003)", LearningRate = 3e-3 },
        new() { Optimizer = OptimizerKind.AdamW, Schedule = "one_cycle(max_lr=0.01)", LearningRate = 1e-2 },
        new() { Optimizer = OptimizerKind.AdamW, Schedule = "cosine(t_max=rest)", LearningRate = 3e-3 },
        new() { Optimizer = OptimizerKind.AdamW, Schedule = "hf_warmup_stable_decay(num_warmup_steps=5%, num_decay_steps=20%)", LearningRate = 3e-3 },
        new() { Optimizer = OptimizerKind.Sgd, Nesterov = true, Schedule = "one_cycle(max_lr=0.1)", LearningRate = 0.1 },
    ];

    /// <summary>The whole grid: hidden layers × batch size × epochs × (optimizer, schedule, rate) × weight decay.</summary>
    internal static IReadOnlyList<MlpConfig> Full { get; } =
        (from hidden in HiddenLayers
         from batch in BatchSizes
         from epochs in EpochCounts
         from recipe in Recipes
         from wd in WeightDecays
         select recipe with { Hidden = hidden, BatchSize = batch, Epochs = epochs, WeightDecay = wd }).ToArray();

    private sealed record Scored(string Name, string Spec, double[][] Validation, double[][] FitSeconds, string? Failure)
    {
        // Validation[data][seed], FitSeconds[data][seed].
        public double[] PerSeedScore => Enumerable.Range(0, Validation[0].Length).Select(s => Validation.Average(d => d[s])).ToArray();
        public double Score => Summary.Of(PerSeedScore) is { Count: > 0 } x && x.Count == x.Total ? x.Mean : double.NaN;
        public double Seconds => Enumerable.Range(0, FitSeconds[0].Length).Average(s => FitSeconds.Sum(d => d[s]));
        public double Mean(int data) => Summary.Of(Validation[data]).Mean;
        public double MeanSeconds(int data) => FitSeconds[data].Average();
    }

    /// <summary>How a configuration stands against ML.NET's defaults on the validation rows: data sets where its mean is better, and its worst fit-time ratio.</summary>
    private static (int Beats, double WorstTimeRatio) AgainstMlNet(Scored r, Scored mlNet, IReadOnlyList<Dataset> datasets)
    {
        int beats = Enumerable.Range(0, datasets.Count).Count(d => datasets[d].Task.Primary.HigherIsBetter ? r.Mean(d) > mlNet.Mean(d) : r.Mean(d) < mlNet.Mean(d));
        return (beats, Enumerable.Range(0, datasets.Count).Max(d => r.MeanSeconds(d) / mlNet.MeanSeconds(d)));
    }

    public static int Run(string[] args)
    {
        var command = new CommandLine("defaults-grid", args, "--configs", "--seeds", "--data", "--validation-fraction", "--sample-seed", "--write");
        int count = Math.Min(command.Int("--configs", 60, min: 0), Full.Count);
        var seeds = command.Seeds(3);
        var datasets = Dataset.LoadAll(command.List("--data", Dataset.Names));
        double validationFraction = command.Fraction("--validation-fraction", 0.2);
        int sampleSeed = command.Int("--sample-seed", 1, min: 0);
        TorchSharpRuntime.EnsureLoaded();
        var run = new RunRecord(command);

        var sample = Full.ToArray();
        new Random(sampleSeed).Shuffle(sample);
        var configs = new[] { MlpConfig.Defaults }.Concat(sample.Take(count)).ToList();
        var smallest = datasets.MinBy(d => d.Rows)!;
        Trial.WarmUp(smallest, MlpConfig.Defaults.Trainer());
        Trial.WarmUp(smallest, TrainerSpec.MlNetDefault);
        var splits = datasets.Select(d => seeds.Select(seed => Split.Of(d, seed, validationFraction)).ToArray()).ToArray();
        Console.Error.WriteLine($"{configs.Count} configurations × {datasets.Count} data sets × {seeds.Count} seeds = {configs.Count * datasets.Count * seeds.Count} fits, plus ML.NET's defaults");

        var clock = Stopwatch.StartNew();
        Scored Evaluate(string name, string spec, TrainerSpec trainer)
        {
            var validation = datasets.Select(_ => new double[seeds.Count]).ToArray();
            var seconds = datasets.Select(_ => new double[seeds.Count]).ToArray();
            var failures = new List<string>();
            for (int d = 0; d < datasets.Count; d++)
                for (int s = 0; s < seeds.Count; s++)
                {
                    using var trial = Trial.Fit(datasets[d], splits[d][s].Train, trainer, seeds[s]);
                    validation[d][s] = trial.Score(splits[d][s].Validation)[0];
                    seconds[d][s] = trial.FitSeconds;
                    if (trial.Failure is not null) failures.Add($"{trial.Failure} on {datasets[d].Name} (seed {seeds[s]})");
                }
            return new Scored(name, spec, validation, seconds, failures.Count == 0 ? null : string.Join("; ", failures));
        }

        var mlNet = Evaluate("ML.NET defaults", string.Join(", ", datasets.Select(d => d.Task.MlNetDefaultName).Distinct()), TrainerSpec.MlNetDefault);
        var results = new List<Scored>();
        foreach (var config in configs)
        {
            results.Add(Evaluate(ReferenceEquals(config, MlpConfig.Defaults) ? "library defaults" : "", config.ToString(), config.Trainer()));
            double perConfig = clock.Elapsed.TotalSeconds / results.Count;
            Console.Error.WriteLine($"[{results.Count}/{configs.Count}] {config}: score {Markdown.F(results[^1].Score)}, {results[^1].Seconds:F1} s; "
                                    + $"elapsed {clock.Elapsed.TotalMinutes:F1} min, about {perConfig * (configs.Count - results.Count) / 60:F1} min left");
        }

        string section = Format(run, seeds, validationFraction, count, sampleSeed, datasets, results, mlNet);
        Console.WriteLine(section);
        if (command.Text("--write") is { } path)
        {
            Markdown.WriteSection(path, section);
            Console.Error.WriteLine($"Wrote section \"{Heading[3..]}\" of {path}");
        }
        return 0;
    }

    private static string Format(RunRecord run, IReadOnlyList<int> seeds, double validationFraction, int count, int sampleSeed,
        IReadOnlyList<Dataset> datasets, List<Scored> results, Scored mlNet)
    {
        var ranked = results.OrderByDescending(r => double.IsNaN(r.Score) ? double.NegativeInfinity : r.Score).ThenBy(r => r.Seconds).ToList();
        var winner = ranked[0];
        bool Dominated(Scored r) => results.Any(o => o != r && o.Score >= r.Score && o.Seconds <= r.Seconds && (o.Score > r.Score || o.Seconds < r.Seconds));
        var close = ranked.Where(r => r == winner || Difference.Paired(r.PerSeedScore, winner.PerSeedScore) is { ExceedsTwoStandardErrors: false }).ToList();
        var fastClose = close.MinBy(r => r.Seconds)!;
        bool MeetsBar(Scored r) => AgainstMlNet(r, mlNet, datasets) is var a && a.Beats == datasets.Count && a.WorstTimeRatio <= 2;
        var meetsBar = ranked.FirstOrDefault(MeetsBar);

        var text = new StringBuilder();
        text.AppendLine(Heading);
        text.AppendLine();
        text.AppendLine(run.Describe());
        text.AppendLine();
        text.AppendLine($"{count} of the grid's {Full.Count} configurations (hidden {string.Join(" / ", HiddenLayers.Select(h => string.Join(",", h)))} × batch {string.Join(" / ", BatchSizes)} × "
                        + $"epochs {string.Join(" / ", EpochCounts)} × {Recipes.Length} optimizer/schedule/rate recipes × weight decay {string.Join(" / ", WeightDecays)}; drawn with `--sample-seed {sampleSeed}`), "
                        + "plus the library's current defaults. Each is trained on every data set's train rows and scored on its validation rows "
                        + $"({Markdown.Percent(validationFraction)} of the non-test rows, drawn by the seed; seeds {seeds[0]}–{seeds[^1]} also seed the trainer). The test rows are never read. "
                        + $"Metric: the task's primary validation metric ({string.Join(", ", datasets.Select(d => $"{d.Name}: {d.Task.Primary.Name}").Distinct())}), mean over seeds; "
                        + "score: its mean over the data sets. Fit time: the sum over the data sets of the mean fit time (s). "
                        + "Pareto: no other configuration is both at least as good and at least as fast. Δ: paired (per seed) difference of the score from the winner ± SE. "
                        + "Beats ML.NET: data sets where the mean validation metric is better than ML.NET's default trainer's; time ratio: the largest, over data sets, of mean fit time / ML.NET's.");
        text.AppendLine();
        text.AppendLine($"Best score: `{winner.Spec}` ({Markdown.F(winner.Score)}, {winner.Seconds:F1} s).");
        text.AppendLine(seeds.Count < 2
            ? "Fastest within two standard errors of it: n/a (one seed)."
            : $"Fastest within two standard errors of it: `{fastClose.Spec}` ({Markdown.F(fastClose.Score)}, {fastClose.Seconds:F1} s).");
        text.AppendLine(meetsBar is null
            ? "No configuration beats ML.NET's defaults on every data set's validation metric within 2× its fit time."
            : $"Best score among those that beat ML.NET's defaults on every data set's validation metric within 2× its fit time on each: `{meetsBar.Spec}` ({Markdown.F(meetsBar.Score)}, {meetsBar.Seconds:F1} s).");
        text.AppendLine();
        text.AppendLine($"Check a candidate on the test rows: `dotnet run -c Release --project bench/MLNet.LrSchedules.Benchmarks -- check --options '{fastClose.Spec}'`.");
        text.AppendLine();
        text.AppendLine($"| Rank | Configuration | {string.Join(" | ", datasets.Select(d => d.Name))} | score | fit time (s) | Pareto | Δ vs best ± SE | beats ML.NET | time ratio |");
        text.AppendLine($"|---:|---|{string.Concat(datasets.Select(_ => "---:|"))}---:|---:|---|---:|---:|---:|");
        foreach (var (r, i) in ranked.Select((r, i) => (r, i)).Append((mlNet, -1)))
        {
            var d = r == winner ? null : Difference.Paired(r.PerSeedScore, winner.PerSeedScore);
            string delta = d is null ? "" : $"{Markdown.Signed(d.Mean, "F4")} ± {Markdown.F(d.StandardError)}";
            string name = (r.Name.Length > 0 ? $"{r.Name}: " : "") + $"`{r.Spec}`" + (r.Failure is null ? "" : $" ({r.Failure})");
            var (beats, ratio) = AgainstMlNet(r, mlNet, datasets);
            text.AppendLine($"| {(i < 0 ? "—" : (i + 1).ToString())} | {name} | {string.Join(" | ", r.Validation.Select(v => Markdown.F(Summary.Of(v).Mean)))} | "
                            + $"{Markdown.F(r.Score)} | {r.Seconds:F1} | {(i >= 0 && !Dominated(r) ? "yes" : "")} | {delta} | "
                            + (i < 0 ? "| |" : $"{beats}/{datasets.Count} | {ratio:F1} |"));
        }
        return text.ToString();
    }
}
