using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers;

/// <summary>The estimator-time shapes of the prediction columns, built through ML.NET's public schema API.</summary>
internal static class OutputShapes
{
    public static SchemaShape Add(SchemaShape input, TrainingTask task, string labelColumnName)
    {
        var builder = new DataViewSchema.Builder();
        switch (task)
        {
            case TrainingTask.MulticlassClassification:
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
                break;
            }
            case TrainingTask.BinaryClassification:
                builder.AddColumn("Score", NumberDataViewType.Single);
                builder.AddColumn("Probability", NumberDataViewType.Single);
                builder.AddColumn("PredictedLabel", BooleanDataViewType.Instance);
                break;
            default:
                builder.AddColumn("Score", NumberDataViewType.Single);
                break;
        }
        var outputs = MLNetInternals.MLNetHost.ShapeOf(builder.ToSchema());
        var names = outputs.Select(c => c.Name).ToHashSet();
        return new SchemaShape(input.Where(c => !names.Contains(c.Name)).Concat(outputs));
    }
}
