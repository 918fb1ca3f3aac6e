using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Turns a source's batches into tensors on the device, with the labels checked and typed by the task. Rows held in tensors
/// (<see cref="ResidentBatchSource"/>, what the trainers read in-memory data into) are used where they are; rows of an
/// <see cref="InMemoryBatchSource"/> on the CPU are copied once per <see cref="TrainingEngine.Train"/> call into tensors. Either
/// way each training batch is gathered with <c>index_select</c> (the same rows in the same order as
/// <see cref="InMemoryBatchSource.ReadBatches"/>, so the same numbers) and each validation batch is a slice: no managed copy and
/// no tensor built from a managed array per step. Any other source goes through <see cref="IBatchSource.ReadBatches"/>,
/// checked batch by batch, and is moved to the device once per step. With <see cref="EngineSettings.LabelStandardization"/>
/// every label is standardized on its way into a tensor, the same way on every path (so a streamed run equals an in-memory one).
/// </summary>
internal sealed class BatchFeed(EngineSettings settings, TaskObjective objective, Device device, int outputs) : IDisposable
{
    private ResidentData? _resident;

    /// <summary>The tensors training batches are gathered from, once <see cref="Prepare"/> found the training source resident; null otherwise.</summary>
    internal Tensor? ResidentFeatures => _resident?.Features;

    /// <summary>Makes <paramref name="train"/> resident: its own tensors, or a copy of an in-memory source's arrays (CPU training only).</summary>
    public void Prepare(IBatchSource train)
    {
        _resident?.Dispose();
        _resident = null;
        if (train is ResidentBatchSource tensors)
        {
            if (tensors.Rows == 0) return;
            var raw = HostTensors.Span<float>(tensors.Labels, 0, tensors.Rows);
            objective.CheckLabels(raw, outputs);
            var residentLabels = LabelsUsableAsStored
                ? tensors.Labels
                : TypedLabels(Labels(raw), tensors.Rows).DetachFromDisposeScope();
            _resident = new ResidentData(train, tensors.Rows, tensors.Features, residentLabels, tensors.Weights, !tensors.InDataOrder,
                ownsFeatures: false, ownsLabels: !ReferenceEquals(residentLabels, tensors.Labels));
            return;
        }
        if (train is not InMemoryBatchSource memory || device.type != DeviceType.CPU) return;
        int rows = memory.Labels.Length;
        if (rows == 0) return;
        CheckBatch(new Batch(memory.Features, memory.Labels, memory.Weights, rows), memory.FeatureCount);
        var features = HostTensors.Float32(memory.Features, rows, memory.FeatureCount).DetachFromDisposeScope();
        var labels = TypedLabels(Labels(memory.Labels), rows);
        var weights = memory.Weights is null ? null : HostTensors.Float32(memory.Weights, rows).DetachFromDisposeScope();
        _resident = new ResidentData(train, rows, features, labels.DetachFromDisposeScope(), weights, shuffle: !memory.InDataOrder, ownsFeatures: true, ownsLabels: true);
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
                return ToDevice(resident.Features.index_select(0, index), resident.Labels.index_select(0, index), resident.Weights?.index_select(0, index));
            });
        }
    }

    /// <summary>
    /// The batches of a source scored in its order (validation): slices of a <see cref="ResidentBatchSource"/>'s tensors, or
    /// <see cref="IBatchSource.ReadBatches"/> checked and converted. Each is a function to run inside the caller's dispose scope.
    /// </summary>
    public IEnumerable<Func<(Tensor Input, Tensor Labels, Tensor? Weights, int Rows)>> InOrder(IBatchSource source, int epoch)
    {
        if (source is ResidentBatchSource tensors)
        {
            objective.CheckLabels(HostTensors.Span<float>(tensors.Labels, 0, tensors.Rows), outputs);
            for (int start = 0; start < tensors.Rows; start += settings.BatchSize)
            {
                int first = start, count = Math.Min(settings.BatchSize, tensors.Rows - start);
                yield return () =>
                {
                    var labels = LabelsUsableAsStored
                        ? tensors.Labels.narrow(0, first, count)
                        : TypedLabels(Labels(HostTensors.Span<float>(tensors.Labels, first, count)), count);
                    var (input, typed, weights) = ToDevice(tensors.Features.narrow(0, first, count), labels, tensors.Weights?.narrow(0, first, count));
                    return (input, typed, weights, count);
                };
            }
            yield break;
        }
        foreach (var batch in source.ReadBatches(settings.BatchSize, epoch, settings.Seed, shuffle: false))
        {
            CheckBatch(batch, source.FeatureCount);
            yield return () =>
            {
                var (input, labels, weights) = ToTensors(batch, source.FeatureCount);
                return (input, labels, weights, batch.Rows);
            };
        }
    }

    /// <summary>A batch's features, labels (typed for the task) and weights as tensors on the device.</summary>
    public (Tensor Input, Tensor Labels, Tensor? Weights) ToTensors(Batch batch, int featureCount)
    {
        var input = HostTensors.Float32(batch.Features, batch.Rows, featureCount);
        var labels = TypedLabels(Labels(batch.Labels), batch.Rows);
        var weights = batch.Weights is null ? null : HostTensors.Float32(batch.Weights, batch.Rows);
        return ToDevice(input, labels, weights);
    }

    /// <summary>Whether a resident source's float labels serve as they are: the task takes float labels and none are standardized.</summary>
    private bool LabelsUsableAsStored => objective.LabelType == ScalarType.Float32 && settings.LabelStandardization is null;

    /// <summary>Labels as a tensor of the task's label type.</summary>
    private Tensor TypedLabels(ReadOnlySpan<float> labels, int rows)
    {
        var floats = HostTensors.Float32(labels, rows);
        if (objective.LabelType == ScalarType.Float32) return floats;
        using (floats) return floats.to(objective.LabelType);
    }

    private ReadOnlySpan<float> Labels(ReadOnlySpan<float> labels) =>
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

    private (Tensor Input, Tensor Labels, Tensor? Weights) ToDevice(Tensor input, Tensor labels, Tensor? weights) =>
        device.type == DeviceType.CPU ? (input, labels, weights) : (input.to(device), labels.to(device), weights?.to(device));

    public void Dispose()
    {
        _resident?.Dispose();
        _resident = null;
    }

    /// <summary>A training source's rows in CPU tensors, with its labels checked once and typed for the task; owns only what it copied.</summary>
    private sealed class ResidentData(IBatchSource source, int rows, Tensor features, Tensor labels, Tensor? weights, bool shuffle, bool ownsFeatures, bool ownsLabels) : IDisposable
    {
        public IBatchSource Source { get; } = source;
        public int Rows { get; } = rows;
        public Tensor Features { get; } = features;
        public Tensor Labels { get; } = labels;
        public Tensor? Weights { get; } = weights;
        public bool Shuffle { get; } = shuffle;

        public void Dispose()
        {
            if (ownsFeatures)
            {
                Features.Dispose();
                Weights?.Dispose();
            }
            if (ownsLabels) Labels.Dispose();
        }
    }
}
