namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary><c>Gemm(x, W, b, transB=1)</c> (without <c>b</c> for a layer without bias): PyTorch's <c>[out, in]</c> weight is used as stored, as <c>nn.Linear</c> computes <c>x·Wᵀ + b</c>.</summary>
internal sealed class LinearEmitter : LayerEmitter<LinearExport>
{
    protected override string Emit(LayerContext context, LinearExport layer, string input)
    {
        var weight = context.Parameters.Take(layer, "weight", layer.OutFeatures, layer.InFeatures);
        string w = context.Graph.Constant($"{layer.Name}.weight", weight, [layer.OutFeatures, layer.InFeatures]);
        if (!layer.Bias)
            return context.Node("Gemm", $"{layer.Name}.Gemm", [input, w], OnnxAttribute.Int("transB", 1));
        var bias = context.Parameters.Take(layer, "bias", layer.OutFeatures);
        string b = context.Graph.Constant($"{layer.Name}.bias", bias, [layer.OutFeatures]);
        return context.Node("Gemm", $"{layer.Name}.Gemm", [input, w, b], OnnxAttribute.Int("transB", 1));
    }
}
