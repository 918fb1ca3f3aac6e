using System.Globalization;
using System.Text;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Trainers.Native;

namespace MLNet.LrSchedules.Benchmarks.Quality;

/// <summary>
/// <c>mnist</c>: every network of <see cref="Networks"/> with every schedule of <see cref="Schedules"/> on MNIST, over several
/// seeds: test accuracy after each epoch budget (a separate run per budget, so each schedule spans its whole run), and, from
/// the longest run, the epochs and seconds until the validation accuracy first reaches the network's target.
/// </summary>
internal static class MnistSchedules
{
    private const string Heading = "## MNIST: schedules over seeds (generated)";

    /// <summary>How one run trains: its epoch budget, schedule text (null: constant rate), base rate and the schedule's step unit.</summary>
    internal sealed record Recipe(int Epochs, string? Schedule, double LearningRate, ScheduleStepUnit Unit);

    /// <summary>
    /// A network: its key (<c>--networks</c>), its description, the validation accuracy the time-to-target columns measure,
    /// its peak rate (the base rate of every schedule row and one-cycle's max_lr), the constant rates validation chooses
    /// from, and its trainer for a recipe (its own optimizer, batch size and weight decay).
    /// </summary>
    internal sealed record Network(string Key, string Name, double Target, double Peak, IReadOnlyList<double> ConstantRates, Func<Recipe, TrainerSpec> Trainer);

    /// <summary>A schedule row: whether it tries the network's constant rates (the best final validation accuracy is kept, seed by seed) or runs at its peak, and its text for an epoch budget and peak rate.</summary>
    internal sealed record ScheduleRow(string Name, bool ConstantGrid, Func<int, double, string?> Schedule, ScheduleStepUnit Unit = ScheduleStepUnit.Step)
    {
        public IReadOnlyList<double> Rates(Network network) => ConstantGrid ? network.ConstantRates : [network.Peak];
    }

    private static readonly MlpConfig Mlp128 = new() { Hidden = [128], BatchSize = 64, Optimizer = OptimizerKind.AdamW, WeightDecay = 0 };

    /// <summary>The main job's CNN (<c>lrsched train</c>'s default on MNIST, chosen by <c>cnn-search</c>) with its optimizer, batch size and weight decay.</summary>
    private static readonly MlpConfig Cnn = new() { Network = CnnSearch.MainJob.Network, BatchSize = CnnSearch.MainJob.BatchSize, Optimizer = CnnSearch.MainJob.Optimizer, Nesterov = CnnSearch.MainJob.Nesterov, WeightDecay = CnnSearch.MainJob.WeightDecay };

    /// <summary>The networks compared; a new network is one more entry.</summary>
    internal static IReadOnlyList<Network> Networks { get; } =
    [
        new("mlp", "MLP 784 → 128 ReLU → 10, AdamW, batch 64, peak 3e-3, constant 3e-4 / 1e-3 / 3e-3", 0.95, 3e-3, [3e-4, 1e-3, 3e-3], r => Mlp128.For(r).Trainer()),
        new("cnn", $"the main job's CNN `{CnnSearch.MainJob.Network}`, {CnnSearch.MainJob.Optimizer}{(CnnSearch.MainJob.Nesterov == true ? " (Nesterov)" : "")}, batch {CnnSearch.MainJob.BatchSize}, "
                   + $"peak {Rate(CnnSearch.MainJob.LearningRate!.Value)}, constant {string.Join(" / ", CnnConstantRates.Select(Rate))}",
            0.98, CnnSearch.MainJob.LearningRate!.Value, CnnConstantRates, r => Cnn.For(r).Trainer()),
    ];

    /// <summary>The CNN's constant rates: as the MLP's, a tenth of its peak (1e-2), about a third, and the peak.</summary>
    private static IReadOnlyList<double> CnnConstantRates => [1e-3, 3e-3, 1e-2];

    internal static IReadOnlyList<ScheduleRow> Schedules { get; } =
    [
        new("constant, best of the network's constant rates on validation", true, (_, _) => null),
        new("StepLR(step_size = epochs / 3, gamma=0.3) per epoch, at the peak", false, (epochs, _) => $"StepLR(step_size={Math.Max(1, epochs / 3)}, gamma=0.3)", ScheduleStepUnit.Epoch),
        new("cosine annealing over the run, from the peak", false, (_, _) => "cosine(t_max=rest)"),
        new("one_cycle(max_lr = peak)", false, (_, peak) => $"one_cycle(max_lr={Rate(peak)})"),
        new("warmup_stable_decay(5% warmup, 20% cosine decay) at the peak", false, (_, _) => "hf_warmup_stable_decay(num_warmup_steps=5%, num_decay_steps=20%)"),
    ];

    private static string Rate(double rate) => rate.ToString("G", CultureInfo.InvariantCulture);

    /// <summary>The network's settings with a recipe's epochs, schedule, rate and step unit.</summary>
    private static MlpConfig For(this MlpConfig config, Recipe r) =>
        config with { Epochs = r.Epochs, Schedule = r.Schedule ?? "none", LearningRate = r.LearningRate, StepUnit = r.Unit };

    public static int Run(string[] args)
    {
        var command = new CommandLine("mnist", args, "--seeds", "--epochs", "--networks", "--target", "--validation-fraction", "--write");
        var seeds = command.Seeds(5);
        var budgets = command.Ints("--epochs", [5, 10]).Order().ToArray();
        var keys = command.List("--networks", Networks.Select(n => n.Key).ToArray());
        var networks = keys.Select(k => Networks.FirstOrDefault(n => n.Key == k)
            ?? throw new UsageException($"mnist: unknown network '{k}' (expected {string.Join(", ", Networks.Select(n => n.Key))}).")).ToList();
        if (command.Text("--target") is not null)
            networks = networks.Select(n => n with { Target = command.Double("--target", n.Target) }).ToList();
        double validationFraction = command.Fraction("--validation-fraction", 0.2);
        foreach (var row in Schedules)
            foreach (int epochs in budgets)
                foreach (var network in networks)
                    if (row.Schedule(epochs, network.Peak) is { } schedule) LrSchedule.Parse(schedule);
        TorchSharpRuntime.EnsureLoaded();
        var run = new RunRecord(command);
        var data = Dataset.Load("mnist");
        foreach (var network in networks) Trial.WarmUp(data, network.Trainer(new Recipe(1, null, network.Peak, ScheduleStepUnit.Step)));

        var metrics = budgets.Select(b => new Metric($"test accuracy, {b} epochs", true))
            .Append(new Metric($"epochs to target ({budgets[^1]}-epoch run)", false, "F1"))
            .Append(new Metric("seconds to target", false, "F2"))
            .Append(new Metric($"fit time, {budgets[^1]} epochs (s)", false, "F2")).ToList();
        // values[network, schedule][metric][seed]; picked[network, schedule][budget] lists the rate chosen for each seed.
        var values = networks.SelectMany(_ => Schedules.Select(_ => metrics.Select(_ => new double[seeds.Count]).ToArray())).ToArray();
        var picked = networks.SelectMany(_ => Schedules.Select(_ => budgets.Select(_ => new List<double>()).ToArray())).ToArray();
        for (int s = 0; s < seeds.Count; s++)
        {
            var split = Split.Of(data, seeds[s], validationFraction);
            for (int b = 0; b < budgets.Length; b++)
                for (int n = 0; n < networks.Count; n++)
                    for (int r = 0; r < Schedules.Count; r++)
                    {
                        var row = Schedules[r];
                        var rates = row.Rates(networks[n]);
                        var candidates = rates.Select(rate =>
                            Trial.Fit(data, split.Train, networks[n].Trainer(new Recipe(budgets[b], row.Schedule(budgets[b], networks[n].Peak), rate, row.Unit)), seeds[s], split.Validation)).ToList();
                        // The rate is chosen on the validation rows (the last epoch's accuracy); only the chosen run meets the test rows.
                        int best = Enumerable.Range(0, candidates.Count).MaxBy(i => candidates[i].Epochs.LastOrDefault()?.ValidationMetric ?? double.NegativeInfinity);
                        var chosen = candidates[best];
                        var cell = values[n * Schedules.Count + r];
                        cell[b][s] = chosen.Score(split.Test)[0];
                        picked[n * Schedules.Count + r][b].Add(rates[best]);
                        if (b == budgets.Length - 1)
                        {
                            var (seconds, epoch) = chosen.TimeTo(networks[n].Target);
                            cell[budgets.Length][s] = epoch;
                            cell[budgets.Length + 1][s] = seconds;
                            cell[budgets.Length + 2][s] = chosen.FitSeconds;
                        }
                        Console.Error.WriteLine($"seed {seeds[s]}, {budgets[b]} epochs, {networks[n].Key}, {row.Name}: rate {rates[best]}, test {cell[b][s]:F4}, fit {chosen.FitSeconds:F1} s {chosen.Failure}");
                        foreach (var candidate in candidates) candidate.Dispose();
                    }
        }

        var rows = networks.SelectMany((network, n) => Schedules.Select((schedule, r) =>
            new ResultRow([r == 0 ? $"{network.Name} (target {Markdown.Percent(network.Target)})" : "", schedule.Name], values[n * Schedules.Count + r], r == 0 ? null : n * Schedules.Count))).ToList();
        var text = new StringBuilder();
        text.AppendLine(Heading);
        text.AppendLine();
        text.AppendLine(run.Describe());
        text.AppendLine();
        text.AppendLine($"`data/mnist-10k.csv.gz`, pixels / 255. Test: the last 2,000 rows (fixed). Seeds {seeds[0]}–{seeds[^1]}: a seed shuffles the first 8,000 rows and cuts them into "
                        + $"{Markdown.Percent(1 - validationFraction)} train / {Markdown.Percent(validationFraction)} validation, and seeds the trainer (initialization and batch order). "
                        + $"Each budget ({string.Join(", ", budgets)} epochs) is its own run, so a schedule spans the whole budget. The validation rows are scored after every epoch "
                        + "(the trainer's `ValidationSet`; no early stopping, so the last epoch's weights are tested); they choose the constant rate (best final validation accuracy, "
                        + "per seed and budget) and give the epochs and the cumulative epoch wall time (`EpochRecord.WallTime`, validation scoring included) until the validation accuracy first reaches the target; "
                        + "the test rows are scored once per reported run. Fit time: the whole `Fit` of the chosen run (one process, after one untimed warm-up fit). Reference row of each network: its best constant rate.");
        text.AppendLine();
        text.AppendLine(Markdown.Legend);
        text.AppendLine();
        text.AppendLine(Markdown.Results(["Network", "Schedule"], metrics, rows));
        text.AppendLine("Paired differences from the constant rate (mean Δ ± standard error; bold: beyond 2 SE):");
        text.AppendLine();
        text.AppendLine(Markdown.Differences(["Network", "Schedule"], metrics, rows));
        for (int n = 0; n < networks.Count; n++)
            for (int r = 0; r < Schedules.Count; r++)
                if (Schedules[r].Rates(networks[n]).Count > 1)
                    text.AppendLine($"Rates chosen on validation for {networks[n].Key}, {Schedules[r].Name}: "
                                    + string.Join("; ", budgets.Select((b, i) => $"{b} epochs: {string.Join(", ", picked[n * Schedules.Count + r][i].GroupBy(x => x).Select(g => $"{g.Key.ToString("G", CultureInfo.InvariantCulture)} × {g.Count()}"))}")) + ".");
        string section = text.ToString();
        Console.WriteLine(section);
        if (command.Text("--write") is { } path)
        {
            Markdown.WriteSection(path, section);
            Console.Error.WriteLine($"Wrote section \"{Heading[3..]}\" of {path}");
        }
        return 0;
    }
}
