namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>What an emitter works with: the graph and the trained parameters.</summary>
internal sealed class LayerContext(IOnnxGraph graph, NetworkParameters parameters)
{
    public IOnnxGraph Graph { get; } = graph;

    public NetworkParameters Parameters { get; } = parameters;

    /// <summary>Adds one node with one output and returns that output.</summary>
    public string Node(string opType, string hint, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes)
    {
        string output = Graph.Temporary(hint);
        Graph.AddNode(opType, inputs, [output], attributes);
        return output;
    }
}

/// <summary>Writes the ONNX nodes of one layer kind.</summary>
internal abstract class LayerEmitter
{
    /// <summary>The layer type this emitter writes.</summary>
    public abstract Type LayerType { get; }

    /// <summary>Adds the layer's nodes reading <paramref name="input"/>; returns the variable holding the layer's output.</summary>
    public abstract string Emit(LayerContext context, ExportLayer layer, string input);
}

/// <summary>A <see cref="LayerEmitter"/> for layers of type <typeparamref name="TLayer"/>.</summary>
internal abstract class LayerEmitter<TLayer> : LayerEmitter where TLayer : ExportLayer
{
    public sealed override Type LayerType => typeof(TLayer);

    public sealed override string Emit(LayerContext context, ExportLayer layer, string input) => Emit(context, (TLayer)layer, input);

    protected abstract string Emit(LayerContext context, TLayer layer, string input);
}

/// <summary>The emitter of each layer kind; a new layer kind is exportable once its emitter is listed here.</summary>
internal static class LayerEmitters
{
    private static readonly IReadOnlyDictionary<Type, LayerEmitter> Default =
        new LayerEmitter[]
        {
            new LinearEmitter(), new ActivationEmitter(), new DropoutEmitter(), new ReshapeEmitter(), new FlattenEmitter(),
            new ConvolutionEmitter(), new PoolingEmitter(), new GlobalAvgPoolEmitter(), new BatchNormEmitter(), new LayerNormEmitter(),
        }.ToDictionary(e => e.LayerType);

    /// <summary>
    /// Pairs every layer with its emitter before anything is written, so that a network with one unexportable layer
    /// fails as a whole, naming the layer.
    /// </summary>
    /// <exception cref="OnnxExportException">A layer kind has no emitter.</exception>
    public static IReadOnlyList<(ExportLayer Layer, LayerEmitter Emitter)> Plan(IReadOnlyList<ExportLayer> layers)
    {
        var plan = new List<(ExportLayer, LayerEmitter)>(layers.Count);
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            if (layer is UnexportedLayer { Layer: ModuleLayer module })
                throw new OnnxExportException(
                    $"Layer {i} ('{layer.Name}', {layer.Describe()}) of the network cannot be exported to ONNX: it is your own TorchSharp module '{module.Name}' "
                    + "(registered with TorchModules), code whose computation the exporter cannot read. "
                    + "A network exports when every layer is one of the spec's own (all but module); score this one with ML.NET.");
            if (!Default.TryGetValue(layer.GetType(), out var emitter))
                throw new OnnxExportException(
                    $"Layer {i} ('{layer.Name}', {layer.Describe()}) of the network cannot be exported to ONNX: no ONNX form is known for {layer.KindName}. "
                    + $"Exportable layer kinds: {string.Join(", ", Default.Keys.Select(t => t.Name[..^"Export".Length]).Order(StringComparer.Ordinal))}.");
            plan.Add((layer, emitter));
        }
        return plan;
    }
}
