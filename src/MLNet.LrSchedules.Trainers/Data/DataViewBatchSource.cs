using Microsoft.ML;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Mini-batches streamed from an <see cref="IDataView"/>: a new cursor each epoch, rows checked as they are read (same
/// messages as the in-memory read), shuffled within windows of <see cref="ShuffleWindowRows"/> rows.
/// </summary>
/// <remarks>
/// <para>Memory: one window of rows (features, labels, weights) plus the batch being built, whatever the row count.</para>
/// <para>Shuffling: the rows are read in the data view's order, <see cref="ShuffleWindowRows"/> at a time; each window is
/// permuted by a Fisher–Yates shuffle drawn from one <see cref="Random"/> per epoch seeded as <see cref="InMemoryBatchSource"/>
/// seeds it, so the order is a pure function of (seed, epoch). When the whole data fits in one window the batches are exactly
/// those of <see cref="InMemoryBatchSource"/>; without shuffling they always are. Batches run across window boundaries, so
/// only the last batch of an epoch is short.</para>
/// <para>Unlike <see cref="InMemoryBatchSource"/>, a batch's arrays are reused for the next batch of the epoch: read a batch before moving on.</para>
/// </remarks>
internal sealed class DataViewBatchSource : IBatchSource
{
    private readonly IDataView _data;
    private readonly string _featureColumn;
    private readonly string _labelColumn;
    private readonly string? _weightColumn;
    private readonly TaskColumns _task;
    private readonly int _outputs;
    private readonly string _dataName;
    private readonly Action _checkAlive;
    private long? _rowCount;

    public DataViewBatchSource(IDataView data, string featureColumn, string labelColumn, string? weightColumn,
        TaskColumns task, int featureCount, int outputs, string dataName, int shuffleWindowRows, Action checkAlive)
    {
        if (shuffleWindowRows < 1)
            throw new ArgumentOutOfRangeException(nameof(shuffleWindowRows), shuffleWindowRows, $"Parameter 'shuffleWindowRows' must be >= 1; received {shuffleWindowRows}.");
        _data = data;
        _featureColumn = featureColumn;
        _labelColumn = labelColumn;
        _weightColumn = weightColumn;
        _task = task;
        _outputs = outputs;
        _dataName = dataName;
        _checkAlive = checkAlive;
        FeatureCount = featureCount;
        ShuffleWindowRows = shuffleWindowRows;
    }

    /// <inheritdoc />
    public int FeatureCount { get; }

    /// <summary>Rows shuffled together; the rows held in memory at once.</summary>
    public int ShuffleWindowRows { get; }

    /// <summary>The data view's row count; when it does not know it, a pass of a cursor with no active column counts the rows (once).</summary>
    public long? RowCount => _rowCount ??= _data.GetRowCount() ?? CountRows();

    private long CountRows()
    {
        long rows = 0;
        using var cursor = _data.GetRowCursor([]);
        while (cursor.MoveNext())
            if ((rows++ & 65535) == 0) _checkAlive();
        return rows;
    }

    /// <inheritdoc />
    public IEnumerable<Batch> ReadBatches(int batchSize, int epoch, int seed, bool shuffle)
    {
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"Parameter 'batchSize' must be > 0; received {batchSize}.");
        return Read(batchSize, epoch, seed, shuffle);
    }

    private IEnumerable<Batch> Read(int batchSize, int epoch, int seed, bool shuffle)
    {
        int width = FeatureCount;
        using var reader = new DataViewRowReader(_data, _featureColumn, _labelColumn, _weightColumn, _task, width, _outputs, _dataName, _checkAlive);
        bool weighted = reader.HasWeights;
        // Without shuffling rows go straight into the batch; with it, a window is read, permuted, then cut into batches.
        int windowRows = shuffle ? (int)Math.Min(ShuffleWindowRows, Math.Max(1, _rowCount ?? _data.GetRowCount() ?? ShuffleWindowRows)) : 1;
        var windowFeatures = new float[(long)windowRows * width];
        var windowLabels = new float[windowRows];
        var windowWeights = new float[windowRows];
        var order = new int[windowRows];
        var random = shuffle ? new Random(InMemoryBatchSource.ShuffleSeed(seed, epoch)) : null;

        float[] features = new float[(long)batchSize * width];
        float[] labels = new float[batchSize];
        float[]? weights = weighted ? new float[batchSize] : null;
        int filled = 0;
        while (true)
        {
            int count = 0;
            while (count < windowRows && reader.Next(windowFeatures.AsSpan(count * width, width), out windowLabels[count], out windowWeights[count]))
                count++;
            if (count == 0) break;
            for (int i = 0; i < count; i++) order[i] = i;
            if (random is not null)
                for (int i = count - 1; i > 0; i--)
                {
                    int j = random.Next(i + 1);
                    (order[i], order[j]) = (order[j], order[i]);
                }
            for (int i = 0; i < count; i++)
            {
                int row = order[i];
                Array.Copy(windowFeatures, (long)row * width, features, (long)filled * width, width);
                labels[filled] = windowLabels[row];
                if (weights is not null) weights[filled] = windowWeights[row];
                if (++filled == batchSize)
                {
                    // The arrays are reused for the next batch: the engine copies a batch into tensors before asking for
                    // the next, and fresh ~1 MB arrays per batch would churn the large-object heap.
                    yield return new Batch(features, labels, weights, filled);
                    filled = 0;
                }
            }
            if (count < windowRows) break;
        }
        if (filled > 0)
            yield return new Batch(features[..(filled * width)], labels[..filled], weights?[..filled], filled);
        if (reader.RowsRead == 0)
            throw new InvalidOperationException($"The {_dataName} has no rows: there is nothing to train on.");
    }
}
