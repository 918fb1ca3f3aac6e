using System.Globalization;
using System.Text.Json.Serialization;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A network described as data: the flat feature vector of ML.NET's Features column flows through <see cref="Layers"/>
/// in order (as through PyTorch's <c>nn.Sequential</c>). Immutable, validated at construction, serializable to JSON and to
/// a short text form such as <c>reshape(1,28,28) &gt;&gt; conv2d(16, kernel=3, padding=1) &gt;&gt; relu &gt;&gt; maxpool2d(2)
/// &gt;&gt; flatten &gt;&gt; linear(128) &gt;&gt; relu &gt;&gt; dropout(0.2)</c>.
/// </summary>
/// <remarks>
/// <para>A spec written by a user is the network's <em>body</em>: a trainer <see cref="Resolve">resolves</see> it against the
/// data by fixing <see cref="InputSize"/> to the feature count and appending the task's head <c>linear(outputs)</c>. The
/// resolved spec is what the engine trains and what checkpoints and model files store.</para>
/// <para>Shapes are checked whenever <see cref="InputSize"/> is known: a layer that cannot take what it receives throws a
/// <see cref="NetworkShapeException"/> naming the layer, the shape and what it expects, before any training. The shape after
/// a <see cref="ModuleLayer"/> is found when the network is built (a dry forward pass), so layers after one are checked then.</para>
/// </remarks>
[JsonConverter(typeof(NetworkSpecJsonConverter))]
public sealed class NetworkSpec : IEquatable<NetworkSpec>
{
    private readonly NetworkLayer[] _layers;

    /// <summary>Creates a spec.</summary>
    /// <param name="layers">The layers, in order; may be empty (with a head, a linear model).</param>
    /// <param name="inputSize">The number of input features, when known (a resolved spec); null for a body.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layers"/> or one of its elements is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputSize"/> is less than 1.</exception>
    /// <exception cref="NetworkShapeException">With <paramref name="inputSize"/>: a layer cannot take the shape it receives.</exception>
    public NetworkSpec(IReadOnlyList<NetworkLayer> layers, int? inputSize = null)
    {
        Check.NotNull(layers);
        _layers = layers.ToArray();
        for (int i = 0; i < _layers.Length; i++)
            if (_layers[i] is null)
                throw new ArgumentNullException(nameof(layers), $"Parameter 'layers' must not contain null; received null at index {i}.");
        if (inputSize is { } size)
        {
            InputSize = Check.Positive(size, nameof(inputSize));
            OutputShape = InferShapes(TensorShape.Flat(size), _layers, headFrom: _layers.Length)[^1];
        }
    }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<NetworkLayer> Layers => _layers;

    /// <summary>The number of input features (the Features column's size) of a resolved spec; null for a body.</summary>
    public int? InputSize { get; }

    /// <summary>True once <see cref="InputSize"/> is known: the spec is bound to data and its shapes were checked.</summary>
    [JsonIgnore]
    public bool IsResolved => InputSize is not null;

    /// <summary>
    /// The number of outputs per example of a resolved spec whose last layer gives a flat vector, for example the classes of a
    /// multiclass head; null when not known before the network is built (no <see cref="InputSize"/>, or a module of your own at the end).
    /// </summary>
    [JsonIgnore]
    public int? OutputSize => OutputShape is { Rank: 1 } shape ? shape[0] : null;

    /// <summary>The shape of one example after the last layer, when known without building the network.</summary>
    internal TensorShape? OutputShape { get; }

    /// <summary>True when some layer is a <see cref="ModuleLayer"/>: building the network needs the registered factories.</summary>
    [JsonIgnore]
    public bool HasModules => _layers.Any(l => l is ModuleLayer);

    /// <summary>
    /// The spec bound to data: <see cref="InputSize"/> = <paramref name="inputSize"/> and the task's head
    /// <c>linear(<paramref name="outputs"/>)</c> appended, with every shape checked.
    /// </summary>
    /// <param name="inputSize">The number of input features (the Features column's size).</param>
    /// <param name="outputs">The number of outputs the task needs: the class count for multiclass classification, 1 otherwise.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1.</exception>
    /// <exception cref="InvalidOperationException">The spec is already resolved (it has its head).</exception>
    /// <exception cref="NetworkShapeException">A layer, or the head, cannot take the shape it receives.</exception>
    public NetworkSpec Resolve(int inputSize, int outputs)
    {
        Check.Positive(inputSize);
        Check.Positive(outputs);
        if (IsResolved)
            throw new InvalidOperationException($"The network spec is already resolved (input size {InputSize}): resolve a body, not a spec with its head.");
        var layers = _layers.Append(new LinearLayer(outputs)).ToArray();
        InferShapes(TensorShape.Flat(inputSize), layers, headFrom: _layers.Length);
        return new NetworkSpec(layers, inputSize);
    }

    /// <summary>This spec followed by <paramref name="layers"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="layers"/> or one of its elements is null.</exception>
    /// <exception cref="NetworkShapeException">The spec is resolved and a new layer cannot take the shape it receives.</exception>
    public NetworkSpec Then(params IEnumerable<NetworkLayer> layers)
    {
        Check.NotNull(layers);
        return new NetworkSpec(_layers.Concat(layers).ToArray(), InputSize);
    }

    /// <summary>
    /// A multilayer perceptron body: for each hidden size, <c>linear(size) &gt;&gt; activation</c>, then <c>dropout(p)</c> when
    /// <paramref name="dropout"/> &gt; 0. Text: <c>mlp(512, 256, activation=gelu, dropout=0.1)</c>. Empty hidden sizes give an
    /// empty body: with the head, a linear model.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="hiddenLayers"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1, <paramref name="activation"/> is undefined or <paramref name="dropout"/> is outside [0, 1).</exception>
    public static NetworkSpec Mlp(IReadOnlyList<int> hiddenLayers, Activation activation = Activation.Relu, double dropout = 0)
    {
        Check.NotNull(hiddenLayers);
        Check.InRange(dropout, 0, 1, maxInclusive: false);
        var activationLayer = NetworkLayer.Activation(activation);
        var layers = new List<NetworkLayer>();
        for (int i = 0; i < hiddenLayers.Count; i++)
        {
            if (hiddenLayers[i] < 1)
                throw new ArgumentOutOfRangeException(nameof(hiddenLayers), hiddenLayers[i],
                    $"Parameter 'hiddenLayers' must hold sizes >= 1; received {hiddenLayers[i].ToString(CultureInfo.InvariantCulture)} at index {i}.");
            layers.Add(new LinearLayer(hiddenLayers[i]));
            layers.Add(activationLayer);
            if (dropout > 0) layers.Add(new DropoutLayer(dropout));
        }
        return new NetworkSpec(layers);
    }

    /// <summary>
    /// Reads the text form: layers joined by <c>&gt;&gt;</c>, each <c>name</c> or <c>name(positional, key=value)</c> with the
    /// layer's snake_case parameter names (<see cref="NetworkSpecText"/>); <c>mlp(...)</c> expands to its layers and a leading
    /// <c>input(n)</c> sets <see cref="InputSize"/>.
    /// </summary>
    /// <exception cref="NetworkSpecFormatException">The text is malformed; <see cref="NetworkSpecFormatException.Position"/> points at the problem.</exception>
    public static NetworkSpec Parse(string text) => NetworkSpecText.Parse(text);

    /// <summary>The spec as JSON: <c>{"input_size": 784, "layers": [{"type": "reshape", "shape": [1, 28, 28]}, ...]}</c>.</summary>
    public string ToJson(bool indented = false) => NetworkSpecJson.Serialize(this, indented);

    /// <summary>Reads a spec written by <see cref="ToJson"/> (or by hand).</summary>
    /// <exception cref="NetworkSpecFormatException">The JSON is malformed, names an unknown layer or property, or holds a value a layer rejects.</exception>
    public static NetworkSpec FromJson(string json) => NetworkSpecJson.Deserialize(json);

    /// <summary>The canonical text form, which <see cref="Parse"/> reads back to an equal spec.</summary>
    public override string ToString() => NetworkSpecText.Format(this);

    /// <summary>True when <paramref name="other"/> has the same input size and equal layers.</summary>
    public bool Equals(NetworkSpec? other) =>
        other is not null && InputSize == other.InputSize && _layers.SequenceEqual(other._layers);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is NetworkSpec other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(InputSize);
        foreach (var layer in _layers) hash.Add(layer);
        return hash.ToHashCode();
    }

    /// <summary>
    /// The shape after each layer (element 0: the input), null after a module of your own until the network is built.
    /// <paramref name="moduleShape"/>, when given, finds the shape a module gives (the engine's dry run).
    /// </summary>
    /// <exception cref="NetworkShapeException">A layer cannot take the shape it receives.</exception>
    internal static TensorShape?[] InferShapes(TensorShape input, IReadOnlyList<NetworkLayer> layers, int headFrom,
        Func<int, TensorShape, TensorShape>? moduleShape = null)
    {
        var shapes = new TensorShape?[layers.Count + 1];
        shapes[0] = input;
        for (int i = 0; i < layers.Count; i++)
        {
            var received = shapes[i];
            try
            {
                shapes[i + 1] = layers[i] is ModuleLayer && received is not null && moduleShape is not null
                    ? moduleShape(i, received)
                    : layers[i].InferShape(received);
            }
            catch (LayerShapeError error)
            {
                string which = i >= headFrom
                    ? $"The task's output layer '{layers[i]}' (layer {i}, appended by the trainer)"
                    : $"Layer {i} '{layers[i]}' of the network";
                string hint = i >= headFrom && received is { Rank: > 1 } ? "; end the network with flatten or globalavgpool" : "";
                throw new NetworkShapeException($"{which} receives {received} but {error.Message}{hint}.", i, layers[i], received?.Dims);
            }
        }
        return shapes;
    }
}
