using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Tool.Commands;

namespace MLNet.LrSchedules.Tool.Training;

/// <summary>
/// The command line's side of a task: its name on <c>--task</c>, whether a label column looks like it, how the CSV's label
/// text becomes an ML.NET label (checks, type, preprocessing), the catalog that trains it and the evaluator that scores it.
/// One small class per task, as the library's <c>TaskObjective</c> and <c>TaskColumns</c>, instead of branches on the task
/// across the commands.
/// </summary>
internal abstract class CliTask
{
    /// <summary>Every task, in the order <see cref="Infer"/> asks them: the first that claims the labels wins.</summary>
    public static IReadOnlyList<CliTask> All { get; } = [BinaryTask.Instance, MulticlassTask.Instance, RegressionTask.Instance];

    /// <summary>The task of a saved model or a recipe.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="task"/> is not a defined <see cref="TrainingTask"/>.</exception>
    public static CliTask For(TrainingTask task) =>
        All.FirstOrDefault(t => t.Task == task)
        ?? throw new ArgumentOutOfRangeException(nameof(task), task, $"The task must be one of {string.Join(", ", All.Select(t => t.Task))}; received {task}.");

    /// <summary>The task named on the command line (its short name or the enum's name, any case).</summary>
    /// <exception cref="CommandException">No task has that name; the message names <paramref name="option"/>.</exception>
    public static CliTask Parse(string text, string option)
    {
        if (All.FirstOrDefault(t => string.Equals(text, t.Name, StringComparison.OrdinalIgnoreCase) || string.Equals(text, t.Task.ToString(), StringComparison.OrdinalIgnoreCase)) is { } task)
            return task;
        var names = All.OrderBy(t => t.Task).Select(t => t.Name).ToList();
        throw new CommandException($"{option}: received '{text}' (expected {string.Join(", ", names.SkipLast(1))} or {names[^1]})");
    }

    /// <summary>The task the labels look like: Boolean-like → binary, text or a few integers → multiclass, other numbers → regression.</summary>
    public static CliTask Infer(IReadOnlyList<string> labels)
    {
        var distinct = labels.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        return All.First(t => t.Claims(distinct, labels.Count));
    }

    /// <summary>The library's task.</summary>
    public abstract TrainingTask Task { get; }

    /// <summary>The name on <c>--task</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The per-epoch validation metric, as the engine names it (accuracy, RMSE).</summary>
    public string MetricName => TrainingEngine.MetricName(Task);

    /// <summary>Whether a larger validation metric is better.</summary>
    public virtual bool HigherIsBetter => true;

    /// <summary>Whether the labels name classes (every class must then be among the training rows).</summary>
    public virtual bool HasClasses => true;

    /// <summary>True when labels with these <paramref name="distinct"/> values (of <paramref name="rows"/>) look like this task.</summary>
    protected abstract bool Claims(IReadOnlyList<string> distinct, int rows);

    /// <summary>Null when <paramref name="label"/> fits the task; else what was expected, for the error message.</summary>
    public virtual string? Reject(string label) => null;

    /// <summary>The class a label stands for, so that "1", "1.0" and "true" count as one class where the task reads them so.</summary>
    public virtual string ClassOf(string label) =>
        float.TryParse(label, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v.ToString("R", CultureInfo.InvariantCulture) : label;

    /// <summary>The ML.NET type of the label column for these labels.</summary>
    public abstract DataViewType LabelType(IReadOnlyList<string> labels);

    /// <summary>The label's preprocessing before the trainer (a key mapping for multiclass); null when the label is used as it is.</summary>
    public virtual IEstimator<ITransformer>? LabelPreprocessing(MLContext ml) => null;

    /// <summary>The task's <c>TorchNetwork</c> trainer, with the options <paramref name="configure"/> sets.</summary>
    public abstract TorchNetworkTrainer Trainer(MLContext ml, Action<TorchNetworkOptions> configure);

    /// <summary>The learning-rate range test with the options <paramref name="configure"/> sets.</summary>
    public abstract LrRangeTestResult FindLearningRate(MLContext ml, IDataView data, Action<TorchNetworkOptions> configure, LrRangeTestOptions range);

    /// <summary>The test metrics of scored rows, headline first.</summary>
    public abstract TaskMetrics Evaluate(MLContext ml, IDataView scored);

    private static T Configured<T>(Action<TorchNetworkOptions> configure) where T : TorchNetworkOptions, new()
    {
        var options = new T();
        configure(options);
        return options;
    }

    private sealed class MulticlassTask : CliTask
    {
        public static MulticlassTask Instance { get; } = new();

        public override TrainingTask Task => TrainingTask.MulticlassClassification;

        public override string Name => "multiclass";

        protected override bool Claims(IReadOnlyList<string> distinct, int rows)
        {
            var numbers = new double[distinct.Count];
            for (int i = 0; i < distinct.Count; i++)
                if (!double.TryParse(distinct[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i])) return true;
            return numbers.All(d => d == Math.Floor(d)) && distinct.Count <= Math.Max(2, Math.Min(50, rows / 5));
        }

        public override DataViewType LabelType(IReadOnlyList<string> labels) =>
            labels.All(v => float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) ? NumberDataViewType.Single : TextDataViewType.Instance;

        public override IEstimator<ITransformer> LabelPreprocessing(MLContext ml) =>
            ml.Transforms.Conversion.MapValueToKey(TabularData.LabelColumn, keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue);

        public override TorchNetworkTrainer Trainer(MLContext ml, Action<TorchNetworkOptions> configure) =>
            ml.MulticlassClassification.Trainers.TorchNetwork(Configured<TorchNetworkMulticlassOptions>(configure));

        public override LrRangeTestResult FindLearningRate(MLContext ml, IDataView data, Action<TorchNetworkOptions> configure, LrRangeTestOptions range) =>
            ml.MulticlassClassification.Trainers.FindLearningRate(data, Configured<TorchNetworkMulticlassOptions>(configure), range);

        public override TaskMetrics Evaluate(MLContext ml, IDataView scored)
        {
            var m = ml.MulticlassClassification.Evaluate(scored, TabularData.LabelColumn);
            return new TaskMetrics(Task, [("accuracy", m.MicroAccuracy), ("macro-F1", TrainingRun.MacroF1(m.ConfusionMatrix)), ("macro accuracy", m.MacroAccuracy), ("log-loss", m.LogLoss)]);
        }
    }

    private sealed class BinaryTask : CliTask
    {
        public static BinaryTask Instance { get; } = new();

        public override TrainingTask Task => TrainingTask.BinaryClassification;

        public override string Name => "binary";

        protected override bool Claims(IReadOnlyList<string> distinct, int rows) => distinct.Count <= 2 && distinct.All(v => TabularData.TryBool(v, out _));

        public override string? Reject(string label) =>
            TabularData.TryBool(label, out _) ? null : "a Boolean (expected true/false, 1/0 or yes/no for binary classification)";

        public override string ClassOf(string label) => TabularData.TryBool(label, out bool b) ? (b ? "true" : "false") : base.ClassOf(label);

        public override DataViewType LabelType(IReadOnlyList<string> labels) => BooleanDataViewType.Instance;

        public override TorchNetworkTrainer Trainer(MLContext ml, Action<TorchNetworkOptions> configure) =>
            ml.BinaryClassification.Trainers.TorchNetwork(Configured<TorchNetworkBinaryOptions>(configure));

        public override LrRangeTestResult FindLearningRate(MLContext ml, IDataView data, Action<TorchNetworkOptions> configure, LrRangeTestOptions range) =>
            ml.BinaryClassification.Trainers.FindLearningRate(data, Configured<TorchNetworkBinaryOptions>(configure), range);

        public override TaskMetrics Evaluate(MLContext ml, IDataView scored)
        {
            var b = ml.BinaryClassification.Evaluate(scored, TabularData.LabelColumn);
            return new TaskMetrics(Task, [("accuracy", b.Accuracy), ("F1", b.F1Score), ("AUC", b.AreaUnderRocCurve), ("log-loss", b.LogLoss)]);
        }
    }

    private sealed class RegressionTask : CliTask
    {
        public static RegressionTask Instance { get; } = new();

        public override TrainingTask Task => TrainingTask.Regression;

        public override string Name => "regression";

        public override bool HigherIsBetter => false;

        public override bool HasClasses => false;

        // Asked last: any labels the classification tasks leave are values.
        protected override bool Claims(IReadOnlyList<string> distinct, int rows) => true;

        public override string? Reject(string label) =>
            float.TryParse(label, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v) ? null : "a finite number (expected numbers for regression)";

        public override DataViewType LabelType(IReadOnlyList<string> labels) => NumberDataViewType.Single;

        public override TorchNetworkTrainer Trainer(MLContext ml, Action<TorchNetworkOptions> configure) =>
            ml.Regression.Trainers.TorchNetwork(Configured<TorchNetworkRegressionOptions>(configure));

        public override LrRangeTestResult FindLearningRate(MLContext ml, IDataView data, Action<TorchNetworkOptions> configure, LrRangeTestOptions range) =>
            ml.Regression.Trainers.FindLearningRate(data, Configured<TorchNetworkRegressionOptions>(configure), range);

        public override TaskMetrics Evaluate(MLContext ml, IDataView scored)
        {
            var r = ml.Regression.Evaluate(scored, TabularData.LabelColumn);
            return new TaskMetrics(Task, [("RMSE", r.RootMeanSquaredError), ("MAE", r.MeanAbsoluteError), ("R²", r.RSquared)]);
        }
    }
}
