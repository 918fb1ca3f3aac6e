using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using MLNet.LrSchedules.Plotting;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Trainers.Native;
using MLNet.LrSchedules.Tool.Files;
using MLNet.LrSchedules.Tool.Training;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary><c>lrsched find-lr</c>: the learning-rate range test (Smith 2015; fastai's <c>lr_find</c>) for the network <c>train</c> would train.</summary>
internal static class FindLrCommand
{
    public static Command Create()
    {
        var shared = new TrainingOptions();
        var start = new Option<double>("--start") { Description = "Learning rate of the first step.", DefaultValueFactory = _ => 1e-6 };
        var end = new Option<double>("--end") { Description = "Learning rate of the last step.", DefaultValueFactory = _ => 10 };
        var steps = new Option<int>("--steps") { Description = "Number of optimizer steps, unless the loss diverges first.", DefaultValueFactory = _ => 200 };
        var noStop = new Option<bool>("--no-stop") { Description = "Run all steps even when the smoothed loss exceeds 4x its best (a NaN loss still stops)." };
        var optimizer = new Option<OptimizerKind?>("--optimizer") { Description = "The optimizer. Default: train's (AdamW; with --optimizer, the weight decay defaults to 0)." };
        var batchSize = new Option<int?>("--batch-size") { Description = "Mini-batch size. Default: train's." };
        var weightDecay = new Option<double?>("--weight-decay") { Description = "Weight decay (decoupled for AdamW). Default: train's." };
        var seed = new Option<int>("--seed") { Description = "Seed of the split, the initialization and the shuffles.", DefaultValueFactory = _ => 1 };
        var device = new Option<ComputeDevice>("--device") { Description = "Cpu, Cuda or Auto.", DefaultValueFactory = _ => ComputeDevice.Cpu };
        var plot = new Option<string?>("--plot") { Description = "Also save the curve (loss against learning rate, log axis) to this .png or .svg file (written atomically)." };
        var every = new Option<int>("--every") { Description = "Print every k-th step of the curve (default: about 20 rows)." };
        var command = new Command("find-lr",
            "Learning-rate range test: train a fresh network (train's by default: --network or --hidden choose another) while the rate grows exponentially from --start to --end, stop when the loss diverges, and suggest a rate.")
        {
            shared.Data, shared.Label, shared.Task, start, end, steps, noStop, shared.Network, shared.Hidden, optimizer, batchSize, weightDecay, seed, device, plot, every,
            shared.TestFraction, shared.ValidationFraction, shared.LimitRows, shared.InvalidCells, shared.IgnoreColumns,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string? plotPath = result.GetValue(plot);
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
            // The network, optimizer and batch size that train would use on the same data, so that the rate suits it.
            var defaults = choice.UsesMnist ? TrainingSpec.MnistDefault() : TrainingSpec.TableDefault();
            var spec = defaults with
            {
                Network = shared.GivenNetwork(result) ?? defaults.Network,
                BatchSize = result.GetValue(batchSize) ?? defaults.BatchSize,
                Seed = result.GetValue(seed),
                Device = result.GetValue(device),
            };
            if (result.GetValue(optimizer) is { } kind)
                spec = spec with { Optimizer = kind, Nesterov = false, WeightDecay = result.GetValue(weightDecay) ?? 0 };
            else if (result.GetValue(weightDecay) is { } decay)
                spec = spec with { WeightDecay = decay };
            using var claim = OutputClaim.Take([choice.Path is { } dataPath ? new InputFile(dataPath, "--data") : null],
                plotPath is null ? null : new OutputFile(plotPath, "--plot", ".png", ".svg"));
            var range = new LrRangeTestOptions
            {
                StartLearningRate = result.GetValue(start),
                EndLearningRate = result.GetValue(end),
                Steps = result.GetValue(steps),
                StopOnDivergence = !result.GetValue(noStop),
            };

            TorchSharpRuntime.EnsureLoaded();
            var ml = new MLContext(seed: spec.Seed);
            var table = TrainingOptions.Read(choice);
            var task = shared.ResolveTask(result, table);
            var (trainData, description) = FindLrData.Load(ml, choice, table, task, spec.Seed);
            Console.WriteLine($"Data: {description}; task {task.Task}");
            Console.WriteLine($"Network: {spec.Network}, then the task's output layer; optimizer {spec.Optimizer}{(spec.Nesterov ? " (Nesterov)" : "")}, weight decay {TrainingRun.Format(spec.WeightDecay)}, batch {spec.BatchSize}; seed {spec.Seed}.");
            LrRangeTestResult rangeResult;
            try { rangeResult = task.FindLearningRate(ml, trainData, spec.FillNetwork, range); }
            catch (NetworkShapeException shape) { throw TrainingRun.ShapeError(shape); }

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
}
