using System.CommandLine;
using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Serialization;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Tool.Training;
using Spectre.Console;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>The training commands: train, retrain and compare.</summary>
internal static class TrainCommands
{
    public static Command Train()
    {
        var options = new TrainingOptions();
        var output = new Option<string?>("--output", "-o") { Description = "The model file (default ./mnist-model.zip, or <data>-model.zip for --data)." };
        var plot = new Option<string?>("--plot") { Description = "PNG/SVG of learning rate, training loss and validation accuracy against step (default ./mnist-training.png, or <data>-training.png)." };
        var stopAfter = new Option<int?>("--stop-after-epochs") { Description = "Stop after this many of the planned epochs and save a resumable model (continue it with 'lrsched retrain --continue')." };
        var command = new Command("train", "Train a TorchSharp MLP with a learning-rate schedule in an ML.NET pipeline (default: the embedded MNIST sample), print test metrics, save the model and a plot of the run.");
        foreach (var o in options.All()) command.Options.Add(o);
        command.Options.Add(output);
        command.Options.Add(plot);
        command.Options.Add(stopAfter);
        command.SetAction(r => Run(() =>
        {
            bool mnist = options.UsesMnist(r);
            var spec = options.Spec(r, mnist ? TrainingSpec.MnistDefault() : TrainingSpec.TableDefault());
            var data = options.ReadData(r);
            var task = options.ResolveTask(r, data);
            string stem = mnist ? "mnist" : Path.GetFileNameWithoutExtension(data.Source.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? data.Source[..^3] : data.Source);
            string modelPath = r.GetValue(output) ?? $"{stem}-model.zip";
            string plotPath = r.GetValue(plot) ?? $"{stem}-training.png";
            CheckPlotPath(plotPath);
            if (r.GetValue(stopAfter) is { } k && (k < 1 || k >= spec.Epochs))
                throw new CommandException($"Option '--stop-after-epochs' must be in [1, {spec.Epochs - 1}] (fewer than --epochs {spec.Epochs}); received {k}.");

            var ml = new MLContext(spec.Seed);
            var (trainRows, testRows) = options.Split(r, data, spec.Seed);
            var prepared = TrainingRun.Prepare(ml, data, task, trainRows, testRows, standardize: !mnist);
            DescribeRun(data, mnist, task, prepared, spec);
            var result = FitInterruptible(ml, prepared, modelPath, r.GetValue(stopAfter),
                (progress, checkpoint) => TrainingRun.Trainer(ml, task, spec, prepared.Test, progress, checkpoint), (trainer, d) => trainer.Fit(d));
            Finish(ml, prepared, result, modelPath, plotPath);
        }));
        return command;
    }

    public static Command Retrain()
    {
        var options = new TrainingOptions();
        var model = new Argument<string>("model") { Description = "A model file written by 'lrsched train' (or any ML.NET pipeline ending with a TorchMlp transformer)." };
        var resume = new Option<bool>("--continue") { Description = "Continue the saved run where it stopped: weights, optimizer state and schedule position restored, its own settings kept." };
        var output = new Option<string?>("--output", "-o") { Description = "The new model file (default: <model>-retrained.zip); written atomically." };
        var plot = new Option<string?>("--plot") { Description = "PNG/SVG of the run (default: next to the new model, <name>-training.png)." };
        var command = new Command("retrain", "Continue a saved run (--continue) or fine-tune a saved model with a new schedule (--schedule, --epochs, --lr) on data; writes a new model file.") { model };
        foreach (var o in options.All(withTask: false)) command.Options.Add(o);
        command.Options.Add(resume);
        command.Options.Add(output);
        command.Options.Add(plot);
        command.SetAction(r => Run(() =>
        {
            string path = r.GetValue(model)!;
            if (!File.Exists(path)) throw new CommandException($"Model file '{path}' does not exist.");
            var info = TorchModelInfo.Read(path);
            var ml = new MLContext(info.Settings.Seed);
            var loaded = ml.Model.Load(path, out var inputSchema);
            var (preprocess, torch) = SplitChain(loaded, path);
            var labelColumn = inputSchema.GetColumnOrNull(TabularData.LabelColumn)
                ?? throw new CommandException($"Model file '{path}' takes no '{TabularData.LabelColumn}' column: it was not written by 'lrsched train'.");
            int modelFeatures = inputSchema.GetColumnOrNull(TabularData.FeaturesColumn)?.Type is VectorDataViewType { Size: var size } ? size : -1;

            var data = options.ReadData(r);
            if (data.FeatureNames.Length != modelFeatures)
                throw new CommandException($"The data has {data.FeatureNames.Length} numeric feature columns; the model in '{path}' takes {modelFeatures}.");
            int seed = r.GetValue(options.Seed) ?? info.Settings.Seed;
            var (trainRows, testRows) = options.Split(r, data, seed);
            var prepared = TrainingRun.Prepare(ml, data, info.Task, trainRows, testRows, labelColumn.Type, preprocess);

            string outputPath = r.GetValue(output) ?? Path.Combine(Path.GetDirectoryName(path) ?? ".", Path.GetFileNameWithoutExtension(path) + "-retrained.zip");
            string plotPath = r.GetValue(plot) ?? Path.ChangeExtension(outputPath, null) + "-training.png";
            CheckPlotPath(plotPath);
            RunResult result;
            if (r.GetValue(resume))
            {
                foreach (var o in new Option[] { options.Schedule, options.LearningRate, options.Epochs, options.BatchSize, options.Hidden, options.Optimizer, options.Momentum, options.WeightDecay })
                    if (r.GetResult(o) is not null)
                        throw new CommandException($"Option '{o.Name}' cannot be combined with --continue: a continued run keeps its own settings. Fine-tune instead (leave out --continue).");
                if (info.StopReason != TrainingStopReason.Diverged && info.EpochsCompleted >= info.Settings.Epochs)
                    throw new CommandException($"The run in '{path}' already completed all its {info.Settings.Epochs} epochs; fine-tune it instead: lrsched retrain {path} --schedule \"...\" --epochs N.");
                var spec = SpecFromModel(info) with { Device = TrainingOptions.ParseDevice(r.GetValue(options.Device)!) };
                Console.WriteLine($"Continuing the run in {path}: epoch {info.EpochsCompleted + 1} of {info.Settings.Epochs}, step {info.SchedulerState.Step}, schedule {LrScheduleText.Format(info.Schedule)}");
                result = FitInterruptible(ml, prepared, outputPath, null, (progress, checkpoint) => TrainingRun.Trainer(ml, info.Task, spec, prepared.Test, progress, checkpoint), (trainer, d) => trainer.Resume(d, torch));
            }
            else
            {
                var spec = options.Spec(r, SpecFromModel(info) with { Schedule = LrSchedule.Parse("warmup(5%) >> cosine(min=1e-5)"), Seed = seed });
                Console.WriteLine($"Fine-tuning {path} ({info.EpochsCompleted} epochs done) for {spec.Epochs} epochs: schedule {Describe(spec.Schedule)}, base lr {TrainingRun.Format(spec.LearningRate)}, {spec.Optimizer}");
                result = FitInterruptible(ml, prepared, outputPath, null, (progress, checkpoint) => TrainingRun.Trainer(ml, info.Task, spec, prepared.Test, progress, checkpoint), (trainer, d) => trainer.Fit(d, torch));
            }
            Finish(ml, prepared, result, outputPath, plotPath);
        }));
        return command;
    }

    private static TrainingSpec SpecFromModel(TorchModelInfo info)
    {
        var s = info.Settings;
        // Fine-tuning and resuming keep the model's own network; these sizes only describe it.
        var layers = info.Network.Layers;
        int[] hidden = layers.OfType<LinearLayer>().SkipLast(1).Select(l => l.OutFeatures).ToArray();
        double dropout = layers.OfType<DropoutLayer>().FirstOrDefault()?.Probability ?? 0;
        return new TrainingSpec(info.Schedule, s.LearningRate, s.Epochs, s.BatchSize, hidden, s.Optimizer.Kind,
            s.Optimizer.Momentum, s.Optimizer.Nesterov, s.Optimizer.WeightDecay, dropout, s.Seed, s.Device);
    }

    private static (ITransformer Preprocess, TorchNetworkTransformer Torch) SplitChain(ITransformer loaded, string path)
    {
        if (loaded is TransformerChain<ITransformer> chain && chain.LastTransformer is TorchNetworkTransformer torch)
            return (new TransformerChain<ITransformer>(chain.Take(chain.Count() - 1).ToArray()), torch);
        throw new CommandException($"Model file '{path}' is not a pipeline ending with a TorchMlp network (was it written by 'lrsched train'?).");
    }

    public static Command Compare()
    {
        var options = new TrainingOptions();
        var schedules = new Option<string[]>("--schedules") { Description = "The schedules to compare (text form, JSON or files). Default: constant, step, cosine, one-cycle, warmup-stable-decay.", AllowMultipleArgumentsPerToken = true };
        var target = new Option<double?>("--target") { Description = "The validation accuracy (RMSE for regression) whose first epoch is reported. Default 0.95 for MNIST, none otherwise." };
        var plot = new Option<string>("--plot", "-o") { Description = "PNG/SVG of validation accuracy and learning rate against step for every schedule.", DefaultValueFactory = _ => "compare.png" };
        var command = new Command("compare", "Train the same pipeline under several schedules on the same split and seed; print a table and plot the curves together.");
        foreach (var o in options.All().Where(o => o != options.Schedule)) command.Options.Add(o);
        command.Options.Add(schedules);
        command.Options.Add(target);
        command.Options.Add(plot);
        command.SetAction(r => Run(() =>
        {
            string plotPath = r.GetValue(plot)!;
            CheckPlotPath(plotPath);
            bool mnist = options.UsesMnist(r);
            var spec = options.Spec(r, mnist ? TrainingSpec.MnistDefault() : TrainingSpec.TableDefault());
            var given = r.GetValue(schedules) is { Length: > 0 } texts ? texts.Select(s => (Name: s, Schedule: ScheduleInput.Read(s))).ToList() : null;
            var data = options.ReadData(r);
            var task = options.ResolveTask(r, data);
            double? goal = r.GetValue(target) ?? (mnist && task != TrainingTask.Regression ? 0.95 : null);
            var ml = new MLContext(spec.Seed);
            var (trainRows, testRows) = options.Split(r, data, spec.Seed);
            var prepared = TrainingRun.Prepare(ml, data, task, trainRows, testRows, standardize: !mnist);
            long totalSteps = (long)spec.Epochs * ((trainRows.Length + spec.BatchSize - 1) / spec.BatchSize);
            var candidates = given ?? DefaultSchedules(spec.LearningRate, totalSteps);
            DescribeRun(data, mnist, task, prepared, spec with { Schedule = candidates[0].Schedule });

            var rows = new List<(string Name, RunResult Result)>();
            foreach (var (name, schedule) in candidates)
            {
                var runSpec = spec with { Schedule = schedule };
                var runContext = new MLContext(spec.Seed);
                var result = LiveProgress.Run(name, progress =>
                    TrainingRun.Fit(runContext, prepared, () => TrainingRun.Trainer(runContext, task, runSpec, prepared.Test, progress).Fit(prepared.Train)));
                rows.Add((name, result));
            }

            string metricName = TrainingRun.MetricName(task);
            bool higherIsBetter = task != TrainingTask.Regression;
            var table = new Table().AddColumns("schedule", $"final {metricName}", $"best {metricName}", goal is { } g ? $"first epoch {(higherIsBetter ? ">=" : "<=")} {TrainingRun.Format(g)}" : "first epoch at target", $"test {rows[0].Result.Metrics.Values[0].Name}", "wall time");
            foreach (var (name, result) in rows)
            {
                var epochs = result.Torch.History.Epochs.Where(e => e.ValidationMetric is not null).ToList();
                double final = epochs.Count > 0 ? epochs[^1].ValidationMetric!.Value : double.NaN;
                double best = epochs.Count == 0 ? double.NaN : higherIsBetter ? epochs.Max(e => e.ValidationMetric!.Value) : epochs.Min(e => e.ValidationMetric!.Value);
                var reached = goal is { } t ? epochs.FirstOrDefault(e => higherIsBetter ? e.ValidationMetric >= t : e.ValidationMetric <= t) : null;
                table.AddRow(Markup.Escape(name), TrainingRun.Format(final), TrainingRun.Format(best),
                    goal is null ? "-" : reached is null ? "not reached" : reached.Epoch.ToString(CultureInfo.InvariantCulture),
                    TrainingRun.Format(result.Metrics.Values[0].Value), $"{result.WallTime.TotalSeconds:0.0} s");
            }
            Output().Write(table);

            var curves = new Plotting.CurvePlot("step", metricName) { SecondaryYLabel = "learning rate", Title = $"{(mnist ? "MNIST" : Path.GetFileName(data.Source))}: schedules compared", Width = 1000, Height = 600 };
            foreach (var (name, result) in rows)
            {
                var (ex, ey) = EpochPoints(result.Torch.History);
                if (ex.Length > 0) curves.Add($"{name}: {metricName}", ex, ey);
            }
            foreach (var (name, result) in rows)
            {
                var steps = result.Torch.History.Steps;
                curves.Add($"{name}: lr", steps.Select(s => (double)s.Step).ToArray(), steps.Select(s => s.LearningRate).ToArray(), secondaryAxis: true);
            }
            curves.Save(plotPath);
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
    /// Trains, checkpointing every epoch next to <paramref name="outputPath"/> so that Ctrl+C or --stop-after-epochs still
    /// leaves a resumable model (the whole pipeline) behind.
    /// </summary>
    private static RunResult FitInterruptible(MLContext ml, PreparedData prepared, string outputPath, int? stopAfterEpochs,
        Func<IProgress<TrainingProgress>, string, TorchNetworkTrainer> makeTrainer, Func<TorchNetworkTrainer, IDataView, TorchNetworkTransformer> fit)
    {
        string full = Path.GetFullPath(outputPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string checkpoint = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.checkpoint");
        bool interrupted = false;
        void Cancel() { interrupted = true; CancelExecution(ml); }
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            // A second Ctrl+C ends the process at once.
            if (interrupted) return;
            e.Cancel = true;
            Console.Error.WriteLine("Interrupted: stopping after the current step and saving a resumable model (Ctrl+C again to quit now).");
            Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            return LiveProgress.Run(Path.GetFileName(outputPath), progress =>
            {
                IProgress<TrainingProgress> watched = stopAfterEpochs is { } k
                    ? new ForwardingProgress(progress, p => { if (p.Epoch > k && !interrupted) Cancel(); })
                    : progress;
                var trainer = makeTrainer(watched, checkpoint);
                return TrainingRun.Fit(ml, prepared, () =>
                {
                    try { return fit(trainer, prepared.Train); }
                    catch (OperationCanceledException) when (interrupted)
                    {
                        if (!File.Exists(checkpoint)) throw new CommandException("Training was interrupted before the end of the first epoch: no model written.");
                        return (TorchNetworkTransformer)new MLContext().Model.Load(checkpoint, out _);
                    }
                }) with { Interrupted = interrupted };
            });
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
            if (File.Exists(checkpoint)) File.Delete(checkpoint);
        }
    }

    /// <summary><c>MLContext.CancelExecution()</c> is internal in ML.NET 5 (AutoML uses it); the trainers stop before the next step when it is called.</summary>
    private static void CancelExecution(MLContext ml) =>
        typeof(MLContext).GetMethod("CancelExecution", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.Invoke(ml, null);

    private sealed class ForwardingProgress(IProgress<TrainingProgress> inner, Action<TrainingProgress> watch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            inner.Report(value);
            watch(value);
        }
    }

    private static void DescribeRun(TabularData data, bool mnist, TrainingTask task, PreparedData prepared, TrainingSpec spec)
    {
        Console.WriteLine($"Data: {(mnist ? TabularData.MnistName : data.Source)}; label '{data.LabelName}', {data.FeatureNames.Length} features, {prepared.TrainRows} training and {prepared.TestRows} test rows; task {task}.");
        foreach (var note in data.Notes) Console.WriteLine($"  note: {note}");
        string hidden = spec.Hidden.Length == 0 ? "none (linear)" : string.Join(",", spec.Hidden);
        Console.WriteLine($"Network: hidden {hidden}, dropout {TrainingRun.Format(spec.Dropout)}; optimizer {spec.Optimizer}{(spec.Nesterov ? " (Nesterov)" : "")}, weight decay {TrainingRun.Format(spec.WeightDecay)}; {spec.Epochs} epochs of batch {spec.BatchSize}; device {spec.Device}; seed {spec.Seed}.");
        Console.WriteLine($"Schedule: {Describe(spec.Schedule)} on base lr {TrainingRun.Format(spec.LearningRate)}.");
    }

    private static string Describe(LrSchedule schedule) => LrScheduleText.Format(schedule);

    private static void Finish(MLContext ml, PreparedData prepared, RunResult result, string modelPath, string plotPath)
    {
        var m = result.Torch;
        if (result.Interrupted)
            Console.WriteLine($"Stopped after epoch {m.EpochsCompleted} of {m.Settings.Epochs}; continue with: lrsched retrain {modelPath} --continue");
        Console.WriteLine($"Trained {m.EpochsCompleted} epochs ({m.StepsCompleted} steps) in {result.WallTime.TotalSeconds:0.0} s; stop reason {m.StopReason}.");
        Console.WriteLine($"Test metrics ({prepared.TestRows} rows):");
        foreach (var (name, value) in result.Metrics.Values)
            Console.WriteLine($"  {name,-16} {value.ToString("0.0000", CultureInfo.InvariantCulture)}");
        TrainingRun.SaveAtomically(ml, result.Model, prepared.RawTrain.Schema, modelPath);
        Console.WriteLine($"Wrote {Path.GetFullPath(modelPath)}");
        SaveTrainingPlot(m.History, m.Task, plotPath, $"{Path.GetFileName(modelPath)}: {LrScheduleText.Format(m.Schedule)}");
        Console.WriteLine($"Wrote {Path.GetFullPath(plotPath)}");
    }

    /// <summary>Learning rate (right axis), training loss per step and the validation metric at each epoch's last step (left axis).</summary>
    internal static void SaveTrainingPlot(TrainingHistory history, TrainingTask task, string path, string title)
    {
        var steps = history.Steps;
        if (steps.Count == 0) throw new CommandException("The model's history holds no steps to plot.");
        var x = steps.Select(s => (double)s.Step).ToArray();
        string metric = TrainingRun.MetricName(task);
        var plot = new Plotting.CurvePlot("step", $"training loss / {metric}") { SecondaryYLabel = "learning rate", Title = Shorten(title), Width = 1000, Height = 600 };
        plot.Add("training loss", x, steps.Select(s => s.Loss).ToArray());
        var (ex, ey) = EpochPoints(history);
        if (ex.Length > 0) plot.Add(metric, ex, ey);
        plot.Add("learning rate", x, steps.Select(s => s.LearningRate).ToArray(), secondaryAxis: true);
        plot.Save(path);
    }

    private static string Shorten(string title) => title.Length <= 110 ? title : title[..107] + "...";

    /// <summary>Each epoch's validation metric, placed at the epoch's last step.</summary>
    internal static (double[] X, double[] Y) EpochPoints(TrainingHistory history)
    {
        var lastStep = new Dictionary<int, long>();
        foreach (var s in history.Steps) lastStep[s.Epoch] = s.Step;
        var points = history.Epochs.Where(e => e.ValidationMetric is not null && lastStep.ContainsKey(e.Epoch)).ToList();
        return (points.Select(e => (double)lastStep[e.Epoch]).ToArray(), points.Select(e => e.ValidationMetric!.Value).ToArray());
    }

    internal static void CheckPlotPath(string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".png" or ".svg")) throw new CommandException($"The plot file '{path}' must end with .png or .svg.");
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

    /// <summary>Runs a command body; any failure becomes one line on stderr and exit code 1 (set LRSCHED_DEBUG=1 for the stack trace).</summary>
    internal static int Run(Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var shown = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            Console.Error.WriteLine($"error: {shown.Message}");
            if (Environment.GetEnvironmentVariable("LRSCHED_DEBUG") == "1") Console.Error.WriteLine(shown);
            return 1;
        }
    }
}
