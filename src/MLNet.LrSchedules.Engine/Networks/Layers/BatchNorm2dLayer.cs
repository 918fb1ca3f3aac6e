namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Batch normalization over channels×height×width (per channel): in training, each is normalized with the batch's mean and variance and the running
/// statistics are updated; in evaluation (validation, scoring) the running statistics are used. PyTorch
/// <c>nn.BatchNorm2d(num_features, eps, momentum)</c> with a learned scale and shift; <c>num_features</c> is the
/// 2channel count it receives. Text: <c>batchnorm2d</c> (<c>batch_norm2d</c> is accepted too).
/// </summary>
/// <remarks>The running mean and variance are buffers: saved with the weights, restored on resume. Initialization: scale 1, shift 0.</remarks>
[LayerAlias("batch_norm2d")]
public sealed class BatchNorm2dLayer : NetworkLayer
{
    /// <summary>Creates batch normalization.</summary>
    /// <param name="eps">Added to the variance for numerical stability, finite and &gt; 0.</param>
    /// <param name="momentum">The weight of the current batch in the running statistics, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public BatchNorm2dLayer(double eps = 1e-5, double momentum = 0.1)
    {
        Eps = Check.Positive(eps);
        Momentum = Check.InRange(momentum, 0, 1);
    }

    /// <summary>Added to the variance for numerical stability.</summary>
    public double Eps { get; }

    /// <summary>The weight of the current batch in the running statistics.</summary>
    public double Momentum { get; }

    internal override TensorShape? InferShape(TensorShape? input)
    {
        if (input is { Rank: not 3 })
            throw new LayerShapeError(input.Rank == 1
                ? "expects channels×height×width: use batchnorm1d for a flat vector of features"
                : "expects channels×height×width: use batchnorm1d for channels×length");
        return input;
    }
}
