using System.Globalization;

namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>
/// One layer of a fitted network at inference time, in forward order, as the ONNX emitters see it. Each kind has one
/// emitter (<see cref="LayerEmitters"/>); a kind without one makes the export fail with a message that names the layer.
/// </summary>
/// <param name="Name">The layer's path in the network: its index in the resolved spec (its parameters are named <c>{Name}.weight</c>, ...).</param>
internal abstract record ExportLayer(string Name)
{
    /// <summary>The layer as a user wrote it, for messages: <c>Linear(64, 32)</c>.</summary>
    public abstract string Describe();

    /// <summary>The kind named in messages: the record's type without "Export", or the spec layer's name for a layer that has no export form.</summary>
    public virtual string KindName => GetType().Name.EndsWith("Export", StringComparison.Ordinal) ? GetType().Name[..^"Export".Length] : GetType().Name;
}

/// <summary>A fully connected layer, <c>y = x·Wᵀ + b</c> with PyTorch's <c>[out, in]</c> weight layout.</summary>
internal sealed record LinearExport(string Name, int InFeatures, int OutFeatures, bool Bias = true) : ExportLayer(Name)
{
    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"Linear({InFeatures}, {OutFeatures}{(Bias ? "" : ", bias=False")})");
}

/// <summary>An element-wise activation.</summary>
internal sealed record ActivationExport(string Name, Activation Kind) : ExportLayer(Name)
{
    public override string Describe() => Kind.ToString();
}

/// <summary>Dropout: active in training only, the identity at inference.</summary>
internal sealed record DropoutExport(string Name, double Probability) : ExportLayer(Name)
{
    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"Dropout({Probability})");
}

/// <summary>The flat features read as one example of <see cref="Shape"/> (row-major), as PyTorch's <c>view</c>.</summary>
internal sealed record ReshapeExport(string Name, IReadOnlyList<int> Shape) : ExportLayer(Name)
{
    public override string Describe() => $"Unflatten(1, ({string.Join(", ", Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))}))";
}

/// <summary>Each example flattened to a vector (<c>nn.Flatten()</c>, start_dim 1).</summary>
internal sealed record FlattenExport(string Name) : ExportLayer(Name)
{
    public override string Describe() => "Flatten()";
}

/// <summary>
/// A convolution over channels×length (<paramref name="Dimensions"/> 1) or channels×height×width (2), with a square
/// kernel and the same zero padding on every side; weight <c>[out, in, k(, k)]</c>.
/// </summary>
internal sealed record ConvolutionExport(string Name, int Dimensions, int InChannels, int OutChannels, int KernelSize, int Stride, int Padding, bool Bias)
    : ExportLayer(Name)
{
    public override string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"Conv{Dimensions}d({InChannels}, {OutChannels}, kernel_size={KernelSize}, stride={Stride}, padding={Padding}{(Bias ? "" : ", bias=False")})");
}

/// <summary>Max or average pooling (floor rounding; average counts the zero padding, PyTorch's defaults).</summary>
internal sealed record PoolingExport(string Name, bool Max, int Dimensions, int KernelSize, int Stride, int Padding) : ExportLayer(Name)
{
    public override string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{(Max ? "Max" : "Avg")}Pool{Dimensions}d(kernel_size={KernelSize}, stride={Stride}, padding={Padding})");
}

/// <summary>The mean of each channel over its <paramref name="SpatialDimensions"/> trailing dimensions: [N, C, …] → [N, C].</summary>
internal sealed record GlobalAvgPoolExport(string Name, int SpatialDimensions) : ExportLayer(Name)
{
    public override string Describe() => $"AdaptiveAvgPool{SpatialDimensions}d(1) >> Flatten()";
}

/// <summary>
/// Batch normalization in evaluation mode, per feature of a flat vector or per channel of channels×…:
/// <c>(x − running_mean) / √(running_var + eps) · weight + bias</c>.
/// </summary>
/// <param name="Name">The layer's path in the network.</param>
/// <param name="Dimensions">1 for BatchNorm1d, 2 for BatchNorm2d (as written in the spec).</param>
/// <param name="Features">PyTorch's <c>num_features</c>: the features or channels it receives.</param>
/// <param name="Eps">Added to the running variance.</param>
internal sealed record BatchNormExport(string Name, int Dimensions, int Features, double Eps) : ExportLayer(Name)
{
    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"BatchNorm{Dimensions}d({Features}, eps={Eps})");
}

/// <summary>Layer normalization over each example's whole <paramref name="NormalizedShape"/>, with an elementwise scale and shift.</summary>
internal sealed record LayerNormExport(string Name, IReadOnlyList<int> NormalizedShape, double Eps) : ExportLayer(Name)
{
    public override string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"LayerNorm([{string.Join(", ", NormalizedShape)}], eps={Eps})");
}

/// <summary>
/// A layer that has no ONNX form: a module of your own (its computation is TorchSharp code the exporter cannot read),
/// or a layer after one, whose input shape is not known without running the module. The export fails naming it.
/// </summary>
internal sealed record UnexportedLayer(string Name, NetworkLayer Layer) : ExportLayer(Name)
{
    public override string Describe() => Layer.ToString();

    public override string KindName => Layer.ToString().Split('(')[0];
}

/// <summary>The layer list of a network description.</summary>
internal static class NetworkLayers
{
    /// <summary>
    /// The layers of a resolved spec, named by their index as the network registers its modules (<c>0.weight</c>, ...),
    /// with the sizes each takes from the shape it receives.
    /// </summary>
    public static IReadOnlyList<ExportLayer> Of(NetworkSpec spec)
    {
        if (spec.InputSize is not { } inputSize)
            throw new OnnxExportException($"The network '{spec}' is not resolved (no input size); only a trained network can be exported.");
        var shapes = NetworkSpec.InferShapes(TensorShape.Flat(inputSize), spec.Layers, spec.Layers.Count);
        var layers = new List<ExportLayer>(spec.Layers.Count);
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            string name = i.ToString(CultureInfo.InvariantCulture);
            layers.Add(shapes[i] is { } input ? Export(name, spec.Layers[i], input) : new UnexportedLayer(name, spec.Layers[i]));
        }
        return layers;
    }

    /// <summary>The export form of <paramref name="layer"/>, which receives <paramref name="input"/> (one example's shape).</summary>
    private static ExportLayer Export(string name, NetworkLayer layer, TensorShape input) => layer switch
    {
        LinearLayer linear => new LinearExport(name, input[0], linear.OutFeatures, linear.Bias),
        ReluLayer => new ActivationExport(name, Activation.Relu),
        GeluLayer => new ActivationExport(name, Activation.Gelu),
        TanhLayer => new ActivationExport(name, Activation.Tanh),
        DropoutLayer dropout => new DropoutExport(name, dropout.Probability),
        ReshapeLayer reshape => new ReshapeExport(name, reshape.Shape.ToArray()),
        FlattenLayer => new FlattenExport(name),
        ConvolutionLayer conv => new ConvolutionExport(name, conv.Dimensions, input[0], conv.OutChannels, conv.KernelSize, conv.Stride, conv.Padding, conv.Bias),
        PoolingLayer pool => new PoolingExport(name, pool is MaxPool1dLayer or MaxPool2dLayer, pool.Dimensions, pool.KernelSize, pool.EffectiveStride, pool.Padding),
        GlobalAvgPoolLayer => new GlobalAvgPoolExport(name, input.Rank - 1),
        BatchNormLayer norm => new BatchNormExport(name, norm is BatchNorm2dLayer ? 2 : 1, input[0], norm.Eps),
        LayerNormLayer norm => new LayerNormExport(name, input.Dims.ToArray(), norm.Eps),
        _ => new UnexportedLayer(name, layer),
    };
}
