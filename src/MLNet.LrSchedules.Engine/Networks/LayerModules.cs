using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>The masks' generator, shared by every dropout layer of a network and replaced by the engine each epoch.</summary>
internal sealed class DropoutSource
{
    /// <summary>The generator of the masks; null draws from torch's global generator (CUDA, where TorchSharp 0.107 has no generator objects).</summary>
    public Generator? Generator { get; set; }
}

/// <summary>Inverted dropout drawing its masks from the network's <see cref="DropoutSource"/> (nn.Dropout would use torch's global generator).</summary>
internal sealed class SourcedDropout(double probability, DropoutSource source) : nn.Module<Tensor, Tensor>("Dropout")
{
    private readonly double _scale = 1.0 / (1.0 - probability);

    public override Tensor forward(Tensor input)
    {
        if (!training || probability == 0) return input;
        using var keep = rand(input.shape, input.dtype, input.device, generator: source.Generator).ge_(probability);
        return input.mul(keep).mul_(_scale);
    }
}

/// <summary>The mean over every dimension after the channels: [N, C, …] → [N, C].</summary>
internal sealed class GlobalAvgPool(int spatialDimensions) : nn.Module<Tensor, Tensor>("GlobalAvgPool")
{
    private readonly long[] _dims = Enumerable.Range(2, spatialDimensions).Select(d => (long)d).ToArray();

    public override Tensor forward(Tensor input) => input.mean(_dims);
}

/// <summary>[N, …] → [N, product] (nn.Flatten with start_dim 1).</summary>
internal sealed class FlattenExamples() : nn.Module<Tensor, Tensor>("Flatten")
{
    public override Tensor forward(Tensor input) => input.flatten(1);
}

/// <summary>[N, …] → [N, shape…], row-major.</summary>
internal sealed class ReshapeExamples(TensorShape shape) : nn.Module<Tensor, Tensor>("Reshape")
{
    private readonly long[] _shape = shape.WithBatch();

    public override Tensor forward(Tensor input) => input.reshape(_shape);
}

/// <summary>An elementwise activation through torch.nn.functional, as a hand-written loop calls it.</summary>
internal sealed class ActivationModule(Activation activation) : nn.Module<Tensor, Tensor>(activation.ToString())
{
    public override Tensor forward(Tensor input) => activation switch
    {
        Activation.Relu => nn.functional.relu(input),
        Activation.Gelu => nn.functional.gelu(input),
        _ => input.tanh(),
    };
}
