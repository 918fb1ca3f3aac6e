using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Turns a source's batches into tensors on the device, with the labels checked and typed by the task. Rows held in memory
/// on the CPU are copied once per <see cref="TrainingEngine.Train"/> call into resident tensors and each batch is gathered
/// from them with <c>index_select</c> (the same rows in the same order as <see cref="InMemoryBatchSource.ReadBatches"/>, so
/// the same numbers): no managed copy and no tensor built from a managed array per step. Any other source goes through
/// <see cref="IBatchSource.ReadBatches"/>, checked batch by batch, and is moved to the device once per step. With
/// <see cref="EngineSettings.LabelStandardization"/> every label is standardized on its way into a tensor, the same way on
/// both paths (so a streamed run equals an in-memory one).
/// </summary>
internal sealed class BatchFeed(EngineSettings settings, TaskObjective objective, Device device, int outputs) : IDisposable
{
    private ResidentData? _resident;

    /// <summary>Copies <paramref name="train"/> into resident tensors when it is held in memory and training is on the CPU.</summary>
    public void Prepare(IBatchSource train)
    {
        _resident?.Dispose();
        _resident = null;
        if (train is not InMemoryBatchSource memory || device.type != DeviceType.CPU) return;
        int rows = memory.Labels.Length;
        if (rows == 0) return;
        CheckBatch(new Batch(memory.Features, memory.Labels, memory.Weights, rows), memory.FeatureCount);
        var features = HostTensors.Float32(memory.Features, rows, memory.FeatureCount).DetachFromDisposeScope();
        var labels = HostTensors.Float32(Labels(memory.Labels), rows);
        if (objective.LabelType != ScalarType.Float32)
        {
            var typed = labels.to(objective.LabelType);
            labels.Dispose();
            labels = typed;
        }
        var weights = memory.Weights is null ? null : HostTensors.Float32(memory.Weights, rows).DetachFromDisposeScope();
        _resident = new ResidentData(train, rows, features, labels.DetachFromDisposeScope(), weights, shuffle: !memory.InDataOrder);
    }

    /// <summary>
    /// The training batches of an epoch, shuffled from (seed, epoch). A resident batch is a function run inside the step's
    /// dispose scope, which then owns the gathered tensors; a streamed batch is converted with <see cref="ToTensors"/> there.
    /// </summary>
    public IEnumerable<(Batch? Batch, Func<(Tensor Input, Tensor Labels, Tensor? Weights)>? Gather)> Epoch(IBatchSource train, int epoch)
    {
        if (_resident is null || !ReferenceEquals(_resident.Source, train))
        {
            foreach (var batch in train.ReadBatches(settings.BatchSize, epoch, settings.Seed, shuffle: true))
            {
                CheckBatch(batch, train.FeatureCount);
                yield return (batch, null);
            }
            yield break;
        }
        var resident = _resident;
        int rows = resident.Rows;
        var order = InMemoryBatchSource.EpochOrder(rows, epoch, settings.Seed, resident.Shuffle);
        using var orderTensor = HostTensors.Int64(Array.ConvertAll(order, i => (long)i)).DetachFromDisposeScope();
        for (int start = 0; start < rows; start += settings.BatchSize)
        {
            int first = start, count = Math.Min(settings.BatchSize, rows - start);
            yield return (null, () =>
            {
                var index = orderTensor.narrow(0, first, count);
                return (resident.Features.index_select(0, index), resident.Labels.index_select(0, index), resident.Weights?.index_select(0, index));
            });
        }
    }

    /// <summary>A batch's features, labels (typed for the task) and weights as tensors on the device.</summary>
    public (Tensor Input, Tensor Labels, Tensor? Weights) ToTensors(Batch batch, int featureCount)
    {
        var input = HostTensors.Float32(batch.Features, batch.Rows, featureCount);
        var labels = HostTensors.Float32(Labels(batch.Labels), batch.Rows);
        if (objective.LabelType != ScalarType.Float32) labels = labels.to(objective.LabelType);
        var weights = batch.Weights is null ? null : HostTensors.Float32(batch.Weights, batch.Rows);
        if (device.type != DeviceType.CPU)
        {
            input = input.to(device);
            labels = labels.to(device);
            weights = weights?.to(device);
        }
        return (input, labels, weights);
    }

    private ReadOnlySpan<float> Labels(float[] labels) =>
        settings.LabelStandardization is { } standardization ? standardization.Standardize(labels) : labels;

    /// <summary>Throws when a batch is not Rows × FeatureCount features with one label (and weight) per row, or a label does not fit the task.</summary>
    public void CheckBatch(Batch batch, int featureCount)
    {
        if (batch.Rows <= 0 || batch.Features.Length != (long)batch.Rows * featureCount || batch.Labels.Length != batch.Rows
            || (batch.Weights is not null && batch.Weights.Length != batch.Rows))
            throw new InvalidOperationException(
                $"A batch must hold Rows > 0, Rows × FeatureCount features, and Rows labels (and weights); received Rows = {batch.Rows}, "
                + $"{batch.Features.Length} features for FeatureCount {featureCount}, {batch.Labels.Length} labels, {batch.Weights?.Length.ToString() ?? "no"} weights.");
        objective.CheckLabels(batch.Labels, outputs);
    }

    public void Dispose()
    {
        _resident?.Dispose();
        _resident = null;
    }

    /// <summary>An in-memory training source copied into tensors (CPU only), with its labels checked once.</summary>
    private sealed class ResidentData(IBatchSource source, int rows, Tensor features, Tensor labels, Tensor? weights, bool shuffle) : IDisposable
    {
        public IBatchSource Source { get; } = source;
        public int Rows { get; } = rows;
        public Tensor Features { get; } = features;
        public Tensor Labels { get; } = labels;
        public Tensor? Weights { get; } = weights;
        public bool Shuffle { get; } = shuffle;

        public void Dispose()
        {
            Features.Dispose();
            Labels.Dispose();
            Weights?.Dispose();
        }
    }
}
