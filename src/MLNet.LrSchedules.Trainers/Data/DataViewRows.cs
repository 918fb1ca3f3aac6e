using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Rows of an <see cref="IDataView"/> read into dense, validated arrays ready for batching.</summary>
/// <param name="Features">Rows × <paramref name="FeatureCount"/> values, row-major.</param>
/// <param name="Labels">One label per row: class index (multiclass), 0/1 (binary), target (regression).</param>
/// <param name="Weights">Example weights, or null.</param>
/// <param name="FeatureCount">Features per row.</param>
internal sealed record DataViewRows(float[] Features, float[] Labels, float[]? Weights, int FeatureCount)
{
    public int Rows => Labels.Length;

    /// <summary>
    /// Reads every row with a cursor, checking as it goes: features finite, labels present and in range,
    /// weights finite and &gt;= 0. Every error names the column and the 0-based row.
    /// </summary>
    /// <remarks><paramref name="checkAlive"/> is called every few thousand rows and throws when the run was canceled.</remarks>
    public static DataViewRows Read(IDataView data, string featureColumn, string labelColumn, string? weightColumn,
        TrainingTask task, int featureCount, int classCount, string dataName, Action checkAlive)
    {
        var schema = data.Schema;
        var features = schema[featureColumn];
        var label = schema[labelColumn];
        var weight = weightColumn is null ? (DataViewSchema.Column?)null : schema[weightColumn];
        var active = weight is { } w ? new[] { features, label, w } : new[] { features, label };

        var featureValues = new List<float>();
        var labels = new List<float>();
        var weights = weight is null ? null : new List<float>();
        using (var cursor = data.GetRowCursor(active))
        {
            var featureGetter = cursor.GetGetter<VBuffer<float>>(features);
            var labelGetter = MakeLabelGetter(cursor, label, task);
            var weightGetter = weight is { } wc ? cursor.GetGetter<float>(wc) : null;
            VBuffer<float> buffer = default;
            var dense = new float[featureCount];
            long row = 0;
            while (cursor.MoveNext())
            {
                if ((row & 4095) == 0) checkAlive();
                featureGetter(ref buffer);
                if (buffer.Length != featureCount)
                    throw new InvalidOperationException($"Column '{featureColumn}' of the {dataName} has {buffer.Length} values at row {row}; expected {featureCount}.");
                buffer.CopyTo(dense);
                for (int i = 0; i < dense.Length; i++)
                    if (!float.IsFinite(dense[i]))
                        throw new InvalidOperationException(
                            $"Column '{featureColumn}' of the {dataName} holds {Format(dense[i])} at row {row}, slot {i}: features must be finite. "
                            + "Replace missing values first (mlContext.Transforms.ReplaceMissingValues) or filter the rows.");
                featureValues.AddRange(dense);
                labels.Add(labelGetter(row, labelColumn, classCount, dataName));
                if (weightGetter is not null)
                {
                    float value = 0;
                    weightGetter(ref value);
                    if (!float.IsFinite(value) || value < 0)
                        throw new InvalidOperationException($"Column '{weightColumn}' of the {dataName} holds {Format(value)} at row {row}: example weights must be finite and >= 0.");
                    weights!.Add(value);
                }
                row++;
            }
        }
        if (labels.Count == 0)
            throw new InvalidOperationException($"The {dataName} has no rows: there is nothing to train on.");
        if (weights is not null && weights.All(x => x == 0))
            throw new InvalidOperationException($"Every example weight in column '{weightColumn}' of the {dataName} is 0: there is nothing to train on.");
        return new DataViewRows(featureValues.ToArray(), labels.ToArray(), weights?.ToArray(), featureCount);
    }

    private delegate float LabelReader(long row, string column, int classCount, string dataName);

    private static LabelReader MakeLabelGetter(DataViewRowCursor cursor, DataViewSchema.Column label, TrainingTask task)
    {
        switch (task)
        {
            case TrainingTask.MulticlassClassification:
            {
                var getter = cursor.GetGetter<uint>(label);
                return (row, column, classes, dataName) =>
                {
                    uint key = 0;
                    getter(ref key);
                    if (key == 0)
                        throw new InvalidOperationException(
                            $"Column '{column}' of the {dataName} has a missing label at row {row} (key 0: a value the key mapping did not know, or an empty value).");
                    if (key > classes)
                        throw new InvalidOperationException(
                            $"Column '{column}' of the {dataName} has label key {key} at row {row}, out of range: the model has {classes} classes (keys 1 to {classes}).");
                    return key - 1;
                };
            }
            case TrainingTask.BinaryClassification:
            {
                var getter = cursor.GetGetter<bool>(label);
                return (_, _, _, _) =>
                {
                    bool value = false;
                    getter(ref value);
                    return value ? 1f : 0f;
                };
            }
            default:
            {
                var getter = cursor.GetGetter<float>(label);
                return (row, column, _, dataName) =>
                {
                    float value = 0;
                    getter(ref value);
                    if (!float.IsFinite(value))
                        throw new InvalidOperationException($"Column '{column}' of the {dataName} holds {Format(value)} at row {row}: regression labels must be finite.");
                    return value;
                };
            }
        }
    }

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
