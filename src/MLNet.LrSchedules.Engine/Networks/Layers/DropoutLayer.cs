namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Dropout: in training, each value is zeroed with probability <see cref="Probability"/> and the others scaled by
/// 1/(1 − p); nothing in evaluation. PyTorch <c>nn.Dropout(p)</c>. Text: <c>dropout(0.2)</c> (<c>p=</c> is accepted).
/// </summary>
/// <remarks>The masks are drawn from the engine's generator, reseeded every epoch from (seed, epoch): a resumed run draws the same masks.</remarks>
public sealed class DropoutLayer : NetworkLayer
{
    /// <summary>Creates dropout.</summary>
    /// <param name="probability">The probability of zeroing a value, in [0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is out of range.</exception>
    public DropoutLayer([ParameterAlias("p"), TextPositional] double probability = 0.5)
    {
        Probability = Check.InRange(probability, 0, 1, maxInclusive: false);
    }

    /// <summary>The probability of zeroing a value (PyTorch <c>p</c>).</summary>
    public double Probability { get; }

    internal override TensorShape? InferShape(TensorShape? input) => input;
}
