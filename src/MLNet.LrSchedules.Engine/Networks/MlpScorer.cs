using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Scores rows with a trained multilayer perceptron: softmax probabilities (multiclass), the logit (binary; the
/// probability is its sigmoid, see <see cref="Sigmoid"/>) or the value (regression).
/// </summary>
/// <remarks>
/// Thread-safe: calls are serialized by a lock (ML.NET may score from several threads); the network runs in eval mode
/// (no dropout) without gradient tracking.
/// </remarks>
public sealed class MlpScorer : IDisposable
{
    private readonly MlpNetwork _network;
    private readonly Device _device;
    private readonly object _gate = new();
    private bool _disposed;

    /// <summary>Loads <paramref name="weights"/> into a network of shape <paramref name="network"/> on <paramref name="device"/>.</summary>
    /// <param name="network">The network's shape.</param>
    /// <param name="task">The task the network was trained for; decides the outputs.</param>
    /// <param name="weights">Weights in TorchSharp's module format (<see cref="TrainingResult.Weights"/>).</param>
    /// <param name="device">Where to score.</param>
    public MlpScorer(NetworkSpec network, TrainingTask task, byte[] weights, ComputeDevice device = ComputeDevice.Cpu)
    {
        NetworkSpecs.Validate(network);
        ArgumentNullException.ThrowIfNull(weights);
        if (!Enum.IsDefined(task))
            throw new ArgumentOutOfRangeException(nameof(task), task, $"Parameter 'task' must be MulticlassClassification, BinaryClassification or Regression; received {task}.");
        if (task != TrainingTask.MulticlassClassification && network.OutputSize != 1)
            throw new ArgumentException($"A {task} network needs OutputSize = 1; received {network.OutputSize}.", nameof(network));
        Task = task;
        Network = network;
        _device = TorchDevices.Resolve(device);
        _network = new MlpNetwork(network, 0);
        try
        {
            _network.LoadWeights(weights);
            if (_device.type != TorchSharp.DeviceType.CPU) _network.to(_device);
            _network.eval();
        }
        catch
        {
            _network.Dispose();
            throw;
        }
    }

    /// <summary>The network's shape.</summary>
    public NetworkSpec Network { get; }

    /// <summary>The task; decides what <see cref="Score"/> writes.</summary>
    public TrainingTask Task { get; }

    /// <summary>Values written per row: the class count for multiclass, 1 otherwise.</summary>
    public int OutputsPerRow => Network.OutputSize;

    /// <summary>
    /// Scores <paramref name="rows"/> rows of <paramref name="features"/> (row-major) into <paramref name="output"/>
    /// (<paramref name="rows"/> × <see cref="OutputsPerRow"/> values): probabilities, logit or value by <see cref="Task"/>.
    /// </summary>
    public void Score(ReadOnlySpan<float> features, int rows, Span<float> output)
    {
        if (rows < 0)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"Parameter 'rows' must be >= 0; received {rows}.");
        if (features.Length != (long)rows * Network.InputSize)
            throw new ArgumentException($"Parameter 'features' must hold rows × InputSize = {(long)rows * Network.InputSize} values; received {features.Length}.", nameof(features));
        if (output.Length < (long)rows * OutputsPerRow)
            throw new ArgumentException($"Parameter 'output' must hold at least rows × OutputsPerRow = {(long)rows * OutputsPerRow} values; received {output.Length}.", nameof(output));
        if (rows == 0) return;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var input = HostTensors.Float32(features, rows, Network.InputSize);
            if (_device.type != TorchSharp.DeviceType.CPU) input = input.to(_device);
            var result = _network.forward(input);
            if (Task == TrainingTask.MulticlassClassification) result = result.softmax(1);
            if (result.device_type != TorchSharp.DeviceType.CPU) result = result.cpu();
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
