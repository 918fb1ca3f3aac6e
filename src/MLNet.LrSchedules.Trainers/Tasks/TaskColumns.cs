using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Onnx;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The ML.NET side of a task: the label column it takes and how its values reach the engine, and the prediction columns it
/// adds (names, types, annotations, getters) as ML.NET's evaluators and prediction engine expect them. One small class per
/// task instead of branches on the task across the trainer, the data readers and the scorer.
/// </summary>
internal abstract class TaskColumns
{
    /// <summary>The columns of <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="task"/> is not a defined <see cref="TrainingTask"/>.</exception>
    public static TaskColumns For(TrainingTask task) => task switch
    {
        TrainingTask.MulticlassClassification => MulticlassColumns.Instance,
        TrainingTask.BinaryClassification => BinaryColumns.Instance,
        TrainingTask.Regression => RegressionColumns.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, $"The task must be MulticlassClassification, BinaryClassification or Regression; received {task}."),
    };

    public abstract TrainingTask Task { get; }

    /// <summary>Checks the label column's type; returns the number of outputs the network needs (the classes, or 1).</summary>
    /// <exception cref="ArgumentException">The column's type does not fit the task; the message says how to convert it.</exception>
    public abstract int CheckLabel(DataViewSchema.Column column, string dataName);

    /// <summary>True when the estimator-time shape of the label column fits the task.</summary>
    public abstract bool IsLabelShape(SchemaShape.Column column);

    /// <summary>What the label column must be, for the estimator-time error message.</summary>
    public abstract string ExpectedLabelShape(string labelColumnName);

    /// <summary>Reads a row's label as the engine takes it: a class index, 0/1 or the value; throws for a missing or out-of-range label.</summary>
    public abstract Func<long, float> LabelReader(DataViewRowCursor cursor, DataViewSchema.Column label, int outputs, string dataName);

    /// <summary>The label's key values, kept in the model so that <c>PredictedLabel</c> carries them; null when the task has none.</summary>
    public virtual LabelKeyValues? KeyValues(DataViewSchema.Column label, int outputs) => null;

    /// <summary>Throws when the validation set's label does not give the training data's outputs.</summary>
    public virtual void CheckValidationLabel(string labelColumnName, int trainingOutputs, int validationOutputs) { }

    /// <summary>The prediction columns for a network with <paramref name="outputs"/> outputs per row.</summary>
    public abstract IEnumerable<(string Name, DataViewType Type, DataViewSchema.Annotations Annotations)> OutputColumns(int outputs, LabelKeyValues? keyValues);

    /// <summary>The estimator-time prediction columns (the class count is known only once the data is read).</summary>
    public abstract void AddOutputShapes(DataViewSchema.Builder builder, SchemaShape input, string labelColumnName);

    /// <summary>The getter of prediction column <paramref name="outputIndex"/> from the network's outputs for the current row.</summary>
    public abstract Delegate MakeGetter(int outputIndex, Func<float[]> outputs);

    /// <summary>
    /// Writes into the ONNX graph the nodes that turn the network's raw <paramref name="output"/> into the prediction
    /// columns of <see cref="OutputColumns"/>, with the same names and types, so that every step downstream
    /// (MapKeyToValue, ...) exports on top of them.
    /// </summary>
    public abstract void EmitOnnxOutputs(IOnnxGraph graph, TorchNetworkModel model, string output);

    /// <summary>A new graph variable for prediction column <paramref name="name"/> of <paramref name="model"/>, typed as <see cref="OutputColumns"/> types it.</summary>
    protected DataViewType ColumnType(TorchNetworkModel model, string name) =>
        OutputColumns(model.OutputSize, model.ClassKeyValues).First(c => c.Name == name).Type;

    /// <summary>The annotations ML.NET's evaluators look for on a prediction column.</summary>
    protected static DataViewSchema.Annotations.Builder ScoreAnnotations(string columnKind, string valueKind)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add("ScoreColumnKind", TextDataViewType.Instance, (ref ReadOnlyMemory<char> value) => value = columnKind.AsMemory());
        builder.Add("ScoreValueKind", TextDataViewType.Instance, (ref ReadOnlyMemory<char> value) => value = valueKind.AsMemory());
        return builder;
    }

    protected static InvalidOperationException NoOutput(int outputIndex, TrainingTask task) => new($"No output {outputIndex} for task {task}.");
}
