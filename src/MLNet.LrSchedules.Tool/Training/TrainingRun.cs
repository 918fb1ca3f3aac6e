using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Tool.Commands;

namespace MLNet.LrSchedules.Tool.Training;

/// <summary>What the user asked for: network, optimizer, schedule and run length.</summary>
internal sealed record TrainingSpec(
    LrSchedule Schedule,
    double LearningRate,
    int Epochs,
    int BatchSize,
    int[] Hidden,
    OptimizerKind Optimizer,
    double Momentum,
    bool Nesterov,
    double WeightDecay,
    double Dropout,
    int Seed,
    ComputeDevice Device)
{
    /// <summary>
    /// The default for the embedded MNIST sample: MLP [512], AdamW, one-cycle to 2e-3 (beta1 cycled), 10 epochs of batch 32.
    /// Measured: 96.1% test accuracy, macro-F1 0.960 (seed 1).
    /// </summary>
    public static TrainingSpec MnistDefault(int seed = 1) => new(
        OneCycle(2e-3), 2e-3, 10, 32, [512], OptimizerKind.AdamW, 0.9, false, 1e-2, 0.1, seed, ComputeDevice.Cpu);

    /// <summary>One-cycle's peak is absolute (PyTorch's max_lr), so it follows --lr.</summary>
    public static LrSchedule OneCycle(double maxLr) => LrSchedule.Parse($"one_cycle(max_lr={maxLr.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})");

    /// <summary>The default for user data: smaller tables, more epochs.</summary>
    public static TrainingSpec TableDefault(int seed = 1) => new(
        LrSchedule.Parse("warmup(5%) >> cosine(min=1e-5)"), 3e-3, 30, 32, [64], OptimizerKind.AdamW, 0.9, false, 1e-2, 0, seed, ComputeDevice.Cpu);

    public void Fill(TorchMlpOptions o)
    {
        o.LabelColumnName = TabularData.LabelColumn;
        o.FeatureColumnName = TabularData.FeaturesColumn;
        o.Schedule = Schedule;
        o.LearningRate = LearningRate;
        o.Epochs = Epochs;
        o.BatchSize = BatchSize;
        o.HiddenLayers = Hidden;
        o.Optimizer = Optimizer;
        o.Momentum = Momentum;
        o.Nesterov = Nesterov;
        o.WeightDecay = WeightDecay;
        o.Dropout = Dropout;
        o.Seed = Seed;
        o.Device = Device;
    }
}

/// <summary>The train and test views of one split, and the preprocessing fitted on the training part.</summary>
internal sealed record PreparedData(TrainingTask Task, IDataView RawTrain, IDataView RawTest, ITransformer Preprocess, IDataView Train, IDataView Test, int TrainRows, int TestRows);

/// <summary>The outcome of one training run.</summary>
internal sealed record RunResult(ITransformer Model, TorchNetworkModel Torch, TaskMetrics Metrics, TimeSpan WallTime, bool Interrupted);

/// <summary>The test metrics of a task, in display order; the first is the headline.</summary>
internal sealed record TaskMetrics(TrainingTask Task, IReadOnlyList<(string Name, double Value)> Values)
{
    public double Get(string name) => Values.First(v => v.Name == name).Value;
}

/// <summary>Preparation, training, evaluation and saving shared by train, retrain and compare.</summary>
internal static class TrainingRun
{
    public static PreparedData Prepare(MLContext ml, TabularData data, TrainingTask task, int[] trainRows, int[] testRows, DataViewType? labelType = null, ITransformer? preprocess = null, bool standardize = true)
    {
        var rawTrain = data.ToDataView(ml, trainRows, task, labelType);
        var rawTest = data.ToDataView(ml, testRows, task, labelType);
        if (preprocess is null)
        {
            // Centered inputs: ML.NET's default fixZero keeps zeros and only scales, which trains much slower.
            IEstimator<ITransformer> normalize = standardize
                ? ml.Transforms.NormalizeMeanVariance(TabularData.FeaturesColumn, fixZero: false)
                : ml.Transforms.CopyColumns(TabularData.FeaturesColumn, TabularData.FeaturesColumn);
            var estimator = task == TrainingTask.MulticlassClassification
                ? ml.Transforms.Conversion.MapValueToKey(TabularData.LabelColumn, keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Append(normalize)
                : normalize;
            preprocess = estimator.Fit(rawTrain);
        }
        return new PreparedData(task, rawTrain, rawTest, preprocess, preprocess.Transform(rawTrain), preprocess.Transform(rawTest), trainRows.Length, testRows.Length);
    }

    public static TorchNetworkTrainer Trainer(MLContext ml, TrainingTask task, TrainingSpec spec, IDataView validation, IProgress<TrainingProgress>? progress, string? checkpointPath = null)
    {
        void Common(TorchMlpOptions o)
        {
            spec.Fill(o);
            o.ValidationSet = validation;
            o.Progress = progress;
            if (checkpointPath is not null) { o.CheckpointEveryEpochs = 1; o.CheckpointPath = checkpointPath; }
        }
        switch (task)
        {
            case TrainingTask.MulticlassClassification:
                var m = new TorchMlpMulticlassOptions();
                Common(m);
                return ml.MulticlassClassification.Trainers.TorchMlp(m);
            case TrainingTask.BinaryClassification:
                var b = new TorchMlpBinaryOptions();
                Common(b);
                return ml.BinaryClassification.Trainers.TorchMlp(b);
            default:
                var r = new TorchMlpRegressionOptions();
                Common(r);
                return ml.Regression.Trainers.TorchMlp(r);
        }
    }

    /// <summary>Runs <paramref name="fit"/>, then chains the preprocessing and the network and scores the test set.</summary>
    public static RunResult Fit(MLContext ml, PreparedData data, Func<TorchNetworkTransformer> fit)
    {
        var clock = Stopwatch.StartNew();
        TorchNetworkTransformer torch;
        bool interrupted = false;
        try { torch = fit(); }
        catch (TorchNetworkDivergedException diverged) when (diverged.LastGoodModel.Model.EpochsCompleted == 0)
        {
            throw new CommandException(diverged.Message, diverged);
        }
        catch (TorchNetworkDivergedException diverged)
        {
            Console.Error.WriteLine($"warning: {diverged.Message} Keeping the model of the last good epoch.");
            torch = diverged.LastGoodModel;
            interrupted = true;
        }
        clock.Stop();
        var model = ((ITransformer)data.Preprocess is TransformerChain<ITransformer> chain ? chain : new TransformerChain<ITransformer>(data.Preprocess)).Append<ITransformer>(torch);
        return new RunResult(model, torch.Model, Evaluate(ml, data.Task, torch.Transform(data.Test)), clock.Elapsed, interrupted);
    }

    public static TaskMetrics Evaluate(MLContext ml, TrainingTask task, IDataView scored)
    {
        switch (task)
        {
            case TrainingTask.MulticlassClassification:
                var m = ml.MulticlassClassification.Evaluate(scored, TabularData.LabelColumn);
                return new TaskMetrics(task, [("accuracy", m.MicroAccuracy), ("macro-F1", MacroF1(m.ConfusionMatrix)), ("macro accuracy", m.MacroAccuracy), ("log-loss", m.LogLoss)]);
            case TrainingTask.BinaryClassification:
                var b = ml.BinaryClassification.Evaluate(scored, TabularData.LabelColumn);
                return new TaskMetrics(task, [("accuracy", b.Accuracy), ("F1", b.F1Score), ("AUC", b.AreaUnderRocCurve), ("log-loss", b.LogLoss)]);
            default:
                var r = ml.Regression.Evaluate(scored, TabularData.LabelColumn);
                return new TaskMetrics(task, [("RMSE", r.RootMeanSquaredError), ("MAE", r.MeanAbsoluteError), ("R²", r.RSquared)]);
        }
    }

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

    /// <summary>Saves through a temporary file in the same folder, so an interrupted write never leaves a half model.</summary>
    public static void SaveAtomically(MLContext ml, ITransformer model, DataViewSchema inputSchema, string path)
    {
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (folder is not null) Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder ?? ".", $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            ml.Model.Save(model, inputSchema, temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>The headline metric per epoch: validation accuracy (classification) or RMSE (regression).</summary>
    public static string MetricName(TrainingTask task) => task == TrainingTask.Regression ? "validation RMSE" : "validation accuracy";
}
