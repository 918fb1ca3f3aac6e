namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Global average pooling: the mean of each channel over its length or height×width, channels×… → a flat vector of channels.
/// PyTorch <c>nn.AdaptiveAvgPool2d(1)</c> followed by <c>nn.Flatten()</c> (Keras <c>GlobalAveragePooling2D</c>).
/// Text: <c>globalavgpool</c> (<c>global_avg_pool</c> is accepted too).
/// </summary>
[LayerAlias("global_avg_pool")]
public sealed class GlobalAvgPoolLayer : NetworkLayer
{
    /// <summary>Creates global average pooling.</summary>
    public GlobalAvgPoolLayer() { }

    internal override TensorShape? InferShape(TensorShape? input)
    {
        if (input is { Rank: < 2 })
            throw new LayerShapeError("expects channels×length or channels×height×width: it averages each channel over the rest");
        return input is null ? null : TensorShape.Flat(input[0]);
    }
}
