namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// 1-d max pooling over channels×length. PyTorch <c>nn.MaxPool1d(kernel_size, stride=kernel_size, padding)</c>.
/// Text: <c>maxpool1d(2)</c> (<c>max_pool1d</c> and <c>kernel</c> are accepted too).
/// </summary>
[LayerAlias("max_pool1d")]
public sealed class MaxPool1dLayer : NetworkLayer
{
    /// <summary>Creates 1-d max pooling.</summary>
    /// <param name="kernelSize">The window's size, at least 1.</param>
    /// <param name="stride">The step between two windows, at least 1; null for the kernel size.</param>
    /// <param name="padding">Padding on each side, at least 0 and at most half the kernel size.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public MaxPool1dLayer([ParameterAlias("kernel")] int kernelSize, int? stride = null, int padding = 0)
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

    internal override TensorShape? InferShape(TensorShape? input) =>
        Spatial.Output(input, 1, input?[0] ?? 0, KernelSize, EffectiveStride, Padding, "pooling");
}
