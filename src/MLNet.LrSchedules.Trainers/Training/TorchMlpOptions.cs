namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Settings of the multilayer-perceptron trainers (<c>TorchMlp</c> on the catalogs): the network is described by its hidden
/// layers, <see cref="NetworkSpec.Mlp"/>(<see cref="HiddenLayers"/>, <see cref="Activation"/>, <see cref="Dropout"/>), and the
/// trainer appends the task's head. For any other network, use <see cref="TorchNetworkOptions"/>.
/// </summary>
public abstract class TorchMlpOptions : TorchTrainerOptions
{
    private IReadOnlyList<int> _hiddenLayers = [128];

    private protected TorchMlpOptions() { }

    /// <summary>Sizes of the hidden layers, in order; empty for a linear model.</summary>
    /// <value>Default one hidden layer of 128 units. Each size must be &gt;= 1.</value>
    public IReadOnlyList<int> HiddenLayers { get => _hiddenLayers; set => _hiddenLayers = Given(value); }

    /// <summary>Activation after each hidden layer.</summary>
    /// <value>Default <see cref="Trainers.Activation.Relu"/>.</value>
    public Activation Activation { get; set => field = Given(value); } = Activation.Relu;

    /// <summary>Dropout probability after each hidden activation.</summary>
    /// <value>Default 0. Must be in [0, 1).</value>
    public double Dropout { get; set => field = Given(value); }

    private protected override void ValidateNetwork()
    {
        if (HiddenLayers is null)
            throw new ArgumentNullException(nameof(HiddenLayers), "Option 'HiddenLayers' must not be null; use an empty list for a linear model.");
        for (int i = 0; i < HiddenLayers.Count; i++)
            Require(HiddenLayers[i] >= 1, $"{nameof(HiddenLayers)}[{i}]", HiddenLayers[i], "an integer >= 1");
        Require(Enum.IsDefined(Activation), nameof(Activation), Activation, $"one of {string.Join(", ", Enum.GetNames<Activation>())}");
        Require(Dropout >= 0 && Dropout < 1, nameof(Dropout), Dropout, "in [0, 1)");
    }

    internal override NetworkSpec NetworkBody() => NetworkSpec.Mlp(HiddenLayers.ToArray(), Activation, Dropout);

    internal override bool NetworkGiven => IsGiven(nameof(HiddenLayers)) || IsGiven(nameof(Activation)) || IsGiven(nameof(Dropout));

    internal override string NetworkOptionNames => $"{nameof(HiddenLayers)}, {nameof(Activation)}, {nameof(Dropout)}";

    // A caller's array or list could change after the trainer validated it.
    private protected override void CopyCollections() => _hiddenLayers = _hiddenLayers?.ToArray()!;
}

/// <summary>Options of the multiclass <c>TorchMlp</c> trainer (<see cref="TorchNetworkMulticlassTrainer"/>): softmax outputs, cross-entropy loss, key-typed label.</summary>
public sealed class TorchMlpMulticlassOptions : TorchMlpOptions { }

/// <summary>Options of the binary <c>TorchMlp</c> trainer (<see cref="TorchNetworkBinaryTrainer"/>): one logit, binary cross-entropy loss, <see cref="bool"/> label.</summary>
public sealed class TorchMlpBinaryOptions : TorchMlpOptions { }

/// <summary>Options of the regression <c>TorchMlp</c> trainer (<see cref="TorchNetworkRegressionTrainer"/>): one output, mean squared error, <see cref="float"/> label.</summary>
public sealed class TorchMlpRegressionOptions : TorchMlpOptions
{
    /// <inheritdoc cref="TorchNetworkRegressionOptions.StandardizeLabel"/>
    public bool StandardizeLabel { get; set => field = Given(value); } = true;

    internal override bool StandardizesLabel => StandardizeLabel;
}
