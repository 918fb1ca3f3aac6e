using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Finds and type-checks the feature, label and weight columns; every message names the column and what it should be.</summary>
internal static class TrainingColumns
{
    /// <summary>The features column: a known-size vector of float. Returns its size.</summary>
    public static int CheckFeatures(DataViewSchema schema, string name, string dataName)
    {
        var column = Find(schema, name, "feature", nameof(TorchMlpOptions.FeatureColumnName), dataName);
        if (column.Type is not VectorDataViewType { ItemType: var item, IsKnownSize: true, Size: var size } || item != NumberDataViewType.Single)
            throw new ArgumentException(
                $"Column '{name}' of the {dataName} must be a known-size vector of Single (float); received {Describe(column.Type)}. "
                + "Build it with mlContext.Transforms.Concatenate (and ConvertType for other numeric types).", nameof(TorchMlpOptions.FeatureColumnName));
        return size;
    }

    /// <summary>Checks the label column's type for the task. Returns the number of classes (multiclass), 2 (binary) or 1 (regression).</summary>
    public static int CheckLabel(DataViewSchema schema, string name, TrainingTask task, string dataName)
    {
        var column = Find(schema, name, "label", nameof(TorchMlpOptions.LabelColumnName), dataName);
        switch (task)
        {
            case TrainingTask.MulticlassClassification:
                if (column.Type is not KeyDataViewType key)
                    throw new ArgumentException(
                        $"Column '{name}' of the {dataName} must be a key type for multiclass classification; received {Describe(column.Type)}. "
                        + $"Map it to a key first: mlContext.Transforms.Conversion.MapValueToKey(\"{name}\").", nameof(TorchMlpOptions.LabelColumnName));
                if (key.RawType != typeof(uint))
                    throw new ArgumentException($"Column '{name}' of the {dataName} must be a key of UInt32; received a key of {key.RawType.Name}.", nameof(TorchMlpOptions.LabelColumnName));
                if (key.Count < 2 || key.Count > int.MaxValue)
                    throw new ArgumentException($"Column '{name}' of the {dataName} must be a key type with 2 to {int.MaxValue} values; it has {key.Count}.", nameof(TorchMlpOptions.LabelColumnName));
                return (int)key.Count;
            case TrainingTask.BinaryClassification:
                if (column.Type != BooleanDataViewType.Instance)
                    throw new ArgumentException(
                        $"Column '{name}' of the {dataName} must be Boolean for binary classification; received {Describe(column.Type)}. "
                        + "Convert it, for example with mlContext.Transforms.CustomMapping or by loading the column as bool.", nameof(TorchMlpOptions.LabelColumnName));
                return 2;
            default:
                if (column.Type != NumberDataViewType.Single)
                    throw new ArgumentException(
                        $"Column '{name}' of the {dataName} must be Single (float) for regression; received {Describe(column.Type)}. "
                        + $"Convert it with mlContext.Transforms.Conversion.ConvertType(\"{name}\", outputKind: DataKind.Single).", nameof(TorchMlpOptions.LabelColumnName));
                return 1;
        }
    }

    /// <summary>The optional weight column: float.</summary>
    public static void CheckWeight(DataViewSchema schema, string name, string dataName)
    {
        var column = Find(schema, name, "example weight", nameof(TorchMlpOptions.ExampleWeightColumnName), dataName);
        if (column.Type != NumberDataViewType.Single)
            throw new ArgumentException($"Column '{name}' of the {dataName} must be Single (float) example weights; received {Describe(column.Type)}.", nameof(TorchMlpOptions.ExampleWeightColumnName));
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
