using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// One layer of a <see cref="NetworkSpec"/>: a closed family of small immutable descriptions, each named and parameterized
/// as PyTorch's <c>torch.nn</c> layer (with .NET casing), validated at construction. The sizes a PyTorch layer takes from
/// its input (<c>in_features</c>, <c>in_channels</c>, <c>num_features</c>) are inferred from the shape the layer receives.
/// </summary>
/// <remarks>
/// JSON: <c>{"type": "conv2d", "out_channels": 16, "kernel_size": 3, ...}</c> (snake_case properties, the type name as
/// discriminator). Text: <c>conv2d(16, kernel_size=3, padding=1)</c>; see <see cref="NetworkSpec.Parse"/>.
/// Two layers are equal when they are of the same type with equal parameters.
/// </remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(LinearLayer), "linear")]
[JsonDerivedType(typeof(Conv1dLayer), "conv1d")]
[JsonDerivedType(typeof(Conv2dLayer), "conv2d")]
[JsonDerivedType(typeof(MaxPool1dLayer), "maxpool1d")]
[JsonDerivedType(typeof(MaxPool2dLayer), "maxpool2d")]
[JsonDerivedType(typeof(AvgPool1dLayer), "avgpool1d")]
[JsonDerivedType(typeof(AvgPool2dLayer), "avgpool2d")]
[JsonDerivedType(typeof(GlobalAvgPoolLayer), "globalavgpool")]
[JsonDerivedType(typeof(BatchNorm1dLayer), "batchnorm1d")]
[JsonDerivedType(typeof(BatchNorm2dLayer), "batchnorm2d")]
[JsonDerivedType(typeof(LayerNormLayer), "layernorm")]
[JsonDerivedType(typeof(DropoutLayer), "dropout")]
[JsonDerivedType(typeof(ReluLayer), "relu")]
[JsonDerivedType(typeof(GeluLayer), "gelu")]
[JsonDerivedType(typeof(TanhLayer), "tanh")]
[JsonDerivedType(typeof(FlattenLayer), "flatten")]
[JsonDerivedType(typeof(ReshapeLayer), "reshape")]
[JsonDerivedType(typeof(ModuleLayer), "module")]
public abstract class NetworkLayer : IEquatable<NetworkLayer>
{
    // A closed family: JSON and the text form can only ever name the layers listed above.
    private protected NetworkLayer() { }

    /// <summary>
    /// The shape of one example after this layer, given the shape it receives (both without the batch dimension); null
    /// when not known without running the layer (after a <see cref="ModuleLayer"/>).
    /// </summary>
    /// <exception cref="LayerShapeError">The layer cannot take <paramref name="input"/>; the message says what it expects.</exception>
    internal abstract TensorShape? InferShape(TensorShape? input);

    /// <summary>The layer's text form, for example <c>conv2d(16, kernel_size=3, padding=1)</c>.</summary>
    public override string ToString() => NetworkSpecText.FormatLayer(this);

    /// <summary>True when <paramref name="other"/> is a layer of the same type with equal parameters.</summary>
    public bool Equals(NetworkLayer? other) => other is not null && LayerRegistry.Default.SameParameters(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is NetworkLayer other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => LayerRegistry.Default.HashParameters(this);

    /// <summary>A fully connected layer (PyTorch <c>nn.Linear</c>).</summary>
    public static LinearLayer Linear(int outFeatures, bool bias = true) => new(outFeatures, bias);

    /// <summary>A 1-d convolution over channels×length (PyTorch <c>nn.Conv1d</c>).</summary>
    public static Conv1dLayer Conv1d(int outChannels, int kernelSize, int stride = 1, int padding = 0, bool bias = true) =>
        new(outChannels, kernelSize, stride, padding, bias);

    /// <summary>A 2-d convolution over channels×height×width with a square kernel (PyTorch <c>nn.Conv2d</c>).</summary>
    public static Conv2dLayer Conv2d(int outChannels, int kernelSize, int stride = 1, int padding = 0, bool bias = true) =>
        new(outChannels, kernelSize, stride, padding, bias);

    /// <summary>1-d max pooling (PyTorch <c>nn.MaxPool1d</c>); the stride defaults to the kernel size.</summary>
    public static MaxPool1dLayer MaxPool1d(int kernelSize, int? stride = null, int padding = 0) => new(kernelSize, stride, padding);

    /// <summary>2-d max pooling with a square window (PyTorch <c>nn.MaxPool2d</c>); the stride defaults to the kernel size.</summary>
    public static MaxPool2dLayer MaxPool2d(int kernelSize, int? stride = null, int padding = 0) => new(kernelSize, stride, padding);

    /// <summary>1-d average pooling (PyTorch <c>nn.AvgPool1d</c>); the stride defaults to the kernel size.</summary>
    public static AvgPool1dLayer AvgPool1d(int kernelSize, int? stride = null, int padding = 0) => new(kernelSize, stride, padding);

    /// <summary>2-d average pooling with a square window (PyTorch <c>nn.AvgPool2d</c>); the stride defaults to the kernel size.</summary>
    public static AvgPool2dLayer AvgPool2d(int kernelSize, int? stride = null, int padding = 0) => new(kernelSize, stride, padding);

    /// <summary>The mean of each channel over its length or height×width: channels×… → a flat vector of channels.</summary>
    public static GlobalAvgPoolLayer GlobalAvgPool() => new();

    /// <summary>Batch normalization over features or channels×length (PyTorch <c>nn.BatchNorm1d</c>).</summary>
    public static BatchNorm1dLayer BatchNorm1d(double eps = 1e-5, double momentum = 0.1) => new(eps, momentum);

    /// <summary>Batch normalization over channels×height×width (PyTorch <c>nn.BatchNorm2d</c>).</summary>
    public static BatchNorm2dLayer BatchNorm2d(double eps = 1e-5, double momentum = 0.1) => new(eps, momentum);

    /// <summary>Layer normalization over all of an example's values (PyTorch <c>nn.LayerNorm</c> over the shape it receives).</summary>
    public static LayerNormLayer LayerNorm(double eps = 1e-5) => new(eps);

    /// <summary>Dropout with probability <paramref name="probability"/> (PyTorch <c>nn.Dropout(p)</c>).</summary>
    public static DropoutLayer Dropout(double probability = 0.5) => new(probability);

    /// <summary>max(0, x) (PyTorch <c>nn.ReLU</c>).</summary>
    public static ReluLayer Relu() => new();

    /// <summary>The Gaussian error linear unit (PyTorch <c>nn.GELU</c>).</summary>
    public static GeluLayer Gelu() => new();

    /// <summary>The hyperbolic tangent (PyTorch <c>nn.Tanh</c>).</summary>
    public static TanhLayer Tanh() => new();

    /// <summary>The activation layer of <paramref name="activation"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="activation"/> is not a defined <see cref="Trainers.Activation"/>.</exception>
    public static NetworkLayer Activation(Activation activation) => activation switch
    {
        Trainers.Activation.Relu => new ReluLayer(),
        Trainers.Activation.Gelu => new GeluLayer(),
        Trainers.Activation.Tanh => new TanhLayer(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, $"Parameter 'activation' must be Relu, Gelu or Tanh; received {activation}."),
    };

    /// <summary>Channels×… → a flat vector (PyTorch <c>nn.Flatten</c>).</summary>
    public static FlattenLayer Flatten() => new();

    /// <summary>Reshapes each example, for example the flat features into channels×height×width (PyTorch <c>nn.Unflatten(1, shape)</c>).</summary>
    public static ReshapeLayer Reshape(params int[] shape) => new(shape);

    /// <summary>A module registered with <see cref="TorchModules.Register{TArgs}"/> under <paramref name="name"/>, built from <paramref name="arguments"/> (serialized to JSON).</summary>
    /// <param name="name">The registered name.</param>
    /// <param name="arguments">The factory's arguments: an object serialized to JSON with snake_case property names, or null for a factory without arguments.</param>
    public static ModuleLayer Module(string name, object? arguments = null) =>
        new(name, arguments is null ? null : arguments is JsonElement element ? element : JsonSerializer.SerializeToElement(arguments, arguments.GetType(), NetworkSpecJson.ArgumentOptions));
}
