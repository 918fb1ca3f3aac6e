using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Builds the TorchSharp modules of a resolved <see cref="NetworkSpec"/>, checking every shape (a dry forward pass finds what
/// a module of your own gives), and initializes them from the run's seed.
/// </summary>
/// <remarks>
/// Initialization is PyTorch's default per layer type, drawn in layer order from one CPU generator seeded with the seed, so it
/// does not depend on torch's global random state: linear and convolution weights and biases uniform in ±1/√fan_in (what
/// kaiming_uniform with a = √5 gives), normalization scales 1 and shifts 0, running mean 0 and variance 1. Modules of your
/// own are built after <c>torch.manual_seed(seed)</c>, before any other layer (see <see cref="TorchModules"/>).
/// </remarks>
internal static class NetworkBuilder
{
    public static (nn.Module<Tensor, Tensor>[] Modules, TensorShape[] Shapes) Build(NetworkSpec spec, int seed, DropoutSource dropout)
    {
        if (spec.InputSize is not { } inputSize)
            throw new ArgumentException($"The network spec '{spec}' is not resolved: it has no input size. Resolve it against the data first (NetworkSpec.Resolve(inputSize, outputs)).", nameof(spec));
        var layers = spec.Layers;
        var modules = new nn.Module<Tensor, Tensor>?[layers.Count];
        try
        {
            if (spec.HasModules)
            {
                TorchModules.EnsureRegistered(spec, "Building the network");
                manual_seed(seed);
            }
            var shapes = NetworkSpec.InferShapes(TensorShape.Flat(inputSize), layers, headFrom: layers.Count, (index, received) =>
            {
                var module = TorchModules.Create((ModuleLayer)layers[index], index);
                modules[index] = module;
                return DryRun(module, received);
            });
            for (int i = 0; i < layers.Count; i++)
                modules[i] ??= Create(layers[i], shapes[i]!, dropout);

            using var generator = new Generator(unchecked((ulong)seed), CPU);
            using (no_grad())
                foreach (var module in modules)
                    Initialize(module!, generator);
            if (shapes.Any(shape => shape is null))
                throw new InvalidOperationException("A shape of the network is unknown after building it.");
            return (modules.Select(m => m!).ToArray(), shapes.Select(shape => shape!).ToArray());
        }
        catch
        {
            foreach (var module in modules) module?.Dispose();
            throw;
        }
    }

    private static nn.Module<Tensor, Tensor> Create(NetworkLayer layer, TensorShape input, DropoutSource dropout) => layer switch
    {
        LinearLayer l => nn.Linear(input[0], l.OutFeatures, l.Bias),
        Conv1dLayer c => nn.Conv1d(input[0], c.OutChannels, c.KernelSize, c.Stride, c.Padding, bias: c.Bias),
        Conv2dLayer c => nn.Conv2d(input[0], c.OutChannels, c.KernelSize, c.Stride, c.Padding, bias: c.Bias),
        MaxPool1dLayer p => nn.MaxPool1d(p.KernelSize, p.EffectiveStride, p.Padding),
        MaxPool2dLayer p => nn.MaxPool2d(p.KernelSize, p.EffectiveStride, p.Padding),
        AvgPool1dLayer p => nn.AvgPool1d(p.KernelSize, p.EffectiveStride, p.Padding),
        AvgPool2dLayer p => nn.AvgPool2d(p.KernelSize, p.EffectiveStride, p.Padding),
        GlobalAvgPoolLayer => new GlobalAvgPool(input.Rank - 1),
        BatchNorm1dLayer b => nn.BatchNorm1d(input[0], b.Eps, b.Momentum),
        BatchNorm2dLayer b => nn.BatchNorm2d(input[0], b.Eps, b.Momentum),
        LayerNormLayer n => nn.LayerNorm(input.Dims.Select(d => (long)d).ToArray(), n.Eps),
        DropoutLayer d => new SourcedDropout(d.Probability, dropout),
        ReluLayer => new ActivationModule(Activation.Relu),
        GeluLayer => new ActivationModule(Activation.Gelu),
        TanhLayer => new ActivationModule(Activation.Tanh),
        FlattenLayer => new FlattenExamples(),
        ReshapeLayer r => new ReshapeExamples(new TensorShape(r.Shape.ToArray())),
        _ => throw new InvalidOperationException($"No module for layer type {layer.GetType().Name}."),
    };

    private static void Initialize(nn.Module<Tensor, Tensor> module, Generator generator)
    {
        // Tensor.uniform_ honours the generator; nn.init.uniform_ (0.107) ignores it.
        switch (module)
        {
            case Linear linear:
                Uniform(linear.weight, linear.bias, linear.in_features, generator);
                break;
            case Conv1d conv:
                Uniform(conv.weight, conv.bias, conv.weight!.shape[1] * conv.weight.shape[2], generator);
                break;
            case Conv2d conv:
                Uniform(conv.weight, conv.bias, conv.weight!.shape[1] * conv.weight.shape[2] * conv.weight.shape[3], generator);
                break;
        }
    }

    private static void Uniform(Tensor? weight, Tensor? bias, long fanIn, Generator generator)
    {
        double bound = 1.0 / Math.Sqrt(fanIn);
        weight!.uniform_(-bound, bound, generator);
        bias?.uniform_(-bound, bound, generator);
    }

    /// <summary>The shape a module gives one zero example of <paramref name="input"/>, in evaluation mode without gradients.</summary>
    private static TensorShape DryRun(nn.Module<Tensor, Tensor> module, TensorShape input)
    {
        bool training = module.training;
        module.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var output = module.forward(zeros(input.WithBatch(1)));
            var shape = output.shape;
            if (shape.Length < 2 || shape[0] != 1 || shape.Skip(1).Any(d => d < 1 || d > int.MaxValue))
                throw new LayerShapeError($"gives [{string.Join(", ", shape)}] for a batch of one example; a module must keep the batch dimension first and give at least one value per example");
            return new TensorShape(shape.Skip(1).Select(d => (int)d).ToArray());
        }
        catch (Exception e) when (e is not LayerShapeError and not OutOfMemoryException)
        {
            throw new LayerShapeError($"fails on a batch of one zero example of that shape: {e.Message}");
        }
        finally
        {
            module.train(training);
        }
    }
}
