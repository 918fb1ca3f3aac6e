namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>
/// <c>Reshape(x, [-1, shape…])</c>: ML.NET's features arrive as a [N, features] tensor, read row-major into one example of
/// the shape per row, as PyTorch's <c>reshape</c> does (the -1 keeps the batch size whatever it is).
/// </summary>
internal sealed class ReshapeEmitter : LayerEmitter<ReshapeExport>
{
    protected override string Emit(LayerContext context, ReshapeExport layer, string input)
    {
        long[] shape = [-1, .. layer.Shape.Select(d => (long)d)];
        string target = context.Graph.Constant($"{layer.Name}.shape", shape, [shape.Length]);
        return context.Node("Reshape", $"{layer.Name}.Reshape", [input, target]);
    }
}

/// <summary><c>Flatten(x, axis=1)</c>: [N, …] → [N, product], row-major as <c>nn.Flatten</c>.</summary>
internal sealed class FlattenEmitter : LayerEmitter<FlattenExport>
{
    protected override string Emit(LayerContext context, FlattenExport layer, string input) =>
        context.Node("Flatten", $"{layer.Name}.Flatten", [input], OnnxAttribute.Int("axis", 1));
}
