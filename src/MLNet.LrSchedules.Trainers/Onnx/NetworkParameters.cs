using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>
/// The trained state of a network by name (<c>0.weight</c>, <c>1.running_mean</c>, ...): its parameters and its buffers
/// (batch norm's running statistics, which evaluation uses), float32 values in row-major order.
/// The emitters take what their layer uses; <see cref="CheckAllUsed"/> then refuses a network with state that no
/// exported layer accounted for, rather than writing a graph that silently computes something else.
/// </summary>
internal sealed class NetworkParameters
{
    private readonly IReadOnlyDictionary<string, StateTensor> _tensors;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private NetworkParameters(IReadOnlyDictionary<string, StateTensor> tensors) => _tensors = tensors;

    /// <summary>
    /// Reads <paramref name="weights"/> (TorchSharp's module format) into the network of <paramref name="spec"/> on the CPU.
    /// The whole state dictionary is read: <c>named_parameters()</c> alone would leave out the buffers.
    /// </summary>
    public static NetworkParameters Read(NetworkSpec spec, byte[] weights)
    {
        TorchDevices.EnsureRuntime();
        using var scope = NewDisposeScope();
        using var network = new SequentialNetwork(spec, 0);
        network.LoadWeights(weights);
        var tensors = new Dictionary<string, StateTensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in network.state_dict())
        {
            var values = tensor.dtype == ScalarType.Float32 ? tensor.detach().contiguous().data<float>().ToArray() : null;
            tensors[name] = new StateTensor(values, tensor.shape, tensor.dtype.ToString());
        }
        return new NetworkParameters(tensors);
    }

    /// <summary>The float32 tensor <c>{layer.Name}.{kind}</c>, which must have the shape <paramref name="shape"/>.</summary>
    /// <exception cref="OnnxExportException">The network has no such tensor, or it has another shape or element type.</exception>
    public float[] Take(ExportLayer layer, string kind, params long[] shape)
    {
        var (name, tensor) = Find(layer, kind);
        if (!tensor.Shape.SequenceEqual(shape))
            throw new OnnxExportException(
                $"Layer '{layer.Name}' ({layer.Describe()}) expects '{name}' of shape [{string.Join(", ", shape)}]; the trained network's is [{string.Join(", ", tensor.Shape)}].");
        if (tensor.Values is null)
            throw new OnnxExportException(
                $"Layer '{layer.Name}' ({layer.Describe()}) expects '{name}' of element type Float32; the trained network's is {tensor.ElementType}.");
        _used.Add(name);
        return tensor.Values;
    }

    /// <summary>
    /// Accounts for <c>{layer.Name}.{kind}</c> without writing it: state that training keeps but that the network in
    /// evaluation mode does not read. The caller says why in a comment.
    /// </summary>
    /// <exception cref="OnnxExportException">The network has no such tensor.</exception>
    public void Skip(ExportLayer layer, string kind) => _used.Add(Find(layer, kind).Name);

    /// <exception cref="OnnxExportException">Some tensors were used by no exported layer.</exception>
    public void CheckAllUsed()
    {
        var unused = _tensors.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unused.Count > 0)
            throw new OnnxExportException(
                $"The network's parameters {string.Join(", ", unused.Select(u => $"'{u}'"))} belong to no exported layer: the layer list does not describe this network, so the graph would compute something else.");
    }

    private (string Name, StateTensor Tensor) Find(ExportLayer layer, string kind)
    {
        string name = $"{layer.Name}.{kind}";
        return _tensors.TryGetValue(name, out var tensor)
            ? (name, tensor)
            : throw new OnnxExportException(
                $"Layer '{layer.Name}' ({layer.Describe()}) needs the parameter '{name}', which the trained network does not have; its parameters are: {string.Join(", ", _tensors.Keys)}.");
    }
}

/// <summary>One tensor of a network's state: its float32 values (null for another element type), shape and element type.</summary>
internal sealed record StateTensor(float[]? Values, long[] Shape, string ElementType);
