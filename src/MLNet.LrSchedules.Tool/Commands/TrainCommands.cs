using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Serialization;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Tool.Files;
using MLNet.LrSchedules.Tool.Training;
using Spectre.Console;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>The training commands: train, retrain and compare.</summary>
internal static class TrainCommands
{
    public static Command Train()
    {
        var options = new TrainingOptions();
        var output = new Option<string?>("--output", "-o") { Description = "The model file (default ./mnist-model.zip, or <data>-model.zip for --data); written atomically, checkpointed after epochs (see --checkpoint-interval) to .<name>.checkpoint beside it." };
        var plot = new Option<string?>("--plot") { Description = "PNG/SVG of learning rate, training loss and validation metric against step (default ./mnist-training.png, or <data>-training.png)." };
        var stopAfter = new Option<int?>("--stop-after-epochs") { Description = "Stop after this many of the planned epochs and save a resumable model (continue it with 'lrsched retrain --continue')." };
        var command = new Command("train", "Train a TorchSharp network (--network; default a small CNN for the embedded MNIST sample, an MLP for --data) with a learning-rate schedule in an ML.NET pipeline, print test metrics, save the model and a plot of the run. Ctrl+C or SIGTERM stops after the current step and saves a resumable model; after a kill, 'lrsched retrain <model> --continue' resumes from the last checkpoint.");
        foreach (var o in options.All()) command.Options.Add(o);
        command.Options.Add(output);
        command.Options.Add(plot);
        command.Options.Add(stopAfter);
        command.SetAction(r => CommandRunner.Run(() =>
        {
            using var interruption = new Interruption();
            bool mnist = options.UsesMnist(r);
            var spec = options.Spec(r, mnist ? TrainingSpec.MnistDefault() : TrainingSpec.TableDefault());
            var checkpointInterval = options.CheckpointIntervalOf(r);
            var choice = options.Choose(r, saved: null);
            string stem = mnist ? "mnist" : Path.GetFileNameWithoutExtension(choice.Path!.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? choice.Path[..^3] : choice.Path);
            var paths = new RunPaths(r.GetValue(output) ?? $"{stem}-model.zip", r.GetValue(plot) ?? $"{stem}-training.png");
            if (r.GetValue(stopAfter) is { } k && (k < 1 || k >= spec.Epochs))
                throw new CommandException($"--stop-after-epochs: received {k} (expected an integer in [1, {spec.Epochs - 1}], fewer than --epochs {spec.Epochs})");

            using var claim = OutputClaim.Take([DataInput(choice), ScheduleFile(options, r)], paths.ModelOutput("--output"), paths.PlotOutput("--plot"));
            paths.RefuseLeftoverCheckpoint();
            var data = TrainingOptions.Read(choice);
            var task = options.ResolveTask(r, data);
            data.CheckLabels(task);
            var split = TrainingOptions.Split(choice, data, spec.Seed, task);
            var ml = new MLContext(spec.Seed);
            var prepared = TrainingRun.Prepare(ml, data, task, split, TrainingOptions.Recipe(choice, task, paths.Plot), standardize: !mnist);
            DescribeRun(data, mnist, task, prepared, spec);
            var pipeline = new CheckpointPipeline(prepared.Preprocess, prepared.RawTrain.Schema);
            var result = FitInterruptible(interruption, prepared, paths, r.GetValue(stopAfter),
                progress => TrainingRun.Trainer(ml, task, spec, prepared.Validation, progress, interruption.Token,
                    new CheckpointPlan(paths.Checkpoint, checkpointInterval, pipeline)),
                trainer => TrainingRun.Chain(prepared.Preprocess, trainer.Fit(prepared.Train)));
            Finish(ml, prepared, result, paths, prepared.RawTrain.Schema);
        }));
        return command;
    }

    public static Command Retrain()
    {
        var options = new TrainingOptions();
        var model = new Argument<string>("model") { Description = "A model file written by 'lrsched train' (or any ML.NET pipeline ending with a TorchMlp or TorchNetwork transformer)." };
        var resume = new Option<bool>("--continue") { Description = "Continue the saved run where it stopped, from the newer of the model file and its checkpoint (.<name>.checkpoint, left by a killed run): weights, optimizer state, schedule position, data and split restored. Options that contradict the run are errors; --device, --threads, -o and --plot may differ (another --threads may change the last bits of the weights)." };
        var output = new Option<string?>("--output", "-o") { Description = "The new model file (default: the model itself with --continue, else <model>-retrained.zip); written atomically." };
        var plot = new Option<string?>("--plot") { Description = "PNG/SVG of the run (default: the run's own plot when continuing in place, else <output>-training.png)." };
        var command = new Command("retrain", "Continue a saved or killed run (--continue) or fine-tune a saved model with a new schedule (--schedule, --epochs, --lr) on data; writes a model file.") { model };
        foreach (var o in options.All(withTask: false)) command.Options.Add(o);
        command.Options.Add(resume);
        command.Options.Add(output);
        command.Options.Add(plot);
        command.SetAction(r => CommandRunner.Run(() =>
        {
            using var interruption = new Interruption();
            string path = r.GetValue(model)!;
            bool continuing = r.GetValue(resume);
            var checkpointInterval = options.CheckpointIntervalOf(r);
            string outputPath = r.GetValue(output) ?? (continuing ? path : Path.Combine(Path.GetDirectoryName(path) ?? ".", Path.GetFileNameWithoutExtension(path) + "-retrained.zip"));
            bool inPlace = PathNames.Same(outputPath, path);

            var saved = continuing ? SavedRun.Newest(path) : SavedRun.Open(path, path);
            var info = saved.Info;
            var ml = saved.Context;
            bool complete = info.StopReason != TrainingStopReason.Diverged && info.EpochsCompleted >= info.Settings.Epochs;
            string plotPath = r.GetValue(plot) ?? (continuing && inPlace && saved.Recipe?.Plot is { } runPlot ? runPlot : Path.ChangeExtension(outputPath, null) + "-training.png");
            var paths = new RunPaths(outputPath, plotPath);
            var choice = options.Choose(r, saved.Recipe);

            if (continuing && complete && !saved.IsCheckpoint)
            {
                if (inPlace && File.Exists(paths.Checkpoint))
                {
                    // Killed between putting the final model in place and removing the checkpoint: the run is done.
                    using var finished = OutputClaim.Take([], paths.ModelOutput("--output"), paths.PlotOutput("--plot"));
                    File.Delete(paths.Checkpoint);
                    Console.WriteLine($"The run in {path} already completed all its {info.Settings.Epochs} epochs; removed the checkpoint a killed save left behind.");
                    return;
                }
                throw new CommandException($"{path}: the run already completed all its {info.Settings.Epochs} epochs (expected an unfinished run for --continue; fine-tune it instead: lrsched retrain {path} --schedule \"...\" --epochs N)");
            }

            using var claim = OutputClaim.Take(
                [DataInput(choice), new InputFile(path, "model", MayBeOutput: continuing), saved.IsCheckpoint && !inPlace ? new InputFile(saved.File, "model checkpoint") : null, ScheduleFile(options, r)],
                paths.ModelOutput("--output"), paths.PlotOutput("--plot"));
            if (!(continuing && inPlace)) paths.RefuseLeftoverCheckpoint();

            var labelColumn = saved.InputSchema.GetColumnOrNull(TabularData.LabelColumn)
                ?? throw new CommandException($"{saved.File}: takes no '{TabularData.LabelColumn}' column (expected a model written by 'lrsched train')");
            int modelFeatures = saved.InputSchema.GetColumnOrNull(TabularData.FeaturesColumn)?.Type is VectorDataViewType { Size: var size } ? size : -1;
            if (continuing)
            {
                // Every contradiction at once, before any data is read: the run's steps per epoch come from its own progress.
                var contradictions = (saved.Recipe is { } recipe ? options.DataContradictions(r, recipe) : [])
                    .Concat(options.TrainingContradictions(r, info, info.EpochsCompleted > 0 ? info.StepsCompleted / info.EpochsCompleted * info.Settings.Epochs : null)).ToList();
                if (contradictions.Count > 0)
                    throw new CommandException($"{path}: {(contradictions.Count == 1 ? "an option contradicts" : "options contradict")} the saved run: {string.Join(", ", contradictions)} (expected --continue to keep the run's settings: leave {(contradictions.Count == 1 ? "it" : "them")} out, or fine-tune without --continue)");
            }
            if (continuing && saved.Recipe is { DataSha256: { } sha } && choice.Path is { } dataPath && File.Exists(dataPath)
                && RunRecipe.Fingerprint(dataPath).Sha256 != sha)
                throw new CommandException($"{dataPath}: changed since the run started (its SHA-256 differs from the one saved in {saved.File}) (expected the run's data to continue it exactly; fine-tune on new data without --continue)");

            var data = TrainingOptions.Read(choice);
            if (data.FeatureNames.Length != modelFeatures)
                throw new CommandException($"{data.Source}: {data.FeatureNames.Length} numeric feature columns (expected {modelFeatures}, as the model in {saved.File} takes)");
            var task = CliTask.For(info.Task);
            data.CheckLabels(task);
            int seed = continuing ? info.Settings.Seed : r.GetValue(options.Seed) ?? info.Settings.Seed;
            var split = TrainingOptions.Split(choice, data, seed, task);
            var prepared = TrainingRun.Prepare(ml, data, task, split, TrainingOptions.Recipe(choice, task, plotPath), labelColumn.Type, saved.Preprocess);

            RunResult? result;
            if (continuing)
            {
                if (complete)
                {
                    // The checkpoint of the last epoch outlived a kill during the final save: the run only needs saving.
                    Console.WriteLine($"Finishing the run saved in {saved.File}: all {info.Settings.Epochs} epochs were done before the final save was interrupted.");
                    result = new RunResult(saved.Model, saved.Network.Model, TimeSpan.Zero);
                    Finish(ml, prepared, result, paths, saved.InputSchema);
                    return;
                }
                var device = TrainingOptions.ParseDevice(r.GetValue(options.Device)!);
                // A given --threads replaces the run's saved count (faster here, but the last bits may differ from an uninterrupted run).
                int? threads = r.GetValue(options.Threads);
                TrainingOptions.RequireThreads(threads);
                Console.WriteLine($"Continuing the run in {saved.File}: epoch {info.EpochsCompleted + 1} of {info.Settings.Epochs}, step {info.SchedulerState.Step}, schedule {LrScheduleText.Format(info.Schedule)}");
                DescribeData(data, saved.Recipe?.UsesMnist ?? choice.UsesMnist, task, prepared);
                result = FitInterruptible(interruption, prepared, paths, null,
                    progress => TrainingRun.Continuing(ml, task, device, threads, prepared.Validation, progress, interruption.Token,
                        new CheckpointPlan(paths.Checkpoint, checkpointInterval)),
                    trainer => trainer.Resume(prepared.RawTrain, saved.Model));
            }
            else
            {
                if (r.GetValue(options.Hidden) is { } hidden && !TrainingOptions.ParseHidden(hidden).SequenceEqual(TrainingOptions.HiddenOf(info.Network)))
                    throw new CommandException($"--hidden: received '{hidden}', but the network in {path} has hidden layers {TrainingOptions.HiddenText(TrainingOptions.HiddenOf(info.Network))} (expected fine-tuning to keep the network's shape; a new head is not available: train a new model for another shape)");
                if (r.GetValue(options.Network) is { } network && !TrainingOptions.ParseNetwork(network).Equals(TrainingOptions.BodyOf(info.Network)))
                    throw new CommandException($"--network: received '{network}', but the network in {path} is '{TrainingOptions.BodyOf(info.Network)}' (expected fine-tuning to keep the network: train a new model for another one)");
                var spec = options.Spec(r, SpecFromModel(info) with { Schedule = LrSchedule.Parse("warmup(5%) >> cosine(min=1e-5)"), Seed = seed });
                Console.WriteLine($"Fine-tuning {path} ({info.EpochsCompleted} epochs done) for {spec.Epochs} epochs: schedule {Describe(spec.Schedule)}, base lr {TrainingRun.Format(spec.LearningRate)}, {spec.Optimizer}");
                DescribeData(data, choice.UsesMnist, task, prepared);
                var pipeline = new CheckpointPipeline(prepared.Preprocess, prepared.RawTrain.Schema);
                result = FitInterruptible(interruption, prepared, paths, null,
                    progress => TrainingRun.Trainer(ml, task, spec, prepared.Validation, progress, interruption.Token,
                        new CheckpointPlan(paths.Checkpoint, checkpointInterval, pipeline)),
                    trainer => TrainingRun.Chain(prepared.Preprocess, trainer.Fit(prepared.Train, saved.Network)));
            }
            Finish(ml, prepared, result, paths, prepared.RawTrain.Schema);
        }));
        return command;
    }

    private static TrainingSpec SpecFromModel(TorchModelInfo info)
    {
        var s = info.Settings;
        // Fine-tuning and resuming keep the model's own network (its weights and spec); the body only describes it.
        return new TrainingSpec(info.Schedule, s.LearningRate, s.Epochs, s.BatchSize, TrainingOptions.BodyOf(info.Network), s.Optimizer.Kind,
            s.Optimizer.Momentum, s.Optimizer.Nesterov, s.Optimizer.WeightDecay, s.Seed, s.Device);
    }

    private static string Threads(int? threads) => threads is { } t ? $"{t} CPU thread{(t == 1 ? "" : "s")}" : "the CPU";

    private static InputFile? DataInput(DataChoice choice) => choice.Path is { } path ? new InputFile(path, "--data") : null;

    private static InputFile? ScheduleFile(TrainingOptions options, ParseResult r) =>
        r.GetValue(options.Schedule) is { } schedule && ScheduleInput.IsFile(schedule) ? new InputFile(schedule, "--schedule") : null;

    /// <summary>compare's default target on the MNIST sample: the validation accuracy the default CNN is chosen to reach.</summary>
    private const double MnistTarget = 0.98;

    public static Command Compare()
    {
        var options = new TrainingOptions();
        var schedules = new Option<string[]>("--schedules") { Description = "The schedules to compare (text form, JSON or files). Default: constant, step, cosine, one-cycle, warmup-stable-decay.", AllowMultipleArgumentsPerToken = true };
        var target = new Option<double?>("--target") { Description = $"The validation accuracy (RMSE for regression) whose first epoch is reported. Default {TrainingRun.Format(MnistTarget)} for MNIST (the accuracy the default network was chosen to reach), none otherwise." };
        var plot = new Option<string>("--plot", "-o") { Description = "PNG/SVG of validation accuracy and learning rate against step for every schedule.", DefaultValueFactory = _ => "compare.png" };
        var command = new Command("compare", "Train the same pipeline under several schedules on the same split and seed; print a table (validation metrics, and the test metric scored once per run at its end) and plot the curves together.");
        foreach (var o in options.All().Where(o => o != options.Schedule && o != options.CheckpointInterval)) command.Options.Add(o);
        command.Options.Add(schedules);
        command.Options.Add(target);
        command.Options.Add(plot);
        command.SetAction(r => CommandRunner.Run(() =>
        {
            using var interruption = new Interruption();
            string plotPath = r.GetValue(plot)!;
            bool mnist = options.UsesMnist(r);
            var spec = options.Spec(r, mnist ? TrainingSpec.MnistDefault() : TrainingSpec.TableDefault());
            var texts = r.GetValue(schedules) ?? [];
            var given = texts.Length > 0 ? texts.Select(s => (Name: s, Schedule: ScheduleInput.Read(s, "--schedules"))).ToList() : null;
            var choice = options.Choose(r, saved: null);
            using var claim = OutputClaim.Take(texts.Where(ScheduleInput.IsFile).Select(t => new InputFile(t, "--schedules")).Append(DataInput(choice)),
                new OutputFile(plotPath, "--plot", ".png", ".svg"));
            var data = TrainingOptions.Read(choice);
            var task = options.ResolveTask(r, data);
            data.CheckLabels(task);
            double? goal = r.GetValue(target) ?? (mnist && task.HasClasses ? MnistTarget : null);
            var split = TrainingOptions.Split(choice, data, spec.Seed, task);
            var ml = new MLContext(spec.Seed);
            var prepared = TrainingRun.Prepare(ml, data, task, split, recipe: null, standardize: !mnist);
            if (prepared.Validation is null)
                throw new CommandException($"--validation-fraction: received 0 (expected a fraction > 0: compare ranks the schedules on validation data, never on the test rows)");
            long totalSteps = (long)spec.Epochs * ((prepared.TrainRows + spec.BatchSize - 1) / spec.BatchSize);
            var candidates = given ?? DefaultSchedules(spec.LearningRate, totalSteps);
            DescribeRun(data, mnist, task, prepared, spec with { Schedule = candidates[0].Schedule });

            var rows = new List<(string Name, RunResult Result, TaskMetrics Test)>();
            foreach (var (name, schedule) in candidates)
            {
                if (interruption.Requested) throw new CommandException($"{plotPath}: interrupted ({interruption.Signal}) before every schedule ran: nothing written (expected the comparison to finish)");
                var runSpec = spec with { Schedule = schedule };
                var runContext = new MLContext(spec.Seed);
                interruption.Training = true;
                try
                {
                    var result = LiveProgress.Run(name, progress =>
                        TrainingRun.Fit(prepared, () => TrainingRun.Chain(prepared.Preprocess, TrainingRun.Trainer(runContext, task, runSpec, prepared.Validation, progress, interruption.Token).Fit(prepared.Train))));
                    rows.Add((name, result, task.Evaluate(runContext, result.Model.Transform(prepared.RawTest))));
                }
                catch (OperationCanceledException) when (interruption.Requested)
                {
                    throw new CommandException($"{plotPath}: interrupted ({interruption.Signal}) during '{name}': nothing written (expected the comparison to finish)");
                }
                finally { interruption.Training = false; }
            }

            string metricName = $"validation {task.MetricName}";
            bool higherIsBetter = task.HigherIsBetter;
            var table = new Table().AddColumns("schedule", $"final {metricName}", $"best {metricName}", goal is { } g ? $"first epoch {(higherIsBetter ? ">=" : "<=")} {TrainingRun.Format(g)}" : "first epoch at target", $"test {rows[0].Test.Values[0].Name}", "wall time");
            foreach (var (name, result, test) in rows)
            {
                var epochs = result.Torch.History.Epochs.Where(e => e.ValidationMetric is not null).ToList();
                double final = epochs.Count > 0 ? epochs[^1].ValidationMetric!.Value : double.NaN;
                double best = epochs.Count == 0 ? double.NaN : higherIsBetter ? epochs.Max(e => e.ValidationMetric!.Value) : epochs.Min(e => e.ValidationMetric!.Value);
                var reached = goal is { } t ? epochs.FirstOrDefault(e => higherIsBetter ? e.ValidationMetric >= t : e.ValidationMetric <= t) : null;
                table.AddRow(Markup.Escape(name), TrainingRun.Format(final), TrainingRun.Format(best),
                    goal is null ? "-" : reached is null ? "not reached" : reached.Epoch.ToString(CultureInfo.InvariantCulture),
                    TrainingRun.Format(test.Values[0].Value), $"{result.WallTime.TotalSeconds:0.0} s");
            }
            Output().Write(table);

            var curves = new Plotting.CurvePlot("step", metricName) { SecondaryYLabel = "learning rate", Title = $"{(mnist ? "MNIST" : Path.GetFileName(data.Source))}: schedules compared", Width = 1000, Height = 600 };
            foreach (var (name, result, _) in rows)
            {
                var (ex, ey) = EpochPoints(result.Torch.History);
                if (ex.Length > 0) curves.Add($"{name}: {metricName}", ex, ey);
            }
            foreach (var (name, result, _) in rows)
            {
                var steps = result.Torch.History.Steps;
                curves.Add($"{name}: lr", steps.Select(s => (double)s.Step).ToArray(), steps.Select(s => s.LearningRate).ToArray(), secondaryAxis: true);
            }
            SavePlot(curves, plotPath);
            Console.WriteLine($"Wrote {Path.GetFullPath(plotPath)}");
        }));
        return command;
    }

    internal static List<(string Name, LrSchedule Schedule)> DefaultSchedules(double learningRate, long totalSteps)
    {
        string peak = learningRate.ToString("R", CultureInfo.InvariantCulture);
        long stepSize = Math.Max(1, totalSteps / 3);
        return new[]
        {
            "constant()",
            $"step(step_size={stepSize}, gamma=0.1)",
            "cosine(min=1e-5)",
            $"one_cycle(max_lr={peak})",
            "hf_warmup_stable_decay(num_warmup_steps=5%, num_decay_steps=20%)",
        }.Select(text => (text, LrSchedule.Parse(text))).ToList();
    }

    /// <summary>
    /// Trains with a checkpoint (the whole pipeline) at the end of epochs, at most one per --checkpoint-interval. Ctrl+C, SIGTERM or --stop-after-epochs stop
    /// before the next step: the result is then null, and the last checkpoint is the run's resumable state.
    /// </summary>
    private static RunResult? FitInterruptible(Interruption interruption, PreparedData prepared, RunPaths paths, int? stopAfterEpochs,
        Func<IProgress<TrainingProgress>, TorchNetworkTrainer> makeTrainer, Func<TorchNetworkTrainer, ITransformer> fit)
    {
        if (interruption.Requested)
            throw new CommandException($"{paths.Model}: interrupted ({interruption.Signal}) before training started: nothing written (expected the command to run to its end)");
        interruption.Training = true;
        try
        {
            return LiveProgress.Run(Path.GetFileName(paths.Model), progress =>
            {
                var watched = new ForwardingProgress(progress, p =>
                {
                    TestHooks.Pause($"step:{p.Step}");
                    if (stopAfterEpochs is { } k && p.Epoch > k) interruption.Stop("--stop-after-epochs");
                });
                var trainer = makeTrainer(watched);
                try { return TrainingRun.Fit(prepared, () => fit(trainer)); }
                catch (OperationCanceledException) when (interruption.Requested) { return null; }
            });
        }
        finally
        {
            interruption.Training = false;
        }
    }

    private sealed class ForwardingProgress(IProgress<TrainingProgress> inner, Action<TrainingProgress> watch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            inner.Report(value);
            watch(value);
        }
    }

    private static void DescribeRun(TabularData data, bool mnist, CliTask task, PreparedData prepared, TrainingSpec spec)
    {
        DescribeData(data, mnist, task, prepared);
        Console.WriteLine($"Network: {(spec.Network.Layers.Count == 0 ? "none (a linear model)" : spec.Network)}, then the task's output layer; optimizer {spec.Optimizer}{(spec.Nesterov ? " (Nesterov)" : "")}, weight decay {TrainingRun.Format(spec.WeightDecay)}; {spec.Epochs} epochs of batch {spec.BatchSize}; device {spec.Device}; seed {spec.Seed}.");
        Console.WriteLine($"Schedule: {Describe(spec.Schedule)} on base lr {TrainingRun.Format(spec.LearningRate)}.");
    }

    private static void DescribeData(TabularData data, bool mnist, CliTask task, PreparedData prepared)
    {
        Console.WriteLine($"Data: {(mnist ? TabularData.MnistName : data.Source)}; label '{data.LabelName}', {data.FeatureNames.Length} features, {prepared.TrainRows} training, {prepared.ValidationRows} validation and {prepared.TestRows} test rows; task {task.Task}.");
        foreach (var note in data.Notes) Console.WriteLine($"  note: {note}");
    }

    private static string Describe(LrSchedule schedule) => LrScheduleText.Format(schedule);

    /// <summary>
    /// Ends a run. Finished: the test rows are scored (the only time they are touched), then the plot and the model are put
    /// in place, each atomically, and only then the checkpoint is removed. Interrupted: the last checkpoint (a whole
    /// pipeline) becomes the model file in one rename, after the plot of its history.
    /// </summary>
    private static void Finish(MLContext ml, PreparedData prepared, RunResult? result, RunPaths paths, DataViewSchema inputSchema)
    {
        if (result is null)
        {
            if (!File.Exists(paths.Checkpoint))
                throw new CommandException($"{paths.Model}: interrupted before the end of the first epoch: nothing written (expected at least one finished epoch to save)");
            var saved = ModelFiles.ReadInfo(paths.Checkpoint)[^1];
            SaveTrainingPlot(saved.History, saved.Task, paths.Plot, $"{Path.GetFileName(paths.Model)}: {LrScheduleText.Format(saved.Schedule)}");
            AtomicFile.Promote(paths.Checkpoint, paths.Model);
            Console.WriteLine($"Stopped after epoch {saved.EpochsCompleted} of {saved.Settings.Epochs}; continue with: lrsched retrain {paths.Model} --continue");
            Console.WriteLine($"Wrote {Path.GetFullPath(paths.Model)} (test metrics are reported when the run completes)");
            Console.WriteLine($"Wrote {Path.GetFullPath(paths.Plot)}");
            return;
        }
        var m = result.Torch;
        Console.WriteLine($"Trained {m.EpochsCompleted} epochs ({m.StepsCompleted} steps) in {result.WallTime.TotalSeconds:0.0} s on {Threads(m.Settings.NumberOfThreads)}; stop reason {m.StopReason}.");
        var metrics = prepared.Task.Evaluate(ml, result.Model.Transform(prepared.RawTest));
        Console.WriteLine($"Test metrics ({prepared.TestRows} rows):");
        foreach (var (name, value) in metrics.Values)
            Console.WriteLine($"  {name,-16} {value.ToString("0.0000", CultureInfo.InvariantCulture)}");
        SaveTrainingPlot(m.History, m.Task, paths.Plot, $"{Path.GetFileName(paths.Model)}: {LrScheduleText.Format(m.Schedule)}");
        TrainingRun.Save(ml, result.Model, inputSchema, paths.Model);
        if (File.Exists(paths.Checkpoint)) File.Delete(paths.Checkpoint);
        Console.WriteLine($"Wrote {Path.GetFullPath(paths.Model)}");
        Console.WriteLine($"Wrote {Path.GetFullPath(paths.Plot)}");
    }

    /// <summary>Learning rate (right axis), training loss per step and the validation metric at each epoch's last step (left axis).</summary>
    internal static void SaveTrainingPlot(TrainingHistory history, TrainingTask task, string path, string title)
    {
        var steps = history.Steps;
        if (steps.Count == 0) throw new CommandException($"{path}: the model's history holds no steps to plot (expected a model trained for at least one step)");
        var x = steps.Select(s => (double)s.Step).ToArray();
        string metric = $"validation {TrainingEngine.MetricName(task)}";
        var plot = new Plotting.CurvePlot("step", $"training loss / {metric}") { SecondaryYLabel = "learning rate", Title = Shorten(title), Width = 1000, Height = 600 };
        plot.Add("training loss", x, steps.Select(s => s.Loss).ToArray());
        var (ex, ey) = EpochPoints(history);
        if (ex.Length > 0) plot.Add(metric, ex, ey);
        plot.Add("learning rate", x, steps.Select(s => s.LearningRate).ToArray(), secondaryAxis: true);
        SavePlot(plot, path);
    }

    /// <summary>A plot through <see cref="AtomicFile"/>: PNG or SVG by the extension.</summary>
    internal static void SavePlot(Plotting.CurvePlot plot, string path) =>
        AtomicFile.WriteAllBytes(path, path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase) ? plot.RenderSvg() : plot.RenderPng());

    private static string Shorten(string title) => title.Length <= 110 ? title : title[..107] + "...";

    /// <summary>Each epoch's validation metric, placed at the epoch's last step.</summary>
    internal static (double[] X, double[] Y) EpochPoints(TrainingHistory history)
    {
        var lastStep = new Dictionary<int, long>();
        foreach (var s in history.Steps) lastStep[s.Epoch] = s.Step;
        var points = history.Epochs.Where(e => e.ValidationMetric is not null && lastStep.ContainsKey(e.Epoch)).ToList();
        return (points.Select(e => (double)lastStep[e.Epoch]).ToArray(), points.Select(e => e.ValidationMetric!.Value).ToArray());
    }

    /// <summary>A Spectre console on the current <see cref="Console.Out"/> (tests redirect it).</summary>
    internal static IAnsiConsole Output()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            Ansi = LiveProgress.Interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = LiveProgress.Interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        // Logs and pipes have no width: keep table rows on one line.
        if (!LiveProgress.Interactive) console.Profile.Width = 200;
        return console;
    }
}
