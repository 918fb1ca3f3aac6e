namespace MLNet.LrSchedules.Trainers;

/// <summary>max(0, x), elementwise. PyTorch <c>nn.ReLU</c>. Text: <c>relu</c>.</summary>
public sealed class ReluLayer : NetworkLayer
{
    /// <summary>Creates the activation.</summary>
    public ReluLayer() { }

    internal override TensorShape? InferShape(TensorShape? input) => input;
}
