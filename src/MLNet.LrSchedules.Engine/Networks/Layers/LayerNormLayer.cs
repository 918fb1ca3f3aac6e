namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Layer normalization: each example is normalized over all its values, then scaled and shifted elementwise (learned).
/// PyTorch <c>nn.LayerNorm(normalized_shape, eps)</c> with <c>normalized_shape</c> the shape it receives. Text: <c>layernorm</c>
/// (<c>layer_norm</c> is accepted too).
/// </summary>
/// <remarks>Initialization: scale 1, shift 0.</remarks>
[LayerAlias("layer_norm")]
public sealed class LayerNormLayer : NetworkLayer
{
    /// <summary>Creates layer normalization.</summary>
    /// <param name="eps">Added to the variance for numerical stability, finite and &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="eps"/> is out of range.</exception>
    public LayerNormLayer(double eps = 1e-5)
    {
        Eps = Check.Positive(eps);
    }

    /// <summary>Added to the variance for numerical stability.</summary>
    public double Eps { get; }

    internal override TensorShape? InferShape(TensorShape? input) => input;
}
