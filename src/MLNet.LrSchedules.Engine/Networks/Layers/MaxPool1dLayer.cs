namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// 1-d max pooling over channels×length. PyTorch <c>nn.MaxPool1d(kernel_size, stride=kernel_size, padding)</c>.
/// Text: <c>maxpool1d(2)</c> (<c>max_pool1d</c> and <c>kernel</c> are accepted too).
/// </summary>
[LayerAlias("max_pool1d")]
public sealed class MaxPool1dLayer : PoolingLayer
{
    /// <summary>Creates 1-d max pooling.</summary>
    /// <param name="kernelSize">The window's size, at least 1.</param>
    /// <param name="stride">The step between two windows, at least 1; null for the kernel size.</param>
    /// <param name="padding">Padding on each side, at least 0 and at most half the kernel size.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public MaxPool1dLayer([ParameterAlias("kernel")] int kernelSize, int? stride = null, int padding = 0)
        : base(kernelSize, stride, padding) { }

    internal override int Dimensions => 1;
}
