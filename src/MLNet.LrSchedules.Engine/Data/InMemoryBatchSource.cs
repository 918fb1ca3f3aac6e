namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Mini-batches over rows held in memory (row-major features, one label and optionally one weight per row).
/// The shuffle of an epoch is a pure function of (seed, epoch), so a resumed run sees the same batches as an uninterrupted one.
/// </summary>
/// <remarks>
/// The arrays are kept, not copied: do not change them while batches are read. Each batch is a fresh copy of its rows,
/// so a caller may keep it. Reading is thread-safe: concurrent epochs do not share buffers.
/// </remarks>
public sealed class InMemoryBatchSource : IBatchSource
{
    private readonly float[] _features;
    private readonly float[] _labels;
    private readonly float[]? _weights;

    /// <summary>Wraps rows held in memory.</summary>
    /// <param name="features">rows × <paramref name="featureCount"/> values, row-major.</param>
    /// <param name="labels">One label per row: class index (multiclass), 0/1 (binary), target (regression).</param>
    /// <param name="featureCount">Number of features per row.</param>
    /// <param name="weights">Optional example weights, one per row.</param>
    public InMemoryBatchSource(float[] features, float[] labels, int featureCount, float[]? weights = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (featureCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, $"Parameter 'featureCount' must be > 0; received {featureCount}.");
        if ((long)labels.Length * featureCount != features.Length)
            throw new ArgumentException($"Parameter 'features' must hold labels.Length × featureCount = {(long)labels.Length * featureCount} values; received {features.Length}.", nameof(features));
        if (weights is not null && weights.Length != labels.Length)
            throw new ArgumentException($"Parameter 'weights' must hold one weight per row ({labels.Length}); received {weights.Length}.", nameof(weights));
        _features = features;
        _labels = labels;
        _weights = weights;
        FeatureCount = featureCount;
    }

    /// <inheritdoc />
    public int FeatureCount { get; }

    internal float[] Features => _features;

    internal float[] Labels => _labels;

    internal float[]? Weights => _weights;

    /// <summary>Serves the rows in their order even when asked to shuffle (the trainer's ShuffleRows = false).</summary>
    internal bool InDataOrder { get; init; }

    /// <inheritdoc />
    public long? RowCount => _labels.Length;

    /// <summary>The order of the rows in an epoch: identity, or a Fisher–Yates shuffle seeded from (<paramref name="seed"/>, <paramref name="epoch"/>).</summary>
    public static int[] EpochOrder(int rows, int epoch, int seed, bool shuffle)
    {
        var order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        if (!shuffle) return order;
        var random = new Random(ShuffleSeed(seed, epoch));
        for (int i = rows - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>The System.Random seed of an epoch's shuffle.</summary>
    public static int ShuffleSeed(int seed, int epoch) => unchecked(seed * 1_000_003 + epoch);

    /// <inheritdoc />
    public IEnumerable<Batch> ReadBatches(int batchSize, int epoch, int seed, bool shuffle)
    {
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"Parameter 'batchSize' must be > 0; received {batchSize}.");
        return Read(batchSize, epoch, seed, shuffle);
    }

    private IEnumerable<Batch> Read(int batchSize, int epoch, int seed, bool shuffle)
    {
        int rows = _labels.Length;
        // Only the index permutation is per epoch; the data itself is gathered batch by batch.
        int[] order = EpochOrder(rows, epoch, seed, shuffle && !InDataOrder);
        int width = FeatureCount;
        for (int start = 0; start < rows; start += batchSize)
        {
            int count = Math.Min(batchSize, rows - start);
            var features = new float[count * width];
            var labels = new float[count];
            float[]? weights = _weights is null ? null : new float[count];
            for (int r = 0; r < count; r++)
            {
                int row = order[start + r];
                Array.Copy(_features, (long)row * width, features, (long)r * width, width);
                labels[r] = _labels[row];
                if (weights is not null) weights[r] = _weights![row];
            }
            yield return new Batch(features, labels, weights, count);
        }
    }
}
