namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary><c>Gemm(x, W, b, transB=1)</c>: PyTorch's <c>[out, in]</c> weight is used as stored, as <c>nn.Linear</c> computes <c>x·Wᵀ + b</c>.</summary>
internal sealed class LinearEmitter : LayerEmitter<LinearLayer>
{
    protected override string Emit(LayerContext context, LinearLayer layer, string input)
    {
        var weight = context.Parameters.Take(layer, "weight", layer.OutFeatures, layer.InFeatures);
        var bias = context.Parameters.Take(layer, "bias", layer.OutFeatures);
        string w = context.Graph.Constant($"{layer.Name}.weight", weight, [layer.OutFeatures, layer.InFeatures]);
        string b = context.Graph.Constant($"{layer.Name}.bias", bias, [layer.OutFeatures]);
        return context.Node("Gemm", $"{layer.Name}.Gemm", [input, w, b], OnnxAttribute.Int("transB", 1));
    }
}
