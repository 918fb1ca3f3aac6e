using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using MLNet.LrSchedules.Plotting;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Trainers.Native;
using MLNet.LrSchedules.Tool.Files;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary><c>lrsched find-lr</c>: the learning-rate range test (Smith 2015; fastai's <c>lr_find</c>) for a TorchSharp MLP.</summary>
internal static class FindLrCommand
{
    public static Command Create()
    {
        var shared = new TrainingOptions();
        var data = shared.Data;
        var label = shared.Label;
        var task = new Option<string>("--task") { Description = "multiclass, binary or regression.", DefaultValueFactory = _ => "multiclass" };
        task.AcceptOnlyFromAmong("multiclass", "binary", "regression");
        var start = new Option<double>("--start") { Description = "Learning rate of the first step.", DefaultValueFactory = _ => 1e-6 };
        var end = new Option<double>("--end") { Description = "Learning rate of the last step.", DefaultValueFactory = _ => 10 };
        var steps = new Option<int>("--steps") { Description = "Number of optimizer steps, unless the loss diverges first.", DefaultValueFactory = _ => 200 };
        var noStop = new Option<bool>("--no-stop") { Description = "Run all steps even when the smoothed loss exceeds 4x its best (a NaN loss still stops)." };
        var hidden = new Option<string>("--hidden") { Description = "Hidden layer sizes, comma-separated (empty for a linear model).", DefaultValueFactory = _ => "128" };
        var optimizer = new Option<OptimizerKind>("--optimizer") { Description = "The optimizer.", DefaultValueFactory = _ => OptimizerKind.AdamW };
        var batchSize = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => 32 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "Weight decay (decoupled for AdamW).", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed of the initialization and the shuffles.", DefaultValueFactory = _ => 1 };
        var device = new Option<ComputeDevice>("--device") { Description = "Cpu, Cuda or Auto.", DefaultValueFactory = _ => ComputeDevice.Cpu };
        var plot = new Option<string?>("--plot") { Description = "Also save the curve (loss against learning rate, log axis) to this .png or .svg file (written atomically)." };
        var every = new Option<int>("--every") { Description = "Print every k-th step of the curve (default: about 20 rows)." };
        var command = new Command("find-lr",
            "Learning-rate range test: train a fresh MLP while the rate grows exponentially from --start to --end, stop when the loss diverges, and suggest a rate.")
        {
            data, label, task, start, end, steps, noStop, hidden, optimizer, batchSize, weightDecay, seed, device, plot, every,
            shared.TestFraction, shared.ValidationFraction, shared.LimitRows, shared.InvalidCells, shared.IgnoreColumns,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string? plotPath = result.GetValue(plot);
            var kind = result.GetValue(task) switch
            {
                "binary" => TrainingTask.BinaryClassification,
                "regression" => TrainingTask.Regression,
                _ => TrainingTask.MulticlassClassification,
            };
            // Checked before the data is read, with the command's option names; the library checks the rest.
            double startRate = result.GetValue(start), endRate = result.GetValue(end);
            if (!double.IsFinite(startRate) || startRate <= 0)
                throw new CommandException($"--start: received {startRate.ToString("R", CultureInfo.InvariantCulture)} (expected a finite number > 0)");
            if (!double.IsFinite(endRate) || endRate <= startRate)
                throw new CommandException($"--end: received {endRate.ToString("R", CultureInfo.InvariantCulture)} (expected a finite number greater than --start, {startRate.ToString("R", CultureInfo.InvariantCulture)})");
            if (result.GetValue(steps) is < 3 or > 1_000_000)
                throw new CommandException($"--steps: received {result.GetValue(steps)} (expected an integer in [3, 1000000])");
            int k = result.GetValue(every);
            if (k < 0) throw new CommandException($"--every: received {k} (expected an integer >= 1)");
            var choice = shared.Choose(result, saved: null);
            using var claim = OutputClaim.Take([choice.Path is { } dataPath ? new InputFile(dataPath, "--data") : null],
                plotPath is null ? null : new OutputFile(plotPath, "--plot", ".png", ".svg"));
            var range = new LrRangeTestOptions
            {
                StartLearningRate = result.GetValue(start),
                EndLearningRate = result.GetValue(end),
                Steps = result.GetValue(steps),
                StopOnDivergence = !result.GetValue(noStop),
            };
            var options = new TorchMlpOptionsInput(TrainingOptions.ParseHidden(result.GetValue(hidden)!), result.GetValue(optimizer), result.GetValue(batchSize),
                result.GetValue(weightDecay), result.GetValue(seed), result.GetValue(device));

            TorchSharpRuntime.EnsureLoaded();
            var ml = new MLContext(seed: result.GetValue(seed));
            var (trainData, description) = FindLrData.Load(ml, choice, kind, result.GetValue(seed));
            Console.WriteLine($"Data: {description}");
            var rangeResult = Find(ml, trainData, kind, options, range);

            Console.Write(rangeResult.ToString(k > 0 ? k : Math.Max(1, rangeResult.LearningRates.Count / 20)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Next: use it as the peak of a schedule, e.g. one_cycle(max_lr={rangeResult.SuggestedLearningRate:G3})."));
            if (plotPath is not null)
            {
                TrainCommands.SavePlot(RangeTestPlot.Create(rangeResult.LearningRates, rangeResult.Losses, rangeResult.SmoothedLosses,
                    rangeResult.SuggestedLearningRate, rangeResult.MinLossLearningRate), plotPath);
                Console.WriteLine($"Wrote {Path.GetFullPath(plotPath)}");
            }
        }));
        return command;
    }

    private sealed record TorchMlpOptionsInput(int[] HiddenLayers, OptimizerKind Optimizer, int BatchSize, double WeightDecay, int Seed, ComputeDevice Device)
    {
        public T Fill<T>(T options) where T : TorchMlpOptions
        {
            options.HiddenLayers = HiddenLayers;
            options.Optimizer = Optimizer;
            options.BatchSize = BatchSize;
            options.WeightDecay = WeightDecay;
            options.Seed = Seed;
            options.Device = Device;
            return options;
        }
    }

    private static LrRangeTestResult Find(MLContext ml, IDataView data, TrainingTask task, TorchMlpOptionsInput input, LrRangeTestOptions range) => task switch
    {
        TrainingTask.BinaryClassification => ml.BinaryClassification.Trainers.FindLearningRate(data, input.Fill(new TorchMlpBinaryOptions()), range),
        TrainingTask.Regression => ml.Regression.Trainers.FindLearningRate(data, input.Fill(new TorchMlpRegressionOptions()), range),
        _ => ml.MulticlassClassification.Trainers.FindLearningRate(data, input.Fill(new TorchMlpMulticlassOptions()), range),
    };
}
