namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Batch normalization over channels×height×width (per channel). PyTorch <c>nn.BatchNorm2d(num_features, eps, momentum)</c>.
/// Text: <c>batchnorm2d</c> (<c>batch_norm2d</c> is accepted too).
/// </summary>
[LayerAlias("batch_norm2d")]
public sealed class BatchNorm2dLayer : BatchNormLayer
{
    /// <summary>Creates batch normalization.</summary>
    /// <param name="eps">Added to the variance for numerical stability, finite and &gt; 0.</param>
    /// <param name="momentum">The weight of the current batch in the running statistics, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public BatchNorm2dLayer(double eps = 1e-5, double momentum = 0.1) : base(eps, momentum) { }

    internal override TensorShape? InferShape(TensorShape? input) =>
        input is { Rank: not 3 }
            ? throw new LayerShapeError(input.Rank == 1
                ? "expects channels×height×width: use batchnorm1d for a flat vector of features"
                : "expects channels×height×width: use batchnorm1d for channels×length")
            : input;
}
