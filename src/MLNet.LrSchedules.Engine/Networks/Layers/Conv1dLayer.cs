namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A 1-d convolution over channels×length. PyTorch <c>nn.Conv1d(in_channels, out_channels, kernel_size, stride, padding, bias)</c>;
/// <c>in_channels</c> is the channel count it receives. Text: <c>conv1d(16, kernel_size=5)</c> (<c>kernel</c> is accepted for <c>kernel_size</c>).
/// </summary>
/// <remarks>Initialization (PyTorch's default): weight and bias uniform in ±1/√fan_in, fan_in = in_channels × kernel_size.</remarks>
public sealed class Conv1dLayer : NetworkLayer
{
    /// <summary>Creates a 1-d convolution.</summary>
    /// <param name="outChannels">The number of output channels (filters), at least 1.</param>
    /// <param name="kernelSize">The kernel's size, at least 1.</param>
    /// <param name="stride">The step between two windows, at least 1.</param>
    /// <param name="padding">Zeros added on each side, at least 0.</param>
    /// <param name="bias">Whether the layer adds a learned bias per output channel.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public Conv1dLayer(int outChannels, [ParameterAlias("kernel")] int kernelSize, int stride = 1, int padding = 0, bool bias = true)
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

    internal override TensorShape? InferShape(TensorShape? input) =>
        Spatial.Output(input, 1, OutChannels, KernelSize, Stride, Padding, "convolution");
}
