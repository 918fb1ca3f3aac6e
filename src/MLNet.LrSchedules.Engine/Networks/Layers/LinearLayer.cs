namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A fully connected layer, <c>y = x·Wᵀ + b</c>, on a flat vector. PyTorch <c>nn.Linear(in_features, out_features, bias)</c>;
/// <c>in_features</c> is the size of the vector it receives. Text: <c>linear(128)</c>.
/// </summary>
/// <remarks>Initialization (PyTorch's default): weight and bias uniform in ±1/√in_features.</remarks>
public sealed class LinearLayer : NetworkLayer
{
    /// <summary>Creates a fully connected layer.</summary>
    /// <param name="outFeatures">The number of outputs, at least 1.</param>
    /// <param name="bias">Whether the layer adds a learned bias.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outFeatures"/> is less than 1.</exception>
    public LinearLayer(int outFeatures, bool bias = true)
    {
        OutFeatures = Check.Positive(outFeatures);
        Bias = bias;
    }

    /// <summary>The number of outputs (PyTorch <c>out_features</c>).</summary>
    public int OutFeatures { get; }

    /// <summary>Whether the layer adds a learned bias.</summary>
    public bool Bias { get; }

    internal override TensorShape? InferShape(TensorShape? input)
    {
        if (input is { Rank: not 1 })
            throw new LayerShapeError("expects a flat vector of features: put flatten (or globalavgpool) before it");
        return TensorShape.Flat(OutFeatures);
    }
}
