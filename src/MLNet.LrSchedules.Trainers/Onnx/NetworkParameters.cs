using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>
/// The trained parameters of a network by name (<c>0.weight</c>, ...), as float32 values in row-major order.
/// The emitters take what their layer uses; <see cref="CheckAllUsed"/> then refuses a network with parameters that no
/// exported layer accounted for, rather than writing a graph that silently computes something else.
/// </summary>
internal sealed class NetworkParameters
{
    private readonly IReadOnlyDictionary<string, (float[] Values, long[] Shape)> _tensors;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    internal NetworkParameters(IReadOnlyDictionary<string, (float[] Values, long[] Shape)> tensors) => _tensors = tensors;

    /// <summary>Reads <paramref name="weights"/> (TorchSharp's module format) into the network of <paramref name="spec"/> on the CPU.</summary>
    public static NetworkParameters Read(NetworkSpec spec, byte[] weights)
    {
        TorchDevices.EnsureRuntime();
        using var scope = NewDisposeScope();
        using var network = new SequentialNetwork(spec, 0);
        network.LoadWeights(weights);
        var tensors = new Dictionary<string, (float[], long[])>(StringComparer.Ordinal);
        foreach (var (name, parameter) in network.named_parameters())
            tensors[name] = (parameter.detach().contiguous().data<float>().ToArray(), parameter.shape);
        return new NetworkParameters(tensors);
    }

    /// <summary>The parameter <c>{layer.Name}.{kind}</c>, which must have the shape <paramref name="shape"/>.</summary>
    /// <exception cref="OnnxExportException">The network has no such parameter, or it has another shape.</exception>
    public float[] Take(ExportLayer layer, string kind, params long[] shape)
    {
        string name = $"{layer.Name}.{kind}";
        if (!_tensors.TryGetValue(name, out var tensor))
            throw new OnnxExportException(
                $"Layer '{layer.Name}' ({layer.Describe()}) needs the parameter '{name}', which the trained network does not have; its parameters are: {string.Join(", ", _tensors.Keys)}.");
        if (!tensor.Shape.SequenceEqual(shape))
            throw new OnnxExportException(
                $"Layer '{layer.Name}' ({layer.Describe()}) expects '{name}' of shape [{string.Join(", ", shape)}]; the trained network's is [{string.Join(", ", tensor.Shape)}].");
        _used.Add(name);
        return tensor.Values;
    }

    /// <exception cref="OnnxExportException">Some parameters were used by no exported layer.</exception>
    public void CheckAllUsed()
    {
        var unused = _tensors.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unused.Count > 0)
            throw new OnnxExportException(
                $"The network's parameters {string.Join(", ", unused.Select(u => $"'{u}'"))} belong to no exported layer: the layer list does not describe this network, so the graph would compute something else.");
    }
}
