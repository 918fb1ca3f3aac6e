using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Onnx;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Multiclass: a key-typed label; <c>Score</c> (per-class probabilities, slots named after the classes) and <c>PredictedLabel</c> (a key with the label's values).</summary>
internal sealed class MulticlassColumns : TaskColumns
{
    public static MulticlassColumns Instance { get; } = new();

    public override TrainingTask Task => TrainingTask.MulticlassClassification;

    public override int CheckLabel(DataViewSchema.Column column, string dataName)
    {
        string name = column.Name;
        if (column.Type is not KeyDataViewType key)
            throw new ArgumentException(
                $"Column '{name}' of the {dataName} must be a key type for multiclass classification; received {TrainingColumns.Describe(column.Type)}. "
                + $"Map it to a key first: mlContext.Transforms.Conversion.MapValueToKey(\"{name}\").", nameof(TorchTrainerOptions.LabelColumnName));
        if (key.RawType != typeof(uint))
            throw new ArgumentException($"Column '{name}' of the {dataName} must be a key of UInt32; received a key of {key.RawType.Name}.", nameof(TorchTrainerOptions.LabelColumnName));
        if (key.Count < 2 || key.Count > int.MaxValue)
            throw new ArgumentException($"Column '{name}' of the {dataName} must be a key type with 2 to {int.MaxValue} values; it has {key.Count}.", nameof(TorchTrainerOptions.LabelColumnName));
        return (int)key.Count;
    }

    public override bool IsLabelShape(SchemaShape.Column column) => column.Kind == SchemaShape.Column.VectorKind.Scalar && column.IsKey;

    public override string ExpectedLabelShape(string labelColumnName) =>
        $"a key type (map it with mlContext.Transforms.Conversion.MapValueToKey(\"{labelColumnName}\"))";

    public override Func<long, float> LabelReader(DataViewRowCursor cursor, DataViewSchema.Column label, int outputs, string dataName)
    {
        var getter = cursor.GetGetter<uint>(label);
        return row =>
        {
            uint key = 0;
            getter(ref key);
            if (key == 0)
                throw new InvalidOperationException(
                    $"Column '{label.Name}' of the {dataName} has a missing label at row {row} (key 0: a value the key mapping did not know, or an empty value).");
            if (key > outputs)
                throw new InvalidOperationException(
                    $"Column '{label.Name}' of the {dataName} has label key {key} at row {row}, out of range: the model has {outputs} classes (keys 1 to {outputs}).");
            return key - 1;
        };
    }

    public override LabelKeyValues? KeyValues(DataViewSchema.Column label, int outputs) => LabelKeyValues.FromColumn(label, outputs);

    public override void CheckValidationLabel(string labelColumnName, int trainingOutputs, int validationOutputs)
    {
        if (validationOutputs != trainingOutputs)
            throw new ArgumentException(
                $"Column '{labelColumnName}' of the validation set is a key of {validationOutputs} classes; the training data's has {trainingOutputs}. Map both with the same MapValueToKey transformer.",
                nameof(TorchTrainerOptions.ValidationSet));
    }

    public override IEnumerable<(string Name, DataViewType Type, DataViewSchema.Annotations Annotations)> OutputColumns(int outputs, LabelKeyValues? keyValues)
    {
        var score = ScoreAnnotations("MulticlassClassification", "Score");
        keyValues?.AddSlotNames(score);
        yield return (ScoringMapper.ScoreColumn, new VectorDataViewType(NumberDataViewType.Single, outputs), score.ToAnnotations());
        var predicted = ScoreAnnotations("MulticlassClassification", "PredictedLabel");
        keyValues?.AddKeyValues(predicted);
        yield return (ScoringMapper.PredictedLabelColumn, new KeyDataViewType(typeof(uint), outputs), predicted.ToAnnotations());
    }

    public override void AddOutputShapes(DataViewSchema.Builder builder, SchemaShape input, string labelColumnName)
    {
        // The class count is known only once the data is read; any size stands for "a known-size vector".
        builder.AddColumn("Score", new VectorDataViewType(NumberDataViewType.Single, 2));
        var annotations = new DataViewSchema.Annotations.Builder();
        if (input.Any(c => c.Name == labelColumnName && c.Annotations.Any(a => a.Name == LabelKeyValues.KeyValuesKind)))
        {
            ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter = (ref VBuffer<ReadOnlyMemory<char>> value) => value = default;
            annotations.Add(LabelKeyValues.KeyValuesKind, new VectorDataViewType(TextDataViewType.Instance, 2), getter);
        }
        builder.AddColumn("PredictedLabel", new KeyDataViewType(typeof(uint), 2), annotations.ToAnnotations());
    }

    public override Delegate MakeGetter(int outputIndex, Func<float[]> outputs) => outputIndex switch
    {
        0 => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> destination) =>
        {
            var probabilities = outputs();
            var editor = VBufferEditor.Create(ref destination, probabilities.Length);
            probabilities.CopyTo(editor.Values);
            destination = editor.Commit();
        }),
        1 => (ValueGetter<uint>)((ref uint destination) =>
        {
            var probabilities = outputs();
            int best = 0;
            for (int i = 1; i < probabilities.Length; i++)
                if (probabilities[i] > probabilities[best]) best = i;
            destination = (uint)best + 1;
        }),
        _ => throw NoOutput(outputIndex, Task),
    };

    public override void EmitOnnxOutputs(IOnnxGraph graph, TorchNetworkModel model, string output)
    {
        // Score: the class probabilities. PredictedLabel: the 1-based key of the first most probable class.
        string score = graph.BindColumn(ScoringMapper.ScoreColumn, ColumnType(model, ScoringMapper.ScoreColumn));
        graph.AddNode("Softmax", [output], [score], OnnxAttribute.Int("axis", 1));
        string best = graph.Temporary("ArgMax");
        graph.AddNode("ArgMax", [score], [best], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 1));
        string one = graph.Constant("one", [1L], [1]);
        string key = graph.Temporary("Key");
        graph.AddNode("Add", [best, one], [key]);
        string predicted = graph.BindColumn(ScoringMapper.PredictedLabelColumn, ColumnType(model, ScoringMapper.PredictedLabelColumn));
        graph.AddNode("Cast", [key], [predicted], OnnxAttribute.To(typeof(uint)));
    }
}
