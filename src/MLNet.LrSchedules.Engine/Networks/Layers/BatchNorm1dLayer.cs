namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Batch normalization over a flat vector of features (per feature) or channels×length (per channel). PyTorch
/// <c>nn.BatchNorm1d(num_features, eps, momentum)</c>. Text: <c>batchnorm1d</c> (<c>batch_norm1d</c> is accepted too).
/// </summary>
[LayerAlias("batch_norm1d")]
public sealed class BatchNorm1dLayer : BatchNormLayer
{
    /// <summary>Creates batch normalization.</summary>
    /// <param name="eps">Added to the variance for numerical stability, finite and &gt; 0.</param>
    /// <param name="momentum">The weight of the current batch in the running statistics, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public BatchNorm1dLayer(double eps = 1e-5, double momentum = 0.1) : base(eps, momentum) { }

    internal override TensorShape? InferShape(TensorShape? input) =>
        input is { Rank: > 2 }
            ? throw new LayerShapeError("expects a flat vector of features or channels×length: use batchnorm2d for channels×height×width")
            : input;
}
