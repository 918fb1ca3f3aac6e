namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>
/// <c>Conv(x, W, b)</c> with the layer's kernel, stride and symmetric zero padding (ONNX lists the padding at the start
/// of every spatial axis, then at the end); PyTorch's <c>[out, in, k(, k)]</c> weight is ONNX's layout.
/// </summary>
internal sealed class ConvolutionEmitter : LayerEmitter<ConvolutionExport>
{
    protected override string Emit(LayerContext context, ConvolutionExport layer, string input)
    {
        long[] weightShape = [layer.OutChannels, layer.InChannels, .. Enumerable.Repeat((long)layer.KernelSize, layer.Dimensions)];
        var weight = context.Parameters.Take(layer, "weight", weightShape);
        List<string> inputs = [input, context.Graph.Constant($"{layer.Name}.weight", weight, weightShape)];
        if (layer.Bias)
            inputs.Add(context.Graph.Constant($"{layer.Name}.bias", context.Parameters.Take(layer, "bias", layer.OutChannels), [layer.OutChannels]));
        return context.Node("Conv", $"{layer.Name}.Conv", inputs,
            Window.Kernel(layer.Dimensions, layer.KernelSize), Window.Strides(layer.Dimensions, layer.Stride), Window.Pads(layer.Dimensions, layer.Padding));
    }
}

/// <summary>
/// <c>MaxPool</c> and <c>AveragePool</c> with PyTorch's defaults written out: floor rounding (<c>ceil_mode = 0</c>), and
/// for the average the zero padding counted in the divisor (<c>count_include_pad = 1</c>; ONNX's default is 0). Max
/// pooling ignores the padding in both.
/// </summary>
internal sealed class PoolingEmitter : LayerEmitter<PoolingExport>
{
    protected override string Emit(LayerContext context, PoolingExport layer, string input)
    {
        var shape = new[]
        {
            Window.Kernel(layer.Dimensions, layer.KernelSize), Window.Strides(layer.Dimensions, layer.Stride),
            Window.Pads(layer.Dimensions, layer.Padding), OnnxAttribute.Int("ceil_mode", 0),
        };
        return layer.Max
            ? context.Node("MaxPool", $"{layer.Name}.MaxPool", [input], shape)
            : context.Node("AveragePool", $"{layer.Name}.AveragePool", [input], [.. shape, OnnxAttribute.Int("count_include_pad", 1)]);
    }
}

/// <summary><c>ReduceMean</c> over every axis after the channels, without keeping them: [N, C, …] → [N, C].</summary>
internal sealed class GlobalAvgPoolEmitter : LayerEmitter<GlobalAvgPoolExport>
{
    protected override string Emit(LayerContext context, GlobalAvgPoolExport layer, string input) =>
        context.Node("ReduceMean", $"{layer.Name}.ReduceMean", [input],
            OnnxAttribute.Ints("axes", Enumerable.Range(2, layer.SpatialDimensions).Select(a => (long)a).ToArray()), OnnxAttribute.Int("keepdims", 0));
}

/// <summary>The window attributes shared by convolution and pooling, the same on every spatial axis.</summary>
file static class Window
{
    public static OnnxAttribute Kernel(int dimensions, int size) => OnnxAttribute.Ints("kernel_shape", Repeat(size, dimensions));

    public static OnnxAttribute Strides(int dimensions, int stride) => OnnxAttribute.Ints("strides", Repeat(stride, dimensions));

    public static OnnxAttribute Pads(int dimensions, int padding) => OnnxAttribute.Ints("pads", Repeat(padding, 2 * dimensions));

    private static long[] Repeat(int value, int count) => Enumerable.Repeat((long)value, count).ToArray();
}
