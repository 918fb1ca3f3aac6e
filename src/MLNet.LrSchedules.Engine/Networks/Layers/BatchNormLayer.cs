namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Batch normalization (<see cref="BatchNorm1dLayer"/>, <see cref="BatchNorm2dLayer"/>): in training, each feature or
/// channel is normalized with the batch's mean and variance and the running statistics are updated; in evaluation
/// (validation, scoring) the running statistics are used. A learned scale and shift follow. PyTorch's <c>num_features</c>
/// is the feature or channel count it receives.
/// </summary>
/// <remarks>The running mean and variance are buffers: saved with the weights, restored on resume. Initialization: scale 1, shift 0.</remarks>
public abstract class BatchNormLayer : NetworkLayer
{
    private protected BatchNormLayer(double eps, double momentum)
    {
        Eps = Check.Positive(eps);
        Momentum = Check.InRange(momentum, 0, 1);
    }

    /// <summary>Added to the variance for numerical stability.</summary>
    public double Eps { get; }

    /// <summary>The weight of the current batch in the running statistics.</summary>
    public double Momentum { get; }
}
