using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The TorchSharp network of a resolved <see cref="NetworkSpec"/>: its layers' modules in order, each registered under its
/// 0-based index as in PyTorch's <c>nn.Sequential</c>, so weights are named <c>0.weight</c>, <c>3.running_mean</c>, ….
/// </summary>
/// <remarks>
/// Dropout layers draw their masks from <see cref="DropoutGenerator"/>, which the engine reseeds every epoch from
/// (seed, epoch): a resumed run draws the same masks. Batch-norm running statistics are buffers, saved and loaded with the weights.
/// </remarks>
internal sealed class SequentialNetwork : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor>[] _layers;
    private readonly DropoutSource _dropout = new();

    public SequentialNetwork(NetworkSpec spec, int seed) : base("Network")
    {
        Check.NotNull(spec);
        Spec = spec;
        (_layers, Shapes) = NetworkBuilder.Build(spec, seed, _dropout);
        var output = Shapes[^1];
        if (output.Rank != 1)
            throw new NetworkShapeException(
                $"The network ends with {output}; it must end with a flat vector of outputs (end it with flatten, globalavgpool or linear).",
                spec.Layers.Count - 1, spec.Layers.Count > 0 ? spec.Layers[^1] : null, output.Dims);
        OutputSize = output[0];
        for (int i = 0; i < _layers.Length; i++)
            register_module(i.ToString(CultureInfo.InvariantCulture), _layers[i]);
        HasDropout = spec.Layers.Any(l => l is DropoutLayer { Probability: > 0 });
    }

    /// <summary>The resolved spec the network was built from.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>The shape of one example before each layer and, last, the output's.</summary>
    public IReadOnlyList<TensorShape> Shapes { get; }

    /// <summary>Multiply-adds of one example's forward pass (<see cref="NetworkCost"/>).</summary>
    public long MultiplyAddsPerExample() =>
        NetworkCost.MultiplyAddsPerExample(Spec.Layers, Shapes, i => _layers[i].parameters().Sum(p => p.numel()));

    /// <summary>Outputs per example.</summary>
    public int OutputSize { get; }

    /// <summary>True when some layer drops values in training: the engine then gives it a generator each epoch.</summary>
    public bool HasDropout { get; }

    /// <summary>The generator of dropout masks; null draws from torch's global generator.</summary>
    public Generator? DropoutGenerator
    {
        get => _dropout.Generator;
        set => _dropout.Generator = value;
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _layers) x = layer.forward(x);
        return x;
    }

    /// <summary>The weights and buffers in TorchSharp's module format, always written from CPU tensors (the bytes do not depend on the device).</summary>
    public byte[] SaveWeights()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            if (state_dict().Values.All(t => t.device_type == DeviceType.CPU))
            {
                save(writer);
            }
            else
            {
                using var cpu = new SequentialNetwork(Spec, 0);
                cpu.CopyStateFrom(this);
                cpu.save(writer);
            }
        }
        return stream.ToArray();
    }

    /// <summary>Loads weights saved by <see cref="SaveWeights"/>, whatever device this network is on.</summary>
    public void LoadWeights(byte[] weights)
    {
        Check.NotNull(weights);
        // Module.load reads into CPU tensors; on another device a CPU twin reads them and the values are copied across.
        bool onCpu = state_dict().Values.All(t => t.device_type == DeviceType.CPU);
        using var twin = onCpu ? null : new SequentialNetwork(Spec, 0);
        var target = twin ?? this;
        try
        {
            using var reader = new BinaryReader(new MemoryStream(weights, writable: false));
            target.load(reader, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ArgumentException($"Parameter 'weights' does not hold weights of this network ({Spec}): {e.Message}", nameof(weights), e);
        }
        if (twin is not null) CopyStateFrom(twin);
    }

    /// <summary>
    /// Weights for <paramref name="network"/> that keep a trained body under a new head: every entry of the layers before the
    /// last comes from <paramref name="bodyWeights"/> (weights of a network with the same layers before its own head), the
    /// head's entries are initialized from <paramref name="seed"/> as a new network's would be.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="bodyWeights"/> lack an entry of the body, or hold one of another shape.</exception>
    public static byte[] WithNewHead(NetworkSpec network, byte[] bodyWeights, int seed)
    {
        Check.NotNull(network);
        Check.NotNull(bodyWeights);
        using var fresh = new SequentialNetwork(network, seed);
        string head = (network.Layers.Count - 1).ToString(CultureInfo.InvariantCulture) + ".";
        byte[] merged;
        try
        {
            merged = ModuleStateFormat.Merge(fresh.SaveWeights(), bodyWeights, name => !name.StartsWith(head, StringComparison.Ordinal));
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"Parameter 'bodyWeights' does not hold the body of the network '{network}': {e.Message}", nameof(bodyWeights), e);
        }
        fresh.LoadWeights(merged); // checks every shape
        return merged;
    }

    /// <summary>Copies every parameter and buffer of <paramref name="source"/>, a network of the same spec, across devices.</summary>
    public void CopyStateFrom(SequentialNetwork source)
    {
        using var _ = no_grad();
        var from = source.state_dict();
        foreach (var (name, target) in state_dict())
            target.copy_(from[name]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _dropout.Generator?.Dispose();
        base.Dispose(disposing);
    }
}
