using System.Text;
using MLNet.LrSchedules.Trainers.Native;

namespace MLNet.LrSchedules.Benchmarks.Quality;

/// <summary>
/// <c>quality</c> and <c>check</c>: TorchMlp (the library's default options, or <c>--options</c>) against ML.NET's default
/// trainer for the task, on each data set's holdout test rows, over several seeds. <c>check</c> exits 1 unless, on every data
/// set, TorchMlp's mean primary test metric is better and its mean fit time at most <c>--max-time-ratio</c> times ML.NET's.
/// </summary>
internal static class TrainerQuality
{
    private const string Heading = "## Trainer quality vs ML.NET (generated)";
    private static readonly Metric FitTime = new("fit time (s)", false, "F3");

    /// <param name="FloorRatio">The preprocessing's fit plus <see cref="HandLoopFloor"/> over ML.NET's fit time (means); null when there is no floor for the options.</param>
    private sealed record Verdict(Dataset Data, double[] Torch, double[] MlNet, double TimeRatio, double MaxRatio, double? FloorRatio)
    {
        public Difference? Difference => Quality.Difference.Paired(Torch, MlNet);
        public bool Beats => Summary.Of(Torch) is { Count: > 0 } t && Summary.Of(MlNet) is { Count: > 0 } m && t.Count == t.Total
                             && (Data.Task.Primary.HigherIsBetter ? t.Mean > m.Mean : t.Mean < m.Mean);
        public bool Passes => Beats && TimeRatio <= MaxRatio;
    }

    public static int Run(string[] args, bool check)
    {
        var command = new CommandLine(check ? "check" : "quality", args, "--options", "--seeds", "--data", "--validation-fraction", "--max-time-ratio", "--repeats", "--write");
        var config = MlpConfig.Parse(command.Text("--options") ?? "defaults");
        var seeds = command.Seeds(5);
        var datasets = Dataset.LoadAll(command.List("--data", Dataset.Names));
        double validationFraction = command.Fraction("--validation-fraction", 0.2);
        double maxRatio = command.Double("--max-time-ratio", 2);
        // A fit of a few hundred rows takes milliseconds, and single timings of it scatter by half their value.
        int repeats = command.Int("--repeats", 5);
        TorchSharpRuntime.EnsureLoaded();
        var run = new RunRecord(command);
        var torch = config.Trainer();
        TrainerSpec[] trainers = [torch, TrainerSpec.MlNetDefault];

        var tables = new StringBuilder();
        var verdicts = new List<Verdict>();
        foreach (var data in datasets)
        {
            var metrics = data.Task.Metrics.Append(FitTime).ToList();
            // values[trainer][metric][seed]
            var values = trainers.Select(_ => metrics.Select(_ => new double[seeds.Count]).ToArray()).ToArray();
            var floor = new double[seeds.Count];
            WarmUp(data, trainers, Split.Of(data, seeds[0], validationFraction).Train, config);
            for (int s = 0; s < seeds.Count; s++)
            {
                var split = Split.Of(data, seeds[s], validationFraction);
                for (int t = 0; t < trainers.Length; t++)
                {
                    using var trial = Trial.Fit(data, split.Train, trainers[t], seeds[s]);
                    var scores = trial.Score(split.Test);
                    for (int m = 0; m < scores.Length; m++) values[t][m][s] = scores[m];
                    var seconds = new List<double> { trial.FitSeconds };
                    var floorSeconds = new List<double>();
                    for (int r = 0; r < repeats; r++)
                    {
                        if (r > 0)
                        {
                            using var again = Trial.Fit(data, split.Train, trainers[t], seeds[s]);
                            seconds.Add(again.FitSeconds);
                        }
                        if (t == 0) floorSeconds.Add(trial.PreprocessingSeconds + (HandLoopFloor.Seconds(data, split.Train, config, seeds[s]) ?? double.NaN));
                    }
                    values[t][^1][s] = Timings.Median(seconds);
                    if (t == 0) floor[s] = Timings.Median(floorSeconds);
                    Console.Error.WriteLine($"{data.Name} seed {seeds[s]} {trainers[t].Name}: {data.Task.Primary.Name} {Markdown.F(scores[0])}, fit {trial.FitSeconds:F2} s {trial.Failure}");
                }
            }
            ResultRow[] rows = [new(["TorchMlp", $"`{config}`"], values[0], Reference: 1), new([data.Task.MlNetDefaultName, "defaults"], values[1])];
            tables.AppendLine($"### {data.Description}: {data.Task.Name}, {Split.Of(data, 1, validationFraction).Train.Length:N0} train / {data.TestRows.Length:N0} test rows");
            tables.AppendLine();
            tables.AppendLine(Markdown.Results(["Trainer", "Options"], metrics, rows));
            tables.AppendLine(Markdown.Differences(["Trainer", "Options"], metrics, rows));
            double mlNetSeconds = Summary.Of(values[1][^1]).Mean;
            double? floorRatio = floor.Any(double.IsNaN) ? null : floor.Average() / mlNetSeconds;
            verdicts.Add(new Verdict(data, values[0][0], values[1][0], Summary.Of(values[0][^1]).Mean / mlNetSeconds, maxRatio, floorRatio));
        }

        string section = Format(run, command, config, seeds, validationFraction, repeats, tables.ToString(), verdicts);
        Console.WriteLine(section);
        if (command.Text("--write") is { } path)
        {
            Markdown.WriteSection(path, section);
            Console.Error.WriteLine($"Wrote section \"{Heading[3..]}\" of {path}");
        }
        return !check || verdicts.All(v => v.Passes) ? 0 : 1;
    }

    /// <summary>
    /// Fits each trainer (and the hand-written floor) a few times on the data set before any is timed, then lets the runtime's
    /// background compilation finish: a fit of a few hundred rows takes milliseconds, and with tiered compilation its time
    /// depends on whether its code (each task's ML.NET trainer is different code) still runs at tier 0. Timed fits then
    /// compare the trainers' steady states.
    /// </summary>
    private static void WarmUp(Dataset data, TrainerSpec[] trainers, int[] rows, MlpConfig config)
    {
        const int Fits = 3;
        for (int f = 0; f < Fits; f++)
        {
            foreach (var trainer in trainers)
            {
                using var _ = Trial.Fit(data, rows, trainer, seed: 1);
            }
            HandLoopFloor.Seconds(data, rows, config, seed: 1);
        }
        // The runtime promotes hot methods to optimized code on a background thread, after 100 ms without new compilations.
        Thread.Sleep(300);
    }

    private static string Format(RunRecord run, CommandLine command, MlpConfig config, IReadOnlyList<int> seeds, double validationFraction, int repeats, string tables, IReadOnlyList<Verdict> verdicts)
    {
        var text = new StringBuilder();
        text.AppendLine(Heading);
        text.AppendLine();
        text.AppendLine(run.Describe());
        text.AppendLine();
        text.AppendLine($"TorchMlp options: `{config}` (\"defaults\": the library's default options; only `Seed` is set). ML.NET trainers: their defaults. "
                        + $"Seeds {seeds[0]}–{seeds[^1]}: a seed draws the training rows ({Markdown.Percent(1 - validationFraction)} of the non-test rows, shuffled by the seed: the rows the defaults grid trains on; "
                        + "the other rows, its validation rows, are not used here) and seeds both trainers (TorchMlp `Seed`, the `MLContext` seed). "
                        + "The test rows are each data set's fixed holdout (MNIST: the last 2,000 rows; others: 20% drawn once), never used to choose anything. "
                        + "Pipeline for both trainers, fitted on the training rows: multiclass labels `MapValueToKey`; tabular features `NormalizeMeanVariance(fixZero: false)`; MNIST pixels / 255; "
                        + "regression labels as in the file. Fit time: preprocessing + trainer `Fit`, wall clock, in one process, after three untimed fits of each trainer on each data set "
                        + "and a pause for the runtime's background compilation (steady state: no code still at tier 0); "
                        + $"per seed the median of {repeats} fits of the same split (the first is the one scored); the two trainers alternate seed by seed.");
        text.AppendLine();
        text.AppendLine(Markdown.Legend);
        text.AppendLine();
        text.Append(tables);
        text.AppendLine("### Verdict");
        text.AppendLine();
        text.AppendLine($"Primary test metric (first column above); \"beats\": TorchMlp's mean is better; \"> 2 SE\": and the paired difference exceeds two standard errors; time ratio: mean fit times, TorchMlp / ML.NET (limit {Markdown.F(verdicts.FirstOrDefault()?.MaxRatio ?? 2, "G")}×); "
                        + "floor ratio: the same network, epochs, batch size, rate and weight decay trained by a hand-written TorchSharp AdamW loop on tensors already built, "
                        + "plus the preprocessing's fit, over ML.NET's fit time (the least any libtorch trainer of those optimizer steps pays; \"n/a\" for options it does not cover).");
        text.AppendLine();
        text.AppendLine("| Data set | Metric | TorchMlp | ML.NET default | Δ ± SE | beats | > 2 SE | time ratio | floor ratio | passes |");
        text.AppendLine("|---|---|---:|---:|---:|---|---|---:|---:|---|");
        foreach (var v in verdicts)
        {
            var d = v.Difference;
            string format = v.Data.Task.Primary.Format;
            text.AppendLine($"| {v.Data.Name} | {v.Data.Task.Primary.Name} | {Markdown.Cell(v.Torch, format)} | {Markdown.Cell(v.MlNet, format)} | "
                            + $"{(d is null ? "n/a" : $"{Markdown.Signed(d.Mean, format)} ± {Markdown.F(d.StandardError, format)}")} | {(v.Beats ? "yes" : "no")} | "
                            + $"{(d is null ? "n/a" : d.ExceedsTwoStandardErrors ? "yes" : "no")} | {Markdown.F(v.TimeRatio, "F2")} | {(v.FloorRatio is { } f ? Markdown.F(f, "F2") : "n/a")} | {(v.Passes ? "yes" : "**no**")} |");
        }
        text.AppendLine();
        text.AppendLine(verdicts.All(v => v.Passes)
            ? $"Every data set passes: TorchMlp beats ML.NET's default trainer on the primary test metric within {Markdown.F(verdicts[0].MaxRatio, "G")}× its fit time."
            : $"Failing: {string.Join(", ", verdicts.Where(v => !v.Passes).Select(v => v.Data.Name))}.");
        return text.ToString();
    }
}
