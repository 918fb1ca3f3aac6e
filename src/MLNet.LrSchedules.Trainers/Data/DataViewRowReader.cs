using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Reads the rows of an <see cref="IDataView"/> one at a time with a cursor, densifying the features and checking every value:
/// features finite, labels present and in range, weights finite and &gt;= 0. Every error names the column and the 0-based row.
/// </summary>
/// <remarks>Shared by the in-memory read (<see cref="DataViewRows"/>) and the streaming source (<see cref="DataViewBatchSource"/>), so both report bad data with the same messages.</remarks>
internal sealed class DataViewRowReader : IDisposable
{
    private readonly DataViewRowCursor _cursor;
    private readonly ValueGetter<VBuffer<float>> _featureGetter;
    private readonly Func<long, float> _labelReader;
    private readonly ValueGetter<float>? _weightGetter;
    private readonly string _featureColumn;
    private readonly string? _weightColumn;
    private readonly string _dataName;
    private readonly Action _checkAlive;
    private VBuffer<float> _buffer;

    public DataViewRowReader(IDataView data, string featureColumn, string labelColumn, string? weightColumn,
        TaskColumns task, int featureCount, int outputs, string dataName, Action checkAlive)
    {
        var schema = data.Schema;
        var features = schema[featureColumn];
        var label = schema[labelColumn];
        var weight = weightColumn is null ? (DataViewSchema.Column?)null : schema[weightColumn];
        var active = weight is { } w ? new[] { features, label, w } : new[] { features, label };
        _cursor = data.GetRowCursor(active);
        _featureGetter = _cursor.GetGetter<VBuffer<float>>(features);
        _labelReader = task.LabelReader(_cursor, label, outputs, dataName);
        _weightGetter = weight is { } wc ? _cursor.GetGetter<float>(wc) : null;
        _featureColumn = featureColumn;
        _weightColumn = weightColumn;
        _dataName = dataName;
        _checkAlive = checkAlive;
        FeatureCount = featureCount;
    }

    public int FeatureCount { get; }

    public bool HasWeights => _weightGetter is not null;

    /// <summary>Rows read so far; the 0-based index of the next row.</summary>
    public long RowsRead { get; private set; }

    /// <summary>Reads the next row into <paramref name="features"/> (exactly <see cref="FeatureCount"/> values); false at the end of the data.</summary>
    // Once per row from a process's first Fit on: compiled optimized at once rather than at tier 0 (a cold start reads
    // MNIST's 8,000 rows in 30 ms instead of 40; docs/BENCHMARKS.md, "Cold start").
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool Next(Span<float> features, out float label, out float weight)
    {
        label = 0;
        weight = 1;
        long row = RowsRead;
        if ((row & 4095) == 0) _checkAlive();
        if (!_cursor.MoveNext()) return false;
        _featureGetter(ref _buffer);
        if (_buffer.Length != FeatureCount)
            throw new InvalidOperationException($"Column '{_featureColumn}' of the {_dataName} has {_buffer.Length} values at row {row}; expected {FeatureCount}.");
        _buffer.CopyTo(features);
        if (!AllFinite(features))
            for (int i = 0; i < features.Length; i++)
                if (!float.IsFinite(features[i]))
                throw new InvalidOperationException(
                    $"Column '{_featureColumn}' of the {_dataName} holds {Format(features[i])} at row {row}, slot {i}: features must be finite. "
                    + "Replace missing values first (mlContext.Transforms.ReplaceMissingValues) or filter the rows.");
        label = _labelReader(row);
        if (_weightGetter is not null)
        {
            _weightGetter(ref weight);
            if (!float.IsFinite(weight) || weight < 0)
                throw new InvalidOperationException($"Column '{_weightColumn}' of the {_dataName} holds {Format(weight)} at row {row}: example weights must be finite and >= 0.");
        }
        RowsRead = row + 1;
        return true;
    }

    public void Dispose() => _cursor.Dispose();

    /// <summary>x − x is 0 for a finite x and NaN for NaN and ±infinity: a vectorized check of the whole row.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(values);
            foreach (var v in vectors)
                if (!System.Numerics.Vector.EqualsAll(v - v, System.Numerics.Vector<float>.Zero)) return false;
            i = vectors.Length * System.Numerics.Vector<float>.Count;
        }
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return false;
        return true;
    }

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
