namespace MLNet.LrSchedules.Trainers;

/// <summary>Flattens each example (channels×… → a flat vector). PyTorch <c>nn.Flatten()</c>. Text: <c>flatten</c>.</summary>
public sealed class FlattenLayer : NetworkLayer
{
    /// <summary>Creates the layer.</summary>
    public FlattenLayer() { }

    internal override TensorShape? InferShape(TensorShape? input) =>
        input is null ? null : input.Size <= int.MaxValue ? TensorShape.Flat((int)input.Size)
            : throw new LayerShapeError($"would give {input.Size} features, more than {int.MaxValue}");
}
