namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Settings of the trainers of any network (<c>TorchNetwork</c> on the catalogs): <see cref="Network"/> is the network's body
/// as a <see cref="NetworkSpec"/> (convolutions, pooling, normalization, dropout, modules of your own, …); the trainer resolves
/// it against the data, fixing its input size to the features column's and appending the task's head <c>linear(outputs)</c>.
/// </summary>
/// <example>
/// <code>
/// var options = new TorchNetworkMulticlassOptions
/// {
///     Network = NetworkSpec.Parse("reshape(1, 8, 8) >> conv2d(16, kernel=3, padding=1) >> relu >> maxpool2d(2) >> flatten >> linear(64) >> relu"),
///     Schedule = LrSchedule.OneCycle(maxLr: 0.01),
///     Epochs = 10,
/// };
/// </code>
/// </example>
public abstract class TorchNetworkOptions : TorchTrainerOptions
{
    private protected TorchNetworkOptions() { }

    /// <summary>The network's body, without the task's head (the trainer appends <c>linear(outputs)</c>). Build it in code, or read its text form with <see cref="NetworkSpec.Parse"/> or its JSON with <see cref="NetworkSpec.FromJson"/>.</summary>
    /// <value>Default <c>mlp(128)</c>: one hidden layer of 128 units with ReLU, as <see cref="TorchMlpOptions"/>' default. Must be a body (no input size): the shapes are checked against the data when training starts.</value>
    public NetworkSpec Network { get; set => field = Given(value); } = NetworkSpec.Mlp([128]);

    private protected override void ValidateNetwork()
    {
        if (Network is null)
            throw new ArgumentNullException(nameof(Network), "Option 'Network' must be set to a network spec, for example NetworkSpec.Parse(\"linear(128) >> relu\").");
        if (Network.IsResolved)
            throw new ArgumentException(
                $"Option 'Network' must be a network's body, without input size and head; received the resolved spec '{Network}'. The trainer resolves the body against the data.",
                nameof(Network));
    }

    internal override NetworkSpec NetworkBody() => Network;

    internal override bool NetworkGiven => IsGiven(nameof(Network));

    internal override string NetworkOptionNames => nameof(Network);
}

/// <summary>Options of the multiclass <c>TorchNetwork</c> trainer (<see cref="TorchNetworkMulticlassTrainer"/>): a head of one output per class, softmax, cross-entropy loss, key-typed label.</summary>
public sealed class TorchNetworkMulticlassOptions : TorchNetworkOptions { }

/// <summary>Options of the binary <c>TorchNetwork</c> trainer (<see cref="TorchNetworkBinaryTrainer"/>): a head of one logit, binary cross-entropy loss, <see cref="bool"/> label.</summary>
public sealed class TorchNetworkBinaryOptions : TorchNetworkOptions { }

/// <summary>Options of the regression <c>TorchNetwork</c> trainer (<see cref="TorchNetworkRegressionTrainer"/>): a head of one output, mean squared error, <see cref="float"/> label.</summary>
public sealed class TorchNetworkRegressionOptions : TorchNetworkOptions
{
    /// <summary>
    /// Whether the network learns the standardized label <c>(y − mean) / std</c> and predicts <c>mean + std · output</c>, in
    /// the label's own units. The mean and standard deviation (population, weighted by the example weights when there are
    /// any; a constant label gets std 1) are computed once on the training data, saved with the model (<see cref="TorchNetworkModel.LabelStandardization"/>)
    /// and applied by scoring, ONNX export and validation; a resumed or fine-tuned run keeps the saved ones.
    /// </summary>
    /// <value>Default true: a raw target such as a price or a count trains as well as a scaled one (with false, a target far
    /// from 0 or with a large spread needs its own scaling and a tuned learning rate).</value>
    public bool StandardizeLabel { get; set => field = Given(value); } = true;

    internal override bool StandardizesLabel => StandardizeLabel;
}
