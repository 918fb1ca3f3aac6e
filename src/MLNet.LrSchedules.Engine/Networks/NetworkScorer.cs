using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Scores rows with a trained network of any spec: softmax probabilities (multiclass), the logit (binary; the probability is
/// its sigmoid, see <see cref="Sigmoid"/>) or the value (regression: <c>mean + std · output</c> when the network learned a
/// standardized label, see <see cref="LabelStandardization"/>).
/// </summary>
/// <remarks>
/// Thread-safe: calls are serialized by a lock (ML.NET may score from several threads); the network runs in eval mode
/// (no dropout, batch norm with its running statistics) without gradient tracking.
/// </remarks>
public sealed class NetworkScorer : IDisposable
{
    private readonly SequentialNetwork _network;
    private readonly TaskObjective _objective;
    private readonly Device _device;
    private readonly int _inputSize;
    private readonly object _gate = new();
    private bool _disposed;

    /// <summary>Loads <paramref name="weights"/> into the network of <paramref name="network"/> on <paramref name="device"/>.</summary>
    /// <param name="network">The resolved spec of the network (<see cref="TrainingResult.Network"/>).</param>
    /// <param name="task">The task the network was trained for; decides the outputs.</param>
    /// <param name="weights">Weights in TorchSharp's module format (<see cref="TrainingResult.Weights"/>).</param>
    /// <param name="device">Where to score.</param>
    /// <param name="labelStandardization">Regression: the label's standardization the network learned (<see cref="EngineSettings.LabelStandardization"/>), mapped back on every score; null for none.</param>
    /// <exception cref="ArgumentException">The spec is not resolved, its outputs do not fit the task, the weights are not this network's, or a standardization is given for classification.</exception>
    /// <exception cref="InvalidOperationException">The spec holds a module of your own that is not registered (<see cref="TorchModules"/>).</exception>
    public NetworkScorer(NetworkSpec network, TrainingTask task, byte[] weights, ComputeDevice device = ComputeDevice.Cpu, LabelStandardization? labelStandardization = null)
    {
        Check.NotNull(network);
        Check.NotNull(weights);
        _objective = TaskObjective.For(task);
        if (labelStandardization is not null && task != TrainingTask.Regression)
            throw new ArgumentException($"Parameter 'labelStandardization' applies to regression only; the task is {task}.", nameof(labelStandardization));
        LabelStandardization = labelStandardization;
        if (network.InputSize is not { } inputSize)
            throw new ArgumentException($"Parameter 'network' must be a resolved spec (with its input size); received '{network}'.", nameof(network));
        if (network.OutputSize is { } outputs) _objective.CheckOutputs(outputs, nameof(network));
        _inputSize = inputSize;
        Network = network;
        _device = TorchDevices.Resolve(device);
        _network = new SequentialNetwork(network, 0);
        try
        {
            _objective.CheckOutputs(_network.OutputSize, nameof(network));
            _network.LoadWeights(weights);
            if (_device.type != DeviceType.CPU) _network.to(_device);
            _network.eval();
        }
        catch
        {
            _network.Dispose();
            throw;
        }
    }

    /// <summary>The network's resolved spec.</summary>
    public NetworkSpec Network { get; }

    /// <summary>The standardization the network's output is mapped back from, or null.</summary>
    public LabelStandardization? LabelStandardization { get; }

    /// <summary>The task; decides what <see cref="Score"/> writes.</summary>
    public TrainingTask Task => _objective.Task;

    /// <summary>Values written per row: the class count for multiclass, 1 otherwise.</summary>
    public int OutputsPerRow => _network.OutputSize;

    /// <summary>
    /// Scores <paramref name="rows"/> rows of <paramref name="features"/> (row-major) into <paramref name="output"/>
    /// (<paramref name="rows"/> × <see cref="OutputsPerRow"/> values): probabilities, logit or value by <see cref="Task"/>.
    /// </summary>
    public void Score(ReadOnlySpan<float> features, int rows, Span<float> output)
    {
        if (rows < 0)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"Parameter 'rows' must be >= 0; received {rows}.");
        if (features.Length != (long)rows * _inputSize)
            throw new ArgumentException($"Parameter 'features' must hold rows × InputSize = {(long)rows * _inputSize} values; received {features.Length}.", nameof(features));
        if (output.Length < (long)rows * OutputsPerRow)
            throw new ArgumentException($"Parameter 'output' must hold at least rows × OutputsPerRow = {(long)rows * OutputsPerRow} values; received {output.Length}.", nameof(output));
        if (rows == 0) return;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var input = HostTensors.Float32(features, rows, _inputSize);
            if (_device.type != DeviceType.CPU) input = input.to(_device);
            var result = _objective.Predict(_network.forward(input));
            if (LabelStandardization is { } s) result = result.mul(s.StandardDeviation).add(s.Mean);
            if (result.device_type != DeviceType.CPU) result = result.cpu();
            result.contiguous().data<float>().CopyTo(output[..(rows * OutputsPerRow)]);
        }
    }

    /// <summary>The probability of the positive class for a binary logit.</summary>
    public static float Sigmoid(float logit) => 1f / (1f + MathF.Exp(-logit));

    /// <summary>Frees the network.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _network.Dispose();
        }
    }
}
