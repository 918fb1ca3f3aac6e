using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers;

/// <summary>The estimator-time shapes of the prediction columns, built through ML.NET's public schema API.</summary>
internal static class OutputShapes
{
    public static SchemaShape Add(SchemaShape input, TaskColumns task, string labelColumnName)
    {
        var builder = new DataViewSchema.Builder();
        task.AddOutputShapes(builder, input, labelColumnName);
        var outputs = MLNetInternals.MLNetHost.ShapeOf(builder.ToSchema());
        var names = outputs.Select(c => c.Name).ToHashSet();
        return new SchemaShape(input.Where(c => !names.Contains(c.Name)).Concat(outputs));
    }
}
