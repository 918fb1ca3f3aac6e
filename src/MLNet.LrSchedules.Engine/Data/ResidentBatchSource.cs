using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Rows held once, in CPU tensors that libtorch allocated (features [rows, featureCount], labels and optional weights [rows],
/// float32): what the trainers read an in-memory <c>IDataView</c> into. The engine gathers its training batches from these
/// tensors and scores validation batches on slices of them, so the data is never also held as managed arrays.
/// </summary>
/// <remarks>Owns its tensors: dispose it when training is over. <see cref="ReadBatches"/> (managed copies of the rows, for
/// callers that want <see cref="Batch"/> objects) serves the same rows in the same order as <see cref="InMemoryBatchSource"/>.</remarks>
internal sealed class ResidentBatchSource : IBatchSource, IDisposable
{
    /// <summary>Takes ownership of the tensors.</summary>
    public ResidentBatchSource(Tensor features, Tensor labels, Tensor? weights, bool inDataOrder)
    {
        if (features.dim() != 2 || labels.dim() != 1 || labels.shape[0] != features.shape[0] || weights is not null && (weights.dim() != 1 || weights.shape[0] != features.shape[0]))
            throw new ArgumentException($"Expected features [rows, features] with one label (and weight) per row; received features {Shape(features)}, labels {Shape(labels)}, weights {(weights is null ? "none" : Shape(weights))}.");
        Features = features;
        Labels = labels;
        Weights = weights;
        Rows = checked((int)features.shape[0]);
        FeatureCount = checked((int)features.shape[1]);
        InDataOrder = inDataOrder;
    }

    /// <inheritdoc />
    public int FeatureCount { get; }

    /// <summary>The number of rows.</summary>
    public int Rows { get; }

    /// <inheritdoc />
    public long? RowCount => Rows;

    /// <summary>[rows, <see cref="FeatureCount"/>] float32.</summary>
    public Tensor Features { get; }

    /// <summary>[rows] float32: class index (multiclass), 0/1 (binary), target (regression).</summary>
    public Tensor Labels { get; }

    /// <summary>[rows] float32 example weights, or null.</summary>
    public Tensor? Weights { get; }

    /// <summary>Serves the rows in their order even when asked to shuffle (the trainer's ShuffleRows = false).</summary>
    public bool InDataOrder { get; }

    /// <inheritdoc />
    public IEnumerable<Batch> ReadBatches(int batchSize, int epoch, int seed, bool shuffle)
    {
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"Parameter 'batchSize' must be > 0; received {batchSize}.");
        return Read(batchSize, epoch, seed, shuffle);
    }

    private IEnumerable<Batch> Read(int batchSize, int epoch, int seed, bool shuffle)
    {
        int[] order = InMemoryBatchSource.EpochOrder(Rows, epoch, seed, shuffle && !InDataOrder);
        int width = FeatureCount;
        var featureMemory = HostTensors.Memory<float>(Features);
        var labelMemory = HostTensors.Memory<float>(Labels);
        var weightMemory = Weights is null ? default : HostTensors.Memory<float>(Weights);
        for (int start = 0; start < Rows; start += batchSize)
        {
            int count = Math.Min(batchSize, Rows - start);
            var features = new float[count * width];
            var labels = new float[count];
            float[]? weights = Weights is null ? null : new float[count];
            for (int r = 0; r < count; r++)
            {
                int row = order[start + r];
                featureMemory.Span((long)row * width, width).CopyTo(features.AsSpan(r * width, width));
                labels[r] = labelMemory.Span(row, 1)[0];
                if (weights is not null) weights[r] = weightMemory.Span(row, 1)[0];
            }
            yield return new Batch(features, labels, weights, count);
        }
    }

    public void Dispose()
    {
        Features.Dispose();
        Labels.Dispose();
        Weights?.Dispose();
    }

    private static string Shape(Tensor tensor) => "[" + string.Join(", ", tensor.shape) + "]";
}

/// <summary>
/// Collects rows straight into native memory for a <see cref="ResidentBatchSource"/>: one tensor when the row count is known,
/// else chunks of rows joined once at the end. Labels and weights (one float per row) are collected in managed lists.
/// </summary>
/// <remarks>
/// In a process whose libtorch is still loading (a first <c>Fit</c>: the warm-up loads it on another thread for a few hundred
/// milliseconds), the first rows go into a managed staging buffer of at most 32 MB instead of waiting for the load; they move
/// into the tensor once rows outgrow the buffer or the data ends. The buffer is then dropped: the rows are held once again.
/// </remarks>
internal sealed class ResidentRowsBuilder : IDisposable
{
    private const long ChunkBytes = 64L << 20;
    private const long StagingBytes = 32L << 20;
    private readonly int _featureCount;
    private readonly List<Tensor> _chunks = [];
    private readonly long _chunkRows;
    private HostTensors.NativeMemory<float> _chunk;
    private long _rowsInLastChunk;
    private readonly List<float> _labels;
    private readonly List<float> _weights = [];
    // A row read when every chunk is full waits here: usually it is the end-of-data probe and nothing is read into it, so no
    // chunk (a whole second copy of the data, when the row count was known) is allocated for it.
    private float[]? _scratch;
    private bool _scratchHoldsRow;
    private float[]? _staged;
    private long _stagedRows;

    /// <param name="featureCount">Features per row.</param>
    /// <param name="knownRows">The row count when the data knows it: one tensor of exactly that size.</param>
    /// <param name="chunkRows">Rows per chunk when the count is unknown; default 64 MB of features.</param>
    /// <param name="stagingRows">Rows staged in managed memory before the first tensor; default: up to 32 MB of rows while libtorch
    /// is not loaded yet, none once it is (see remarks).</param>
    public ResidentRowsBuilder(int featureCount, long? knownRows, long? chunkRows = null, long? stagingRows = null)
    {
        _featureCount = Check.Positive(featureCount);
        _chunkRows = knownRows is > 0 ? knownRows.Value : chunkRows ?? Math.Max(1, ChunkBytes / (4L * featureCount));
        _labels = knownRows is > 0 and <= int.MaxValue ? new((int)knownRows.Value) : [];
        // One more row than the data holds: the end-of-data probe.
        long staging = stagingRows ?? (Native.TorchSharpRuntime.IsLoaded ? 0 : Math.Min(StagingBytes / (4L * featureCount), knownRows is > 0 ? knownRows.Value + 1 : long.MaxValue));
        if (staging > 0) _staged = new float[checked((int)(staging * featureCount))];
        // Else the first tensor of a run is allocated here, before the engine exists: libtorch must be loaded the library's way
        // first (the native fix, OpenMP's settings).
        else Native.TorchSharpRuntime.EnsureLoaded();
    }

    /// <summary>Rows added so far.</summary>
    public long Rows { get; private set; }

    /// <summary>The chunks of native memory allocated so far.</summary>
    internal int Chunks => _chunks.Count;

    /// <summary>A row's worth of feature slots to fill (the next row); take it back with <see cref="DropRow"/> when nothing was read into it.</summary>
    public Span<float> NextRow()
    {
        if (_staged is not null)
        {
            if ((_stagedRows + 1) * _featureCount <= _staged.Length)
            {
                Rows++;
                return _staged.AsSpan(checked((int)(_stagedRows++ * _featureCount)), _featureCount);
            }
            Unstage();
        }
        CommitScratch();
        Rows++;
        if (_chunks.Count > 0 && _rowsInLastChunk == _chunkRows)
        {
            _scratch ??= new float[_featureCount];
            _scratchHoldsRow = true;
            return _scratch;
        }
        if (_chunks.Count == 0) AddChunk();
        return _chunk.Span(_rowsInLastChunk++ * _featureCount, _featureCount);
    }

    /// <summary>Takes back the last <see cref="NextRow"/>.</summary>
    public void DropRow()
    {
        if (_staged is not null)
        {
            Rows--;
            _stagedRows--;
            return;
        }
        Rows--;
        if (_scratchHoldsRow) _scratchHoldsRow = false;
        else _rowsInLastChunk--;
    }

    private void AddChunk()
    {
        var chunk = empty([_chunkRows, _featureCount], ScalarType.Float32).DetachFromDisposeScope();
        _chunks.Add(chunk);
        _chunk = HostTensors.Memory<float>(chunk);
        _rowsInLastChunk = 0;
    }

    /// <summary>Loads libtorch (waiting for a load under way) and moves the staged rows into native memory, in order.</summary>
    private void Unstage()
    {
        Native.TorchSharpRuntime.EnsureLoaded();
        var staged = _staged!;
        long rows = _stagedRows;
        _staged = null;
        _stagedRows = 0;
        Rows -= rows;
        for (long r = 0; r < rows; r++)
            staged.AsSpan(checked((int)(r * _featureCount)), _featureCount).CopyTo(NextRow());
    }

    private void CommitScratch()
    {
        if (!_scratchHoldsRow) return;
        _scratchHoldsRow = false;
        AddChunk();
        _scratch.AsSpan().CopyTo(_chunk.Span(0, _featureCount));
        _rowsInLastChunk = 1;
    }

    /// <summary>The label (and weight) of the row last taken with <see cref="NextRow"/>.</summary>
    public void Add(float label, float? weight)
    {
        _labels.Add(label);
        if (weight is { } w) _weights.Add(w);
    }

    /// <summary>The rows as a source that owns them; this builder is empty afterwards.</summary>
    public ResidentBatchSource Build(bool weighted, bool inDataOrder)
    {
        if (_staged is not null) Unstage();
        CommitScratch();
        Tensor features;
        if (_chunks.Count == 1 && _rowsInLastChunk == _chunkRows)
        {
            features = _chunks[0];
        }
        else if (_chunks.Count == 0)
        {
            features = empty([0, _featureCount], ScalarType.Float32).DetachFromDisposeScope();
        }
        else
        {
            // Joined once: the chunks and the result coexist only for this copy.
            using var last = _chunks[^1].narrow(0, 0, _rowsInLastChunk);
            var parts = _chunks.Take(_chunks.Count - 1).Append(last).ToArray();
            features = (parts.Length == 1 ? last.clone() : cat(parts, 0)).DetachFromDisposeScope();
            foreach (var chunk in _chunks) chunk.Dispose();
        }
        _chunks.Clear();
        var labels = HostTensors.Float32(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_labels), _labels.Count).DetachFromDisposeScope();
        var weights = weighted ? HostTensors.Float32(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_weights), _weights.Count).DetachFromDisposeScope() : null;
        return new ResidentBatchSource(features, labels, weights, inDataOrder);
    }

    public void Dispose()
    {
        foreach (var chunk in _chunks) chunk.Dispose();
        _chunks.Clear();
    }
}
