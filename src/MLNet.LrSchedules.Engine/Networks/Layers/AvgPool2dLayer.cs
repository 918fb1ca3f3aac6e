namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// 2-d average pooling (zero padding counts in the average, as PyTorch's default count_include_pad) over channels×height×width, with a square window. PyTorch <c>nn.AvgPool2d(kernel_size, stride=kernel_size, padding)</c>.
/// Text: <c>avgpool2d(2)</c> (<c>avg_pool2d</c> and <c>kernel</c> are accepted too).
/// </summary>
[LayerAlias("avg_pool2d")]
public sealed class AvgPool2dLayer : PoolingLayer
{
    /// <summary>Creates 2-d avg pooling.</summary>
    /// <param name="kernelSize">The window's size, at least 1.</param>
    /// <param name="stride">The step between two windows, at least 1; null for the kernel size.</param>
    /// <param name="padding">Padding on each side, at least 0 and at most half the kernel size.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public AvgPool2dLayer([ParameterAlias("kernel")] int kernelSize, int? stride = null, int padding = 0)
        : base(kernelSize, stride, padding) { }

    internal override int Dimensions => 2;
}
