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

/// <summary>A layer of the spec that no export record describes yet: the export fails naming it.</summary>
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
            layers.Add(spec.Layers[i] switch
            {
                LinearLayer linear when shapes[i] is { Rank: 1 } input => new LinearExport(name, input[0], linear.OutFeatures, linear.Bias),
                ReluLayer => new ActivationExport(name, Activation.Relu),
                GeluLayer => new ActivationExport(name, Activation.Gelu),
                TanhLayer => new ActivationExport(name, Activation.Tanh),
                DropoutLayer dropout => new DropoutExport(name, dropout.Probability),
                var other => new UnexportedLayer(name, other),
            });
        }
        return layers;
    }
}
