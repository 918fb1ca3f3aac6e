using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Trainers.Native;

namespace MLNet.LrSchedules.Benchmarks.Training;

/// <summary>
/// <c>dotnet run -c Release --project bench/MLNet.LrSchedules.Benchmarks -- mnist [--epochs N]</c>: the TorchSharp MLP with a
/// constant rate (best of a small grid) and with our schedules, and ML.NET's LbfgsMaximumEntropy and SdcaMaximumEntropy, on the
/// fixed MNIST split (first 8,000 rows train, last 2,000 test). The test set is scored after every epoch (the trainer's
/// ValidationSet), which gives the epochs and the wall time to reach 95% test accuracy. Prints a Markdown table.
/// </summary>
internal static class MnistTimeToAccuracy
{
    private const double Target = 0.95;

    private sealed record Result(string Trainer, string Schedule, double FinalAccuracy, double BestAccuracy, int? EpochsToTarget, double? SecondsToTarget, double FitSeconds, string Note = "");

    public static int Run(string[] args)
    {
        int epochs = Option(args, "--epochs", 10);
        TorchSharpRuntime.EnsureLoaded();
        var (trainData, testData) = Mnist.Load().Split();
        var ml = new MLContext(seed: 1);
        var train = trainData.ToDataView(ml);
        var test = testData.ToDataView(ml);
        _ = train.Preview(1);
        _ = test.Preview(1);
        var results = new List<Result>();

        const double peak = 3e-3;
        var constants = new[] { 3e-4, 1e-3, 3e-3 }.Select(lr => Mlp(ml, train, test, epochs, $"constant lr={lr.ToString("G", CultureInfo.InvariantCulture)}", null, lr)).ToList();
        foreach (var c in constants) Console.Error.WriteLine($"  grid: {c.Schedule}: {c.FinalAccuracy:F4}");
        var best = constants.MaxBy(r => r.FinalAccuracy)!;
        results.Add(best with { Schedule = best.Schedule + " (best of 3e-4, 1e-3, 3e-3)" });
        results.Add(Mlp(ml, train, test, epochs, $"StepLR(step_size={epochs / 3}, gamma=0.3), per epoch, lr=3e-3", LrSchedule.Step(Math.Max(1, epochs / 3), 0.3), peak, ScheduleStepUnit.Epoch));
        results.Add(Mlp(ml, train, test, epochs, "cosine (T_max = run), lr=3e-3", LrSchedule.CosineAnnealing(Duration.Rest), peak));
        results.Add(Mlp(ml, train, test, epochs, "one_cycle(max_lr=3e-3)", LrSchedule.OneCycle(maxLr: peak), peak));
        results.Add(Mlp(ml, train, test, epochs, "warmup_stable_decay(5% warmup, 20% cosine decay), lr=3e-3",
            LrSchedule.HfWarmupStableDecay(Duration.Fraction(0.05), Duration.Fraction(0.2)), peak));
        results.Add(MlNet(ml, train, test, "LbfgsMaximumEntropy", ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy()));
        results.Add(MlNet(ml, train, test, "SdcaMaximumEntropy", ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()));

        Console.WriteLine(Format(results, epochs));
        return 0;
    }

    private static Result Mlp(MLContext ml, IDataView train, IDataView test, int epochs, string schedule, LrSchedule? lrSchedule, double learningRate,
        ScheduleStepUnit unit = ScheduleStepUnit.Step)
    {
        var trainer = ml.MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions
        {
            Epochs = epochs, BatchSize = 64, HiddenLayers = [128], Optimizer = OptimizerKind.AdamW, Seed = 1,
            LearningRate = learningRate, Schedule = lrSchedule, StepScheduleEvery = unit, ValidationSet = test,
        });
        var clock = Stopwatch.StartNew();
        var model = trainer.Fit(train);
        double fit = clock.Elapsed.TotalSeconds;
        var history = model.Model.History.Epochs;
        double final = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        int? reached = null;
        double? seconds = null;
        double elapsed = 0;
        foreach (var epoch in history)
        {
            elapsed += epoch.WallTime.TotalSeconds;
            if (epoch.ValidationMetric >= Target) { reached = epoch.Epoch; seconds = elapsed; break; }
        }
        var result = new Result("TorchMlp [128] ReLU, AdamW, batch 64", schedule, final, history.Max(e => e.ValidationMetric ?? 0), reached, seconds, fit);
        Console.Error.WriteLine($"{schedule}: final {final:F4}, to 95%: {reached?.ToString() ?? "—"} epochs, {seconds:F1} s; per epoch {string.Join(" ", history.Select(e => e.ValidationMetric?.ToString("F3")))}");
        return result;
    }

    private static Result MlNet(MLContext ml, IDataView train, IDataView test, string name, IEstimator<ITransformer> trainer)
    {
        var clock = Stopwatch.StartNew();
        var model = trainer.Fit(train);
        double fit = clock.Elapsed.TotalSeconds;
        double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        Console.Error.WriteLine($"{name}: {accuracy:F4} in {fit:F1} s");
        bool reached = accuracy >= Target;
        return new Result(name, "— (defaults)", accuracy, accuracy, null, reached ? fit : null, fit, reached ? "(whole fit)" : "");
    }

    private static string Format(IReadOnlyList<Result> results, int epochs)
    {
        var text = new StringBuilder();
        string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
        text.AppendLine($"| Trainer | Schedule | Final test accuracy | Best epoch accuracy | Epochs to 95% | Time to 95% (s) | Fit time (s) |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        double bestFinal = results.Max(r => r.FinalAccuracy);
        foreach (var r in results)
        {
            string final = r.FinalAccuracy == bestFinal ? $"**{F(r.FinalAccuracy)}**" : F(r.FinalAccuracy);
            string epochsTo = r.EpochsToTarget?.ToString(CultureInfo.InvariantCulture) ?? (r.Trainer.StartsWith("TorchMlp", StringComparison.Ordinal) ? $"not in {epochs}" : "n/a");
            string secondsTo = r.SecondsToTarget is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) + (r.Note.Length > 0 ? " " + r.Note : "") : "—";
            text.AppendLine($"| {r.Trainer} | `{r.Schedule}` | {final} | {F(r.BestAccuracy)} | {epochsTo} | {secondsTo} | {r.FitSeconds.ToString("F1", CultureInfo.InvariantCulture)} |");
        }
        return text.ToString();
    }

    internal static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
