using System.Globalization;

namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>
/// One step of a fitted network at inference time, in forward order, as the ONNX emitters see it. Each kind has one
/// emitter (<see cref="LayerEmitters"/>); a kind without one makes the export fail with a message that names the layer.
/// </summary>
/// <param name="Name">The layer's path in the network (its parameters are named <c>{Name}.weight</c>, ...).</param>
internal abstract record ExportLayer(string Name)
{
    /// <summary>The layer as a user wrote it, for messages: <c>Linear(64, 32)</c>.</summary>
    public abstract string Describe();
}

/// <summary>A fully connected layer, <c>y = x·Wᵀ + b</c> with PyTorch's <c>[out, in]</c> weight layout.</summary>
internal sealed record LinearLayer(string Name, int InFeatures, int OutFeatures) : ExportLayer(Name)
{
    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"Linear({InFeatures}, {OutFeatures})");
}

/// <summary>An element-wise activation.</summary>
internal sealed record ActivationLayer(string Name, Activation Kind) : ExportLayer(Name)
{
    public override string Describe() => Kind.ToString();
}

/// <summary>Dropout: active in training only, the identity at inference.</summary>
internal sealed record DropoutLayer(string Name, double Probability) : ExportLayer(Name)
{
    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"Dropout({Probability})");
}

/// <summary>The layer list of a network description.</summary>
internal static class NetworkLayers
{
    /// <summary>
    /// The layers of the multilayer perceptron, named as <c>MlpNetwork</c> registers its modules: <c>hidden.{i}</c> for the
    /// hidden Linear layers (each followed by the activation and, when trained with it, dropout) and <c>output</c>.
    /// </summary>
    public static IReadOnlyList<ExportLayer> Of(NetworkSpec spec)
    {
        NetworkSpecs.Validate(spec);
        var layers = new List<ExportLayer>();
        int inputs = spec.InputSize;
        for (int i = 0; i < spec.HiddenLayers.Count; i++)
        {
            string name = $"hidden.{i}";
            layers.Add(new LinearLayer(name, inputs, spec.HiddenLayers[i]));
            layers.Add(new ActivationLayer($"{name}.activation", spec.Activation));
            if (spec.Dropout > 0) layers.Add(new DropoutLayer($"{name}.dropout", spec.Dropout));
            inputs = spec.HiddenLayers[i];
        }
        layers.Add(new LinearLayer("output", inputs, spec.OutputSize));
        return layers;
    }
}
