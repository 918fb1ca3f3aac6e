using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The label column's key values (the original class values behind a key type), kept in the model so that
/// <c>PredictedLabel</c> carries them and <c>MapKeyToValue</c> works after loading. Values are stored as invariant strings.
/// </summary>
/// <param name="Kind">The item type: text, single, double, int32, int64, uint32, uint64 or boolean.</param>
/// <param name="Values">One value per class, in key order.</param>
internal sealed record LabelKeyValues(string Kind, IReadOnlyList<string> Values)
{
    // ML.NET's annotation names (its AnnotationUtils.Kinds is internal).
    internal const string KeyValuesKind = "KeyValues";
    internal const string SlotNamesKind = "SlotNames";

    /// <summary>Reads the KeyValues annotation of a key-typed label; null when it has none or of an unsupported type.</summary>
    public static LabelKeyValues? FromColumn(DataViewSchema.Column label, int classCount)
    {
        var annotations = label.Annotations;
        var column = annotations.Schema.GetColumnOrNull(KeyValuesKind);
        if (column is not { Type: VectorDataViewType { ItemType: var item, Size: var size } } || size != classCount) return null;
        return item switch
        {
            TextDataViewType => Read<ReadOnlyMemory<char>>(annotations, "text", v => v.ToString()),
            _ when item == NumberDataViewType.Single => Read<float>(annotations, "single", v => v.ToString("R", CultureInfo.InvariantCulture)),
            _ when item == NumberDataViewType.Double => Read<double>(annotations, "double", v => v.ToString("R", CultureInfo.InvariantCulture)),
            _ when item == NumberDataViewType.Int32 => Read<int>(annotations, "int32", v => v.ToString(CultureInfo.InvariantCulture)),
            _ when item == NumberDataViewType.Int64 => Read<long>(annotations, "int64", v => v.ToString(CultureInfo.InvariantCulture)),
            _ when item == NumberDataViewType.UInt32 => Read<uint>(annotations, "uint32", v => v.ToString(CultureInfo.InvariantCulture)),
            _ when item == NumberDataViewType.UInt64 => Read<ulong>(annotations, "uint64", v => v.ToString(CultureInfo.InvariantCulture)),
            BooleanDataViewType => Read<bool>(annotations, "boolean", v => v ? "true" : "false"),
            _ => null,
        };
    }

    private static LabelKeyValues Read<T>(DataViewSchema.Annotations annotations, string kind, Func<T, string> format)
    {
        VBuffer<T> values = default;
        annotations.GetValue(KeyValuesKind, ref values);
        return new LabelKeyValues(kind, values.DenseValues().Select(format).ToArray());
    }

    /// <summary>Adds the KeyValues annotation to <paramref name="builder"/>.</summary>
    public void AddKeyValues(DataViewSchema.Annotations.Builder builder)
    {
        switch (Kind)
        {
            case "text": Add(builder, TextDataViewType.Instance, s => s.AsMemory()); break;
            case "single": Add(builder, NumberDataViewType.Single, s => float.Parse(s, CultureInfo.InvariantCulture)); break;
            case "double": Add(builder, NumberDataViewType.Double, s => double.Parse(s, CultureInfo.InvariantCulture)); break;
            case "int32": Add(builder, NumberDataViewType.Int32, s => int.Parse(s, CultureInfo.InvariantCulture)); break;
            case "int64": Add(builder, NumberDataViewType.Int64, s => long.Parse(s, CultureInfo.InvariantCulture)); break;
            case "uint32": Add(builder, NumberDataViewType.UInt32, s => uint.Parse(s, CultureInfo.InvariantCulture)); break;
            case "uint64": Add(builder, NumberDataViewType.UInt64, s => ulong.Parse(s, CultureInfo.InvariantCulture)); break;
            case "boolean": Add(builder, BooleanDataViewType.Instance, s => s == "true"); break;
            default: throw new TorchModelFormatException($"Unknown label key-value kind '{Kind}' in the model.");
        }
    }

    /// <summary>Adds the SlotNames annotation (the class names as text) to <paramref name="builder"/>.</summary>
    public void AddSlotNames(DataViewSchema.Annotations.Builder builder) =>
        Add(builder, TextDataViewType.Instance, s => s.AsMemory(), SlotNamesKind);

    private void Add<T>(DataViewSchema.Annotations.Builder builder, PrimitiveDataViewType itemType, Func<string, T> parse,
        string kind = KeyValuesKind)
    {
        var values = Values.Select(parse).ToArray();
        ValueGetter<VBuffer<T>> getter = (ref VBuffer<T> destination) => new VBuffer<T>(values.Length, values).CopyTo(ref destination);
        builder.Add(kind, new VectorDataViewType(itemType, values.Length), getter);
    }
}
