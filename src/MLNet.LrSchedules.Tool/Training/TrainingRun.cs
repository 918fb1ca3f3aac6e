using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Tool.Commands;
using MLNet.LrSchedules.Tool.Files;

namespace MLNet.LrSchedules.Tool.Training;

/// <summary>What the user asked for: network, optimizer, schedule and run length.</summary>
internal sealed record TrainingSpec(
    LrSchedule Schedule,
    double LearningRate,
    int Epochs,
    int BatchSize,
    NetworkSpec Network,
    OptimizerKind Optimizer,
    double Momentum,
    bool Nesterov,
    double WeightDecay,
    int Seed,
    ComputeDevice Device,
    int? Threads = null)
{
    /// <summary>
    /// The default for the embedded MNIST sample: a small CNN (<see cref="MnistNetwork"/>), AdamW with decoupled weight decay
    /// 1e-2, one-cycle to 1e-2 (beta1 cycled), 6 epochs of batch 128. Chosen on validation rows only, in two rounds of
    /// candidates (docs/BENCHMARKS.md, "CNN search for the main job": bench <c>cnn-search</c>, whose <c>MainJob</c> holds the same settings).
    /// </summary>
    public static TrainingSpec MnistDefault(int seed = 1) => new(
        OneCycle(1e-2), 1e-2, 6, 128, NetworkSpec.Parse(MnistNetwork), OptimizerKind.AdamW, 0.9, false, 1e-2, seed, ComputeDevice.Cpu);

    /// <summary>The default network body for the MNIST sample: two 5×5 convolution stages (12 and 24 channels), each followed by ReLU, 2×2 max pooling and batch norm, then a hidden layer of 64.</summary>
    public const string MnistNetwork =
        "reshape(1, 28, 28) >> conv2d(12, kernel=5) >> relu >> maxpool2d(2) >> batchnorm2d >> conv2d(24, kernel=5) >> relu >> maxpool2d(2) >> batchnorm2d >> flatten >> linear(64) >> relu";

    /// <summary>One-cycle's peak is absolute (PyTorch's max_lr), so it follows --lr.</summary>
    public static LrSchedule OneCycle(double maxLr) => LrSchedule.Parse($"one_cycle(max_lr={maxLr.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})");

    /// <summary>The default for user data: smaller tables, more epochs.</summary>
    public static TrainingSpec TableDefault(int seed = 1) => new(
        LrSchedule.Parse("warmup(5%) >> cosine(min=1e-5)"), 3e-3, 30, 32, NetworkSpec.Mlp([64]), OptimizerKind.AdamW, 0.9, false, 1e-2, seed, ComputeDevice.Cpu);

    /// <summary>The network, optimizer and batch settings, which the range test uses too.</summary>
    public void FillNetwork(TorchNetworkOptions o)
    {
        o.Network = Network;
        o.BatchSize = BatchSize;
        o.Optimizer = Optimizer;
        o.Momentum = Momentum;
        o.Nesterov = Nesterov;
        o.WeightDecay = WeightDecay;
        o.Seed = Seed;
        o.Device = Device;
        o.NumberOfThreads = Threads;
    }

    public void Fill(TorchNetworkOptions o)
    {
        FillNetwork(o);
        o.Schedule = Schedule;
        o.LearningRate = LearningRate;
        o.Epochs = Epochs;
    }
}

/// <summary>Where a run's checkpoints go (written after epochs, at most once per <paramref name="MinimumInterval"/>) and the preprocessing they hold (null: a continued run's own).</summary>
internal sealed record CheckpointPlan(string Path, TimeSpan MinimumInterval, CheckpointPipeline? Pipeline = null);

/// <summary>The views of one split (training, validation, test) and the preprocessing fitted on the training rows alone.</summary>
internal sealed record PreparedData(CliTask Task, IDataView RawTrain, ITransformer Preprocess, IDataView Train, IDataView? Validation, IDataView RawTest, int TrainRows, int ValidationRows, int TestRows);

/// <summary>The outcome of one finished training run: the whole pipeline and what its network holds.</summary>
internal sealed record RunResult(ITransformer Model, TorchNetworkModel Torch, TimeSpan WallTime);

/// <summary>The test metrics of a task, in display order; the first is the headline.</summary>
internal sealed record TaskMetrics(TrainingTask Task, IReadOnlyList<(string Name, double Value)> Values)
{
    public double Get(string name) => Values.First(v => v.Name == name).Value;
}

/// <summary>Preparation, training, evaluation and saving shared by train, retrain and compare.</summary>
internal static class TrainingRun
{
    /// <summary>
    /// The raw views of the split (the features column carrying <paramref name="recipe"/>), and the preprocessing: fitted on
    /// the training rows (key mapping, then standardization unless <paramref name="standardize"/> is false), or the given one.
    /// </summary>
    public static PreparedData Prepare(MLContext ml, TabularData data, CliTask task, DataSplit split, RunRecipe? recipe,
        DataViewType? labelType = null, ITransformer? preprocess = null, bool standardize = true)
    {
        var rawTrain = data.ToDataView(ml, split.Train, task, labelType, recipe);
        var rawValidation = split.Validation.Length > 0 ? data.ToDataView(ml, split.Validation, task, labelType) : null;
        var rawTest = data.ToDataView(ml, split.Test, task, labelType);
        if (preprocess is null)
        {
            // Centered inputs: ML.NET's default fixZero keeps zeros and only scales, which trains much slower.
            IEstimator<ITransformer> normalize = standardize
                ? ml.Transforms.NormalizeMeanVariance(TabularData.FeaturesColumn, fixZero: false)
                : ml.Transforms.CopyColumns(TabularData.FeaturesColumn, TabularData.FeaturesColumn);
            var estimator = task.LabelPreprocessing(ml) is { } label ? label.Append(normalize) : normalize;
            preprocess = estimator.Fit(rawTrain);
        }
        return new PreparedData(task, rawTrain, preprocess, preprocess.Transform(rawTrain), rawValidation is null ? null : preprocess.Transform(rawValidation), rawTest,
            split.Train.Length, split.Validation.Length, split.Test.Length);
    }

    /// <summary>
    /// A trainer for <paramref name="spec"/> that validates on the validation rows, never the test rows. The CLI has no
    /// early stopping, so the library's <c>RestoreBestWeights</c> does not apply: the last epoch's weights are kept and the
    /// final model equals the final checkpoint. <paramref name="cancellation"/> (Ctrl+C, SIGTERM) stops it before the next step.
    /// </summary>
    public static TorchNetworkTrainer Trainer(MLContext ml, CliTask task, TrainingSpec spec, IDataView? validation, IProgress<TrainingProgress>? progress,
        CancellationToken cancellation, CheckpointPlan? checkpoints = null) =>
        task.Trainer(ml, o =>
        {
            spec.Fill(o);
            Common(o, validation, progress, cancellation, checkpoints);
        });

    /// <summary>
    /// A trainer that continues a saved run: the run's own settings (the command checked the options against them), on
    /// <paramref name="device"/>, with the validation rows, progress and a checkpoint every epoch.
    /// </summary>
    public static TorchNetworkTrainer Continuing(MLContext ml, CliTask task, ComputeDevice device, int? threads, IDataView? validation, IProgress<TrainingProgress>? progress,
        CancellationToken cancellation, CheckpointPlan checkpoints) =>
        task.Trainer(ml, o =>
        {
            o.Device = device;
            o.NumberOfThreads = threads;
            Common(o, validation, progress, cancellation, checkpoints);
        });

    private static void Common(TorchTrainerOptions o, IDataView? validation, IProgress<TrainingProgress>? progress, CancellationToken cancellation,
        CheckpointPlan? checkpoints)
    {
        o.LabelColumnName = TabularData.LabelColumn;
        o.FeatureColumnName = TabularData.FeaturesColumn;
        o.ValidationSet = validation;
        o.Progress = progress;
        o.CancellationToken = cancellation;
        if (checkpoints is { } c)
        {
            o.CheckpointEveryEpochs = 1;
            o.CheckpointMinimumInterval = c.MinimumInterval;
            o.CheckpointPath = c.Path;
            o.CheckpointPipeline = c.Pipeline;
        }
    }

    /// <summary>Runs <paramref name="fit"/> (which returns the whole pipeline); a divergence after the first epoch keeps the last good epoch's model.</summary>
    public static RunResult Fit(PreparedData data, Func<ITransformer> fit)
    {
        var clock = Stopwatch.StartNew();
        ITransformer model;
        try { model = fit(); }
        catch (NetworkShapeException shape) { throw ShapeError(shape); }
        catch (TorchNetworkDivergedException diverged) when (diverged.LastGoodModel.Model.EpochsCompleted == 0)
        {
            throw new CommandException($"{diverged.Message} (expected a finite loss: lower --lr or change the schedule)", diverged);
        }
        catch (TorchNetworkDivergedException diverged)
        {
            Console.Error.WriteLine($"warning: {diverged.Message} Keeping the model of the last good epoch.");
            model = Chain(data.Preprocess, diverged.LastGoodModel);
        }
        clock.Stop();
        return new RunResult(model, Network(model).Model, clock.Elapsed);
    }

    /// <summary>A network given with --network (or --hidden) that does not fit the data's features, found before any step.</summary>
    public static CommandException ShapeError(NetworkShapeException shape) =>
        new($"--network: {shape.Message.TrimEnd('.')} (expected a network whose layers take the data's features; see docs/NETWORKS.md)", shape);

    /// <summary>The preprocessing followed by the network, flat.</summary>
    public static TransformerChain<ITransformer> Chain(ITransformer preprocess, ITransformer network) =>
        preprocess is IEnumerable<ITransformer> chain
            ? new TransformerChain<ITransformer>([.. chain, network])
            : new TransformerChain<ITransformer>(preprocess, network);

    /// <summary>The network at the end of a pipeline.</summary>
    public static TorchNetworkTransformer Network(ITransformer model) =>
        model as TorchNetworkTransformer ?? (model as IEnumerable<ITransformer>)?.LastOrDefault() as TorchNetworkTransformer
        ?? throw new InvalidOperationException("The pipeline does not end with a TorchSharp network.");

    /// <summary>Mean over classes of F1 = 2TP / (2TP + FP + FN); rows of the confusion matrix are the true classes, columns the predictions. Classes absent from both count as 0 only when predicted or present.</summary>
    public static double MacroF1(ConfusionMatrix matrix)
    {
        var counts = matrix.Counts;
        int k = counts.Count;
        double sum = 0;
        int classes = 0;
        for (int c = 0; c < k; c++)
        {
            double tp = counts[c][c];
            double fn = counts[c].Sum() - tp;
            double fp = 0;
            for (int r = 0; r < k; r++) if (r != c) fp += counts[r][c];
            if (tp + fn + fp == 0) continue;
            sum += 2 * tp / (2 * tp + fp + fn);
            classes++;
        }
        return classes == 0 ? 0 : sum / classes;
    }

    /// <summary>Saves the pipeline with its raw input schema, sealed, through <see cref="AtomicFile"/>: an interrupted write never leaves a half model.</summary>
    public static void Save(MLContext ml, ITransformer model, DataViewSchema inputSchema, string path) =>
        AtomicFile.WriteModel(ml, model, inputSchema, path);

    public static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
