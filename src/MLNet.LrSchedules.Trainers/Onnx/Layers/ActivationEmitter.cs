namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>
/// Relu and Tanh as the ONNX operators; Gelu as the exact, erf-based form that TorchSharp's <c>gelu</c> computes
/// (<c>0.5·x·(1 + erf(x/√2))</c>; ML.NET's exporter writes opset 12 at most, before ONNX's own Gelu of opset 20).
/// </summary>
internal sealed class ActivationEmitter : LayerEmitter<ActivationExport>
{
    protected override string Emit(LayerContext context, ActivationExport layer, string input) => layer.Kind switch
    {
        Activation.Relu => context.Node("Relu", $"{layer.Name}.Relu", [input]),
        Activation.Tanh => context.Node("Tanh", $"{layer.Name}.Tanh", [input]),
        Activation.Gelu => Gelu(context, layer.Name, input),
        _ => throw new OnnxExportException($"Layer '{layer.Name}': activation {layer.Kind} has no ONNX form."),
    };

    private static string Gelu(LayerContext context, string name, string x)
    {
        var graph = context.Graph;
        string invSqrt2 = graph.Constant($"{name}.inv_sqrt2", [(float)(1 / Math.Sqrt(2))], [1]);
        string one = graph.Constant($"{name}.one", [1f], [1]);
        string half = graph.Constant($"{name}.half", [0.5f], [1]);
        string scaled = context.Node("Mul", $"{name}.scaled", [x, invSqrt2]);
        string erf = context.Node("Erf", $"{name}.Erf", [scaled]);
        string onePlusErf = context.Node("Add", $"{name}.one_plus_erf", [erf, one]);
        string halfX = context.Node("Mul", $"{name}.half_x", [x, half]);
        return context.Node("Mul", $"{name}.Gelu", [halfX, onePlusErf]);
    }
}
