namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>
/// Batch normalization in evaluation mode: <c>BatchNormalization(x, weight, bias, running_mean, running_var, epsilon)</c>
/// with the saved running statistics (buffers of the network's state), per channel of [N, C, …] or per feature of [N, C].
/// </summary>
internal sealed class BatchNormEmitter : LayerEmitter<BatchNormExport>
{
    protected override string Emit(LayerContext context, BatchNormExport layer, string input)
    {
        long[] shape = [layer.Features];
        var inputs = new List<string> { input };
        foreach (string kind in (string[])["weight", "bias", "running_mean", "running_var"])
            inputs.Add(context.Graph.Constant($"{layer.Name}.{kind}", context.Parameters.Take(layer, kind, shape), shape));
        // The count of batches seen matters only to a running average without momentum (momentum=None in PyTorch);
        // the spec always has a momentum, and evaluation reads the statistics alone.
        context.Parameters.Skip(layer, "num_batches_tracked");
        return context.Node("BatchNormalization", $"{layer.Name}.BatchNormalization", inputs, OnnxAttribute.Float("epsilon", (float)layer.Eps));
    }
}

/// <summary>
/// Layer normalization written out, as ONNX's own <c>LayerNormalization</c> (opset 17) is beyond the opset 12 that
/// ML.NET's exporter writes: over every axis of an example, <c>d = x − mean(x)</c>,
/// <c>y = d / √(mean(d²) + eps) · weight + bias</c> (the biased variance, as PyTorch's).
/// </summary>
internal sealed class LayerNormEmitter : LayerEmitter<LayerNormExport>
{
    protected override string Emit(LayerContext context, LayerNormExport layer, string input)
    {
        var graph = context.Graph;
        string name = layer.Name;
        long[] shape = layer.NormalizedShape.Select(d => (long)d).ToArray();
        var axes = OnnxAttribute.Ints("axes", Enumerable.Range(1, shape.Length).Select(a => (long)a).ToArray());
        var keep = OnnxAttribute.Int("keepdims", 1);
        string weight = graph.Constant($"{name}.weight", context.Parameters.Take(layer, "weight", shape), shape);
        string bias = graph.Constant($"{name}.bias", context.Parameters.Take(layer, "bias", shape), shape);
        string eps = graph.Constant($"{name}.eps", [(float)layer.Eps], [1]);

        string mean = context.Node("ReduceMean", $"{name}.mean", [input], axes, keep);
        string centered = context.Node("Sub", $"{name}.centered", [input, mean]);
        string squared = context.Node("Mul", $"{name}.squared", [centered, centered]);
        string variance = context.Node("ReduceMean", $"{name}.variance", [squared], axes, keep);
        string std = context.Node("Sqrt", $"{name}.std", [context.Node("Add", $"{name}.variance_eps", [variance, eps])]);
        string normalized = context.Node("Div", $"{name}.normalized", [centered, std]);
        string scaled = context.Node("Mul", $"{name}.scaled", [normalized, weight]);
        return context.Node("Add", $"{name}.LayerNorm", [scaled, bias]);
    }
}
