namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>
/// Writes a fitted network into the ONNX graph that ML.NET's <c>ConvertToOnnx</c> is building: the features column is
/// read from the graph, each layer is emitted by its <see cref="LayerEmitter"/>, and the task's head binds the
/// prediction columns. Anything that cannot be exported throws <see cref="OnnxExportException"/>.
/// </summary>
internal static class TorchNetworkOnnx
{
    public static void Export(IOnnxGraph graph, TorchNetworkModel model) =>
        Export(graph, model, NetworkLayers.Of(model.Network), () => NetworkParameters.Read(model.Network, model.Result.Weights));

    /// <summary>Exports <paramref name="layers"/>; the parameters are read only once every layer is known to be exportable.</summary>
    internal static void Export(IOnnxGraph graph, TorchNetworkModel model, IReadOnlyList<ExportLayer> layers, Func<NetworkParameters> readParameters)
    {
        var plan = LayerEmitters.Plan(layers);
        string features = graph.ColumnVariable(model.FeatureColumnName)
            ?? throw new OnnxExportException(
                $"The features column '{model.FeatureColumnName}' that the network reads is not in the ONNX graph: the step that produces it could not be exported. "
                + "Every transform between the data and the network must be exportable to ONNX.");
        var context = new LayerContext(graph, readParameters());
        string x = features;
        foreach (var (layer, emitter) in plan)
            x = emitter.Emit(context, layer, x);
        context.Parameters.CheckAllUsed();
        TaskColumns.For(model.Task).EmitOnnxOutputs(graph, model, x);
    }
}
