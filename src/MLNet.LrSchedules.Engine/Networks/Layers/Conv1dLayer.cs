namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A 1-d convolution over channels×length. PyTorch <c>nn.Conv1d(in_channels, out_channels, kernel_size, stride, padding, bias)</c>.
/// Text: <c>conv1d(16, kernel_size=5)</c> (<c>kernel</c> is accepted for <c>kernel_size</c>).
/// </summary>
public sealed class Conv1dLayer : ConvolutionLayer
{
    /// <summary>Creates a 1-d convolution.</summary>
    /// <param name="outChannels">The number of output channels (filters), at least 1.</param>
    /// <param name="kernelSize">The kernel's size, at least 1.</param>
    /// <param name="stride">The step between two windows, at least 1.</param>
    /// <param name="padding">Zeros added on each side, at least 0.</param>
    /// <param name="bias">Whether the layer adds a learned bias per output channel.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public Conv1dLayer(int outChannels, [ParameterAlias("kernel")] int kernelSize, int stride = 1, int padding = 0, bool bias = true)
        : base(outChannels, kernelSize, stride, padding, bias) { }

    internal override int Dimensions => 1;
}
