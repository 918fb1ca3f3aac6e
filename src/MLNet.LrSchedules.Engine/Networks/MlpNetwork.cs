using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A multilayer perceptron: Linear → activation → dropout for each hidden layer, then a Linear output layer (logits or values).
/// </summary>
/// <remarks>
/// Initialization is PyTorch's default for Linear (uniform in ±1/√fan_in for weights and biases) drawn from a generator
/// seeded with the run's seed, so it does not depend on torch's global random state. Dropout draws its masks from
/// <see cref="DropoutGenerator"/>, which the engine reseeds every epoch from (seed, epoch): a resumed run draws the same masks.
/// </remarks>
internal sealed class MlpNetwork : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> hidden;
    private readonly Linear output;
    private readonly Activation _activation;
    private readonly double _dropout;

    public MlpNetwork(NetworkSpec spec, int seed) : base(nameof(MlpNetwork))
    {
        NetworkSpecs.Validate(spec);
        Spec = spec;
        _activation = spec.Activation;
        _dropout = spec.Dropout;
        hidden = new ModuleList<Linear>();
        int inputs = spec.InputSize;
        foreach (int size in spec.HiddenLayers)
        {
            hidden.Add(nn.Linear(inputs, size));
            inputs = size;
        }
        output = nn.Linear(inputs, spec.OutputSize);
        RegisterComponents();

        using var generator = new Generator(unchecked((ulong)seed), CPU);
        using (no_grad())
        {
            foreach (var layer in hidden.Append(output))
            {
                double bound = 1.0 / Math.Sqrt(layer.in_features);
                // Tensor.uniform_ honours the generator; nn.init.uniform_ (0.107) ignores it.
                layer.weight.uniform_(-bound, bound, generator);
                layer.bias!.uniform_(-bound, bound, generator);
            }
        }
    }

    public NetworkSpec Spec { get; }

    /// <summary>The generator of dropout masks; null draws from torch's global generator.</summary>
    public Generator? DropoutGenerator { get; set; }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in hidden)
        {
            x = layer.forward(x);
            x = _activation switch
            {
                Activation.Relu => nn.functional.relu(x),
                Activation.Gelu => nn.functional.gelu(x),
                Activation.Tanh => x.tanh(),
                _ => throw new InvalidOperationException($"Unknown activation {_activation}."),
            };
            if (training && _dropout > 0)
            {
                // Inverted dropout with our own generator (nn.Dropout would use torch's global one).
                using var keep = rand(x.shape, x.dtype, x.device, generator: DropoutGenerator).ge_(_dropout);
                x = x.mul(keep).mul_(1.0 / (1.0 - _dropout));
            }
        }
        return output.forward(x);
    }

    /// <summary>The weights in TorchSharp's module format, always written from CPU tensors (the bytes do not depend on the device).</summary>
    public byte[] SaveWeights()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            if (parameters().All(p => p.device_type == DeviceType.CPU))
            {
                save(writer);
            }
            else
            {
                using var cpu = new MlpNetwork(Spec, 0);
                cpu.CopyParametersFrom(this);
                cpu.save(writer);
            }
        }
        return stream.ToArray();
    }

    /// <summary>Loads weights saved by <see cref="SaveWeights"/>, whatever device this network is on.</summary>
    public void LoadWeights(byte[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        // Module.load reads into CPU tensors; a CPU twin reads them and the values are copied across devices.
        using var cpu = new MlpNetwork(Spec, 0);
        try
        {
            using var reader = new BinaryReader(new MemoryStream(weights, writable: false));
            cpu.load(reader, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ArgumentException($"Parameter 'weights' does not hold weights of this network ({NetworkSpecs.Describe(Spec)}): {e.Message}", nameof(weights), e);
        }
        CopyParametersFrom(cpu);
    }

    public void CopyParametersFrom(MlpNetwork source)
    {
        using var _ = no_grad();
        foreach (var (target, from) in parameters().Zip(source.parameters()))
            target.copy_(from);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DropoutGenerator?.Dispose();
        base.Dispose(disposing);
    }
}

internal static class NetworkSpecs
{
    public static void Validate(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.InputSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(spec), spec.InputSize, $"NetworkSpec.InputSize must be > 0; received {spec.InputSize}.");
        if (spec.OutputSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(spec), spec.OutputSize, $"NetworkSpec.OutputSize must be > 0; received {spec.OutputSize}.");
        ArgumentNullException.ThrowIfNull(spec.HiddenLayers, "spec.HiddenLayers");
        for (int i = 0; i < spec.HiddenLayers.Count; i++)
            if (spec.HiddenLayers[i] <= 0)
                throw new ArgumentOutOfRangeException(nameof(spec), spec.HiddenLayers[i], $"NetworkSpec.HiddenLayers[{i}] must be > 0; received {spec.HiddenLayers[i]}.");
        if (!(spec.Dropout >= 0 && spec.Dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(spec), spec.Dropout, $"NetworkSpec.Dropout must be in [0, 1); received {spec.Dropout}.");
        if (!Enum.IsDefined(spec.Activation))
            throw new ArgumentOutOfRangeException(nameof(spec), spec.Activation, $"NetworkSpec.Activation must be Relu, Gelu or Tanh; received {spec.Activation}.");
    }

    /// <summary>Structural equality (the record compares the hidden-layer list by reference).</summary>
    public static bool SameShape(NetworkSpec a, NetworkSpec b) =>
        a.InputSize == b.InputSize && a.OutputSize == b.OutputSize && a.Activation == b.Activation
        && a.Dropout.Equals(b.Dropout) && a.HiddenLayers.SequenceEqual(b.HiddenLayers);

    public static string Describe(NetworkSpec spec) =>
        $"{spec.InputSize} → [{string.Join(", ", spec.HiddenLayers)}] → {spec.OutputSize}, {spec.Activation}, dropout {spec.Dropout}";
}
