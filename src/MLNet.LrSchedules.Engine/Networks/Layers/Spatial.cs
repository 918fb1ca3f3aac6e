using System.Globalization;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Output sizes of convolutions and pooling, as PyTorch computes them (no dilation, floor rounding).</summary>
internal static class Spatial
{
    private static readonly string[] Names1d = ["length"];
    private static readonly string[] Names2d = ["height", "width"];

    /// <summary>
    /// channels×length (<paramref name="dimensions"/> 1) or channels×height×width (2) after a window of
    /// <paramref name="kernel"/> with <paramref name="stride"/> and <paramref name="padding"/>, with <paramref name="channels"/>
    /// output channels.
    /// </summary>
    public static TensorShape? Output(TensorShape? input, int dimensions, int channels, int kernel, int stride, int padding, string operation)
    {
        if (input is null) return null;
        if (input.Rank != dimensions + 1)
        {
            string wanted = dimensions == 1 ? "channels×length" : "channels×height×width";
            string hint = input.Rank == 1
                ? $"put reshape({(dimensions == 1 ? "channels, length" : "channels, height, width")}) before it"
                : dimensions == 1 ? $"use the 2-d {operation} for channels×height×width" : $"use the 1-d {operation} for channels×length";
            throw new LayerShapeError($"expects {wanted}: {hint}");
        }
        var names = dimensions == 1 ? Names1d : Names2d;
        var dims = new int[dimensions + 1];
        dims[0] = channels;
        for (int d = 0; d < dimensions; d++)
        {
            int size = input[d + 1];
            if (size + 2 * padding < kernel)
                throw new LayerShapeError(
                    $"would shrink the {names[d]} to 0: its kernel {Format(kernel)} (padding {Format(padding)}) needs a {(dimensions == 1 ? "length" : "height and width")} of at least {Format(Math.Max(1, kernel - 2 * padding))}");
            dims[d + 1] = (size + 2 * padding - kernel) / stride + 1;
        }
        return new TensorShape(dims);
    }

    /// <summary>PyTorch's rule for pooling: the padding is at most half the kernel.</summary>
    public static int PoolPadding(int padding, int kernelSize, string name)
    {
        Check.NonNegative(padding, name);
        if (padding > kernelSize / 2)
            throw new ArgumentOutOfRangeException(name, padding,
                $"Parameter '{name}' must be at most half the kernel size ({Format(kernelSize / 2)} for kernel {Format(kernelSize)}); received {Format(padding)}.");
        return padding;
    }

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}
