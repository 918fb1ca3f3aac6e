using Microsoft.ML;

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
    /// <remarks>
    /// <paramref name="checkAlive"/> is called every few thousand rows and throws when the run was canceled.
    /// With <paramref name="maxFeatureBytes"/>, gives up and returns null as soon as the features would take more than that many bytes.
    /// </remarks>
    public static DataViewRows? Read(IDataView data, string featureColumn, string labelColumn, string? weightColumn,
        TaskColumns task, int featureCount, int outputs, string dataName, Action checkAlive, long? maxFeatureBytes = null)
    {
        long maxRows = maxFeatureBytes is { } bytes ? bytes / (4L * featureCount) : long.MaxValue;
        // Arrays cannot exceed int.MaxValue elements: past that, the rows must be streamed.
        maxRows = Math.Min(maxRows, Array.MaxLength / featureCount);
        long? known = data.GetRowCount();
        if (known > maxRows) return maxFeatureBytes is null ? throw TooLarge(dataName, known.Value) : null;

        var features = new GrowingArray(known is { } k ? checked((int)(k * featureCount)) : featureCount * 1024);
        var labels = new GrowingArray(known is { } n ? (int)n : 1024);
        using var reader = new DataViewRowReader(data, featureColumn, labelColumn, weightColumn, task, featureCount, outputs, dataName, checkAlive);
        var weights = reader.HasWeights ? new GrowingArray(labels.Capacity) : null;
        // A row is read straight into its place in the features array while there is room (always, when the count was
        // known): growing it for the end-of-data probe would double it and cost a trimming copy.
        var scratch = new float[featureCount];
        while (true)
        {
            bool room = features.HasRoom(featureCount);
            if (!reader.Next(room ? features.Reserve(featureCount) : scratch, out float label, out float weight))
            {
                if (room) features.Unreserve(featureCount);
                break;
            }
            if (!room) features.Add(scratch);
            if (reader.RowsRead > maxRows) return maxFeatureBytes is null ? throw TooLarge(dataName, reader.RowsRead) : null;
            labels.Add(label);
            weights?.Add(weight);
        }
        if (labels.Count == 0)
            throw new InvalidOperationException($"The {dataName} has no rows: there is nothing to train on.");
        var weightArray = weights?.ToArray();
        if (weightArray is not null && weightArray.All(x => x == 0))
            throw new InvalidOperationException($"Every example weight in column '{weightColumn}' of the {dataName} is 0: there is nothing to train on.");
        return new DataViewRows(features.ToArray(), labels.ToArray(), weightArray, featureCount);
    }

    private static InvalidOperationException TooLarge(string dataName, long rows) =>
        new($"The {dataName} has {rows} or more rows: too many to hold in one array. Stream it instead (option DataLoading = Streaming).");

    /// <summary>A float list that hands out its exact-size array without a final copy when the size was known up front.</summary>
    private sealed class GrowingArray(int capacity)
    {
        private float[] _items = new float[Math.Max(1, capacity)];

        public int Count { get; private set; }

        public int Capacity => _items.Length;

        public void Add(float value)
        {
            if (Count == _items.Length) Grow(Count + 1);
            _items[Count++] = value;
        }

        public void Add(ReadOnlySpan<float> values)
        {
            if (Count + values.Length > _items.Length) Grow(Count + values.Length);
            values.CopyTo(_items.AsSpan(Count));
            Count += values.Length;
        }

        public bool HasRoom(int count) => Count + count <= _items.Length;

        /// <summary>Appends <paramref name="count"/> slots and returns them to be written.</summary>
        public Span<float> Reserve(int count)
        {
            if (Count + count > _items.Length) Grow(Count + count);
            Count += count;
            return _items.AsSpan(Count - count, count);
        }

        /// <summary>Takes back the last reservation (nothing was read into it).</summary>
        public void Unreserve(int count) => Count -= count;

        public float[] ToArray() => Count == _items.Length ? _items : _items[..Count];

        private void Grow(int needed)
        {
            long size = Math.Max(needed, Math.Min((long)_items.Length * 2, Array.MaxLength));
            Array.Resize(ref _items, (int)size);
        }
    }
}
