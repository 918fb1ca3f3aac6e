using System.Globalization;

namespace MLNet.LrSchedules.Trainers;

/// <summary>The shape of one example as it flows through a network, without the batch dimension: [features], [channels, length] or [channels, height, width].</summary>
internal sealed class TensorShape
{
    private readonly int[] _dims;

    public TensorShape(params int[] dims)
    {
        if (dims.Length == 0) throw new ArgumentException("A shape needs at least one dimension.", nameof(dims));
        _dims = (int[])dims.Clone();
        long size = 1;
        foreach (int d in _dims) size *= d;
        Size = size;
    }

    public IReadOnlyList<int> Dims => _dims;

    public int Rank => _dims.Length;

    /// <summary>The number of values of one example.</summary>
    public long Size { get; }

    public int this[int index] => _dims[index];

    public static TensorShape Flat(int features) => new(features);

    /// <summary>The dimensions joined by ×, for example <c>1×28×28</c>.</summary>
    public string Dimensions => string.Join("×", _dims.Select(d => d.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The shape as error messages name it: "a flat vector of 784 features", "16×14×14 (channels×height×width)".</summary>
    public override string ToString() => Rank switch
    {
        1 => $"a flat vector of {_dims[0].ToString(CultureInfo.InvariantCulture)} features",
        2 => $"{Dimensions} (channels×length)",
        3 => $"{Dimensions} (channels×height×width)",
        _ => Dimensions,
    };

    /// <summary>The batch shape [-1, dims...] for <c>reshape</c> (the batch size is inferred).</summary>
    public long[] WithBatch(long batch = -1)
    {
        var result = new long[_dims.Length + 1];
        result[0] = batch;
        for (int i = 0; i < _dims.Length; i++) result[i + 1] = _dims[i];
        return result;
    }
}

/// <summary>A layer cannot take the shape it receives; the message says what it expects (the spec adds the layer and the shape).</summary>
internal sealed class LayerShapeError(string expectation) : Exception(expectation);
