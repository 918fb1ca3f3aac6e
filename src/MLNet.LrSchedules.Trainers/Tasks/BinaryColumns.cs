using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Onnx;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Binary: a Boolean label; <c>Score</c> (the logit), <c>Probability</c> (its sigmoid) and <c>PredictedLabel</c> (logit &gt; 0).</summary>
internal sealed class BinaryColumns : TaskColumns
{
    public static BinaryColumns Instance { get; } = new();

    public override TrainingTask Task => TrainingTask.BinaryClassification;

    public override int CheckLabel(DataViewSchema.Column column, string dataName)
    {
        if (column.Type != BooleanDataViewType.Instance)
            throw new ArgumentException(
                $"Column '{column.Name}' of the {dataName} must be Boolean for binary classification; received {TrainingColumns.Describe(column.Type)}. "
                + "Convert it, for example with mlContext.Transforms.CustomMapping or by loading the column as bool.", nameof(TorchTrainerOptions.LabelColumnName));
        return 1;
    }

    public override bool IsLabelShape(SchemaShape.Column column) =>
        column.Kind == SchemaShape.Column.VectorKind.Scalar && column.ItemType == BooleanDataViewType.Instance;

    public override string ExpectedLabelShape(string labelColumnName) => "Boolean";

    public override Func<long, float> LabelReader(DataViewRowCursor cursor, DataViewSchema.Column label, int outputs, string dataName)
    {
        var getter = cursor.GetGetter<bool>(label);
        return _ =>
        {
            bool value = false;
            getter(ref value);
            return value ? 1f : 0f;
        };
    }

    public override IEnumerable<(string Name, DataViewType Type, DataViewSchema.Annotations Annotations)> OutputColumns(int outputs, LabelKeyValues? keyValues)
    {
        yield return (ScoringMapper.ScoreColumn, NumberDataViewType.Single, ScoreAnnotations("BinaryClassification", "Score").ToAnnotations());
        yield return (ScoringMapper.ProbabilityColumn, NumberDataViewType.Single, ScoreAnnotations("BinaryClassification", "Probability").ToAnnotations());
        yield return (ScoringMapper.PredictedLabelColumn, BooleanDataViewType.Instance, ScoreAnnotations("BinaryClassification", "PredictedLabel").ToAnnotations());
    }

    public override void AddOutputShapes(DataViewSchema.Builder builder, SchemaShape input, string labelColumnName)
    {
        builder.AddColumn("Score", NumberDataViewType.Single);
        builder.AddColumn("Probability", NumberDataViewType.Single);
        builder.AddColumn("PredictedLabel", BooleanDataViewType.Instance);
    }

    public override Delegate MakeGetter(int outputIndex, Func<float[]> outputs) => outputIndex switch
    {
        0 => (ValueGetter<float>)((ref float destination) => destination = outputs()[0]),
        1 => (ValueGetter<float>)((ref float destination) => destination = NetworkScorer.Sigmoid(outputs()[0])),
        2 => (ValueGetter<bool>)((ref bool destination) => destination = outputs()[0] > 0),
        _ => throw NoOutput(outputIndex, Task),
    };

    public override void EmitOnnxOutputs(IOnnxGraph graph, TorchNetworkModel model, string output)
    {
        // Score: the logit. Probability: its sigmoid. PredictedLabel: logit > 0.
        string score = graph.BindColumn(ScoringMapper.ScoreColumn, ColumnType(model, ScoringMapper.ScoreColumn));
        graph.AddNode("Identity", [output], [score]);
        string probability = graph.BindColumn(ScoringMapper.ProbabilityColumn, ColumnType(model, ScoringMapper.ProbabilityColumn));
        graph.AddNode("Sigmoid", [score], [probability]);
        string zero = graph.Constant("zero", [0f], [1]);
        string predicted = graph.BindColumn(ScoringMapper.PredictedLabelColumn, ColumnType(model, ScoringMapper.PredictedLabelColumn));
        graph.AddNode("Greater", [score, zero], [predicted]);
    }
}
