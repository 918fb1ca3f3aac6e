using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Finds and type-checks the feature, label and weight columns; every message names the column and what it should be.</summary>
internal static class TrainingColumns
{
    /// <summary>The features column: a known-size vector of float. Returns its size.</summary>
    public static int CheckFeatures(DataViewSchema schema, string name, string dataName)
    {
        var column = Find(schema, name, "feature", nameof(TorchTrainerOptions.FeatureColumnName), dataName);
        if (column.Type is not VectorDataViewType { ItemType: var item, IsKnownSize: true, Size: var size } || item != NumberDataViewType.Single)
            throw new ArgumentException(
                $"Column '{name}' of the {dataName} must be a known-size vector of Single (float); received {Describe(column.Type)}. "
                + "Build it with mlContext.Transforms.Concatenate (and ConvertType for other numeric types).", nameof(TorchTrainerOptions.FeatureColumnName));
        return size;
    }

    /// <summary>The optional weight column: float.</summary>
    public static void CheckWeight(DataViewSchema schema, string name, string dataName)
    {
        var column = Find(schema, name, "example weight", nameof(TorchTrainerOptions.ExampleWeightColumnName), dataName);
        if (column.Type != NumberDataViewType.Single)
            throw new ArgumentException($"Column '{name}' of the {dataName} must be Single (float) example weights; received {Describe(column.Type)}.", nameof(TorchTrainerOptions.ExampleWeightColumnName));
    }

    public static DataViewSchema.Column Find(DataViewSchema schema, string name, string role, string option, string dataName) =>
        schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(option, name,
            $"The {role} column '{name}' (option {option}) is not in the {dataName}; its columns are: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");

    public static string Describe(DataViewType type) => type switch
    {
        VectorDataViewType v when v.IsKnownSize => $"a vector of {v.ItemType.RawType.Name} of size {v.Size}",
        VectorDataViewType v => $"a variable-size vector of {v.ItemType.RawType.Name}",
        KeyDataViewType k => $"a key of {k.RawType.Name} with {k.Count} values",
        _ => type.RawType.Name,
    };
}
