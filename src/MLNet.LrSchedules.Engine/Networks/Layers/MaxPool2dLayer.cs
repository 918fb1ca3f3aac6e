namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// 2-d max pooling over channels×height×width, with a square window. PyTorch <c>nn.MaxPool2d(kernel_size, stride=kernel_size, padding)</c>.
/// Text: <c>maxpool2d(2)</c> (<c>max_pool2d</c> and <c>kernel</c> are accepted too).
/// </summary>
[LayerAlias("max_pool2d")]
public sealed class MaxPool2dLayer : PoolingLayer
{
    /// <summary>Creates 2-d max pooling.</summary>
    /// <param name="kernelSize">The window's size, at least 1.</param>
    /// <param name="stride">The step between two windows, at least 1; null for the kernel size.</param>
    /// <param name="padding">Padding on each side, at least 0 and at most half the kernel size.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public MaxPool2dLayer([ParameterAlias("kernel")] int kernelSize, int? stride = null, int padding = 0)
        : base(kernelSize, stride, padding) { }

    internal override int Dimensions => 2;
}
