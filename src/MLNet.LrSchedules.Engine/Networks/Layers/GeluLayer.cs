namespace MLNet.LrSchedules.Trainers;

/// <summary>The Gaussian error linear unit, x·Φ(x) (exact, not the tanh approximation), elementwise. PyTorch <c>nn.GELU</c>. Text: <c>gelu</c>.</summary>
public sealed class GeluLayer : NetworkLayer
{
    /// <summary>Creates the activation.</summary>
    public GeluLayer() { }

    internal override TensorShape? InferShape(TensorShape? input) => input;
}
