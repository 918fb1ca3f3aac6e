using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Onnx;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Regression: a Single label; <c>Score</c> (the value).</summary>
internal sealed class RegressionColumns : TaskColumns
{
    public static RegressionColumns Instance { get; } = new();

    public override TrainingTask Task => TrainingTask.Regression;

    public override int CheckLabel(DataViewSchema.Column column, string dataName)
    {
        if (column.Type != NumberDataViewType.Single)
            throw new ArgumentException(
                $"Column '{column.Name}' of the {dataName} must be Single (float) for regression; received {TrainingColumns.Describe(column.Type)}. "
                + $"Convert it with mlContext.Transforms.Conversion.ConvertType(\"{column.Name}\", outputKind: DataKind.Single).", nameof(TorchTrainerOptions.LabelColumnName));
        return 1;
    }

    public override bool IsLabelShape(SchemaShape.Column column) =>
        column.Kind == SchemaShape.Column.VectorKind.Scalar && column.ItemType == NumberDataViewType.Single && !column.IsKey;

    public override string ExpectedLabelShape(string labelColumnName) => "Single (float)";

    public override Func<long, float> LabelReader(DataViewRowCursor cursor, DataViewSchema.Column label, int outputs, string dataName)
    {
        var getter = cursor.GetGetter<float>(label);
        return row =>
        {
            float value = 0;
            getter(ref value);
            if (!float.IsFinite(value))
                throw new InvalidOperationException(
                    $"Column '{label.Name}' of the {dataName} holds {value.ToString("R", CultureInfo.InvariantCulture)} at row {row}: regression labels must be finite.");
            return value;
        };
    }

    public override IEnumerable<(string Name, DataViewType Type, DataViewSchema.Annotations Annotations)> OutputColumns(int outputs, LabelKeyValues? keyValues)
    {
        yield return (ScoringMapper.ScoreColumn, NumberDataViewType.Single, ScoreAnnotations("Regression", "Score").ToAnnotations());
    }

    public override void AddOutputShapes(DataViewSchema.Builder builder, SchemaShape input, string labelColumnName) =>
        builder.AddColumn("Score", NumberDataViewType.Single);

    public override Delegate MakeGetter(int outputIndex, Func<float[]> outputs) => outputIndex switch
    {
        0 => (ValueGetter<float>)((ref float destination) => destination = outputs()[0]),
        _ => throw NoOutput(outputIndex, Task),
    };

    public override void EmitOnnxOutputs(IOnnxGraph graph, TorchNetworkModel model, string output)
    {
        // Score = mean + std·output when the network learned the standardized label, in float32 as the scorer computes it.
        string score = graph.BindColumn(ScoringMapper.ScoreColumn, ColumnType(model, ScoringMapper.ScoreColumn));
        if (model.LabelStandardization is not { } standardization)
        {
            graph.AddNode("Identity", [output], [score]);
            return;
        }
        string scaled = graph.Temporary("Scaled");
        graph.AddNode("Mul", [output, graph.Constant("label_std", [(float)standardization.StandardDeviation], [1])], [scaled]);
        graph.AddNode("Add", [scaled, graph.Constant("label_mean", [(float)standardization.Mean], [1])], [score]);
    }
}
