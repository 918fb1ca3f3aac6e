namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Max or average pooling over channels×length or channels×height×width (<see cref="MaxPool1dLayer"/>,
/// <see cref="MaxPool2dLayer"/>, <see cref="AvgPool1dLayer"/>, <see cref="AvgPool2dLayer"/>): a square window of
/// <see cref="KernelSize"/>, moved by <see cref="Stride"/> (the kernel size when null, as in PyTorch), over
/// <see cref="Padding"/>; the channels are kept.
/// </summary>
public abstract class PoolingLayer : NetworkLayer
{
    private protected PoolingLayer(int kernelSize, int? stride, int padding)
    {
        KernelSize = Check.Positive(kernelSize);
        Stride = stride is { } s ? Check.Positive(s, nameof(stride)) : null;
        Padding = Spatial.PoolPadding(padding, kernelSize, nameof(padding));
    }

    /// <summary>The window's size (PyTorch <c>kernel_size</c>).</summary>
    public int KernelSize { get; }

    /// <summary>The step between two windows; null for <see cref="KernelSize"/>.</summary>
    public int? Stride { get; }

    /// <summary>Padding on each side.</summary>
    public int Padding { get; }

    /// <summary>The step in force: <see cref="Stride"/>, or <see cref="KernelSize"/> when it is null.</summary>
    internal int EffectiveStride => Stride ?? KernelSize;

    /// <summary>1 for channels×length, 2 for channels×height×width.</summary>
    internal abstract int Dimensions { get; }

    internal override TensorShape? InferShape(TensorShape? input) =>
        Spatial.Output(input, Dimensions, input?[0] ?? 0, KernelSize, EffectiveStride, Padding, "pooling");
}
