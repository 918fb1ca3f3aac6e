namespace MLNet.LrSchedules.Trainers;

/// <summary>The hyperbolic tangent, elementwise. PyTorch <c>nn.Tanh</c>. Text: <c>tanh</c>.</summary>
public sealed class TanhLayer : NetworkLayer
{
    /// <summary>Creates the activation.</summary>
    public TanhLayer() { }

    internal override TensorShape? InferShape(TensorShape? input) => input;
}
