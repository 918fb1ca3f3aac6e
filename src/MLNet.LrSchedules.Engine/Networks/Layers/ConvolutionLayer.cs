namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A convolution (<see cref="Conv1dLayer"/>, <see cref="Conv2dLayer"/>): <see cref="OutChannels"/> filters of a square
/// <see cref="KernelSize"/> slid with <see cref="Stride"/> over zero-<see cref="Padding"/>ded input. PyTorch's
/// <c>in_channels</c> is the channel count it receives.
/// </summary>
/// <remarks>Initialization (PyTorch's default): weight and bias uniform in ±1/√fan_in, fan_in = in_channels × kernel elements.</remarks>
public abstract class ConvolutionLayer : NetworkLayer
{
    private protected ConvolutionLayer(int outChannels, int kernelSize, int stride, int padding, bool bias)
    {
        OutChannels = Check.Positive(outChannels);
        KernelSize = Check.Positive(kernelSize);
        Stride = Check.Positive(stride);
        Padding = Check.NonNegative(padding);
        Bias = bias;
    }

    /// <summary>The number of output channels (PyTorch <c>out_channels</c>).</summary>
    public int OutChannels { get; }

    /// <summary>The kernel's size (PyTorch <c>kernel_size</c>).</summary>
    public int KernelSize { get; }

    /// <summary>The step between two windows.</summary>
    public int Stride { get; }

    /// <summary>Zeros added on each side.</summary>
    public int Padding { get; }

    /// <summary>Whether the layer adds a learned bias per output channel.</summary>
    public bool Bias { get; }

    /// <summary>1 for channels×length, 2 for channels×height×width.</summary>
    internal abstract int Dimensions { get; }

    internal override TensorShape? InferShape(TensorShape? input) =>
        Spatial.Output(input, Dimensions, OutChannels, KernelSize, Stride, Padding, "convolution");
}
