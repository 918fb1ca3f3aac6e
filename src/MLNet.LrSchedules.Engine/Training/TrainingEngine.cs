using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Trains a multilayer perceptron with TorchSharp, setting the learning rate (and the momentum, when the schedule cycles it)
/// on the optimizer's parameter group before every step from an <see cref="LrScheduler"/>.
/// </summary>
/// <remarks>
/// <para>Losses: cross-entropy (multiclass), binary cross-entropy with logits (binary), mean squared error (regression);
/// with example weights each is the weighted mean Σwᵢlᵢ / Σwᵢ.</para>
/// <para>Signals fed to reactive schedules: <see cref="ScheduleSignal.Loss"/> = the step's training loss, after each step;
/// <see cref="ScheduleSignal.Metric"/> = a loss (lower is better) after each epoch: the validation loss when a validation
/// source is given, else the epoch's mean training loss; <see cref="ScheduleSignal.GradientDot"/> (computed only when the
/// schedule listens to it) = the dot product of the current gradient with the previous step's update direction
/// (θ_before − θ_after) / lr, before the step's rate is read — for plain SGD that is the previous gradient.</para>
/// <para>Early stopping and <see cref="EngineSettings.RestoreBestWeights"/> monitor the same loss as the Metric signal.
/// With <see cref="EngineSettings.RestoreBestWeights"/> the result's weights are the best epoch's whether or not training stopped early.</para>
/// <para>Determinism: initialization depends on the seed only, and the shuffle order and dropout masks of an epoch on
/// (seed, epoch) only; a run resumed from an epoch's <see cref="TrainingCheckpoint"/> ends with the same weights, bit for bit on
/// the CPU, as the uninterrupted run. On CUDA, dropout masks come from the device's global generator reseeded each epoch
/// (TorchSharp 0.107 has no CUDA generator objects), and CUDA kernels are not guaranteed bit-reproducible.</para>
/// <para>Not thread-safe: one engine per run. Epoch numbers are 1-based; optimizer steps are 0-based as in the schedule.</para>
/// </remarks>
public sealed class TrainingEngine : IDisposable
{
    private readonly EngineSettings _settings;
    private readonly Device _device;
    private readonly MlpNetwork _network;
    private readonly optim.Optimizer _optimizer;
    private readonly TrainingCheckpoint? _resumeFrom;
    private LrScheduler? _scheduler;
    private TrainingHistory _history = TrainingHistory.Empty;
    private int _epochsCompleted;
    private long _stepsCompleted;
    private long _totalSteps;
    private double? _bestLoss;
    private int _bestEpoch;
    private int _epochsWithoutImprovement;
    private byte[]? _bestWeights;
    private TrainingCheckpoint? _lastCheckpoint;
    private Tensor? _previousDirection;
    private bool _disposed;

    /// <summary>Prepares a run: builds the network on the device and the optimizer.</summary>
    /// <param name="settings">The run's settings.</param>
    /// <param name="resumeFrom">A checkpoint to continue from (its weights, optimizer state, scheduler state, history); training resumes at the epoch after it.</param>
    /// <param name="initialWeights">Weights to start from (fine-tuning) with a fresh optimizer and a new schedule; null for a seeded random initialization.</param>
    /// <exception cref="ArgumentException">Invalid settings, or a checkpoint or weights of another network.</exception>
    /// <exception cref="InvalidOperationException">CUDA was requested and no CUDA backend is available.</exception>
    public TrainingEngine(EngineSettings settings, TrainingCheckpoint? resumeFrom = null, byte[]? initialWeights = null)
    {
        Validate(settings);
        if (resumeFrom is not null && initialWeights is not null)
            throw new ArgumentException("Parameters 'resumeFrom' and 'initialWeights' are exclusive: resume a run, or fine-tune from weights with a fresh optimizer and schedule.", nameof(initialWeights));
        if (resumeFrom is not null)
        {
            if (!NetworkSpecs.SameShape(resumeFrom.Network, settings.Network))
                throw new ArgumentException($"Parameter 'resumeFrom' holds a network of another shape ({NetworkSpecs.Describe(resumeFrom.Network)}) than settings.Network ({NetworkSpecs.Describe(settings.Network)}).", nameof(resumeFrom));
            if (resumeFrom.Settings.Task != settings.Task)
                throw new ArgumentException($"Parameter 'resumeFrom' is a checkpoint of a {resumeFrom.Settings.Task} run; settings.Task is {settings.Task}.", nameof(resumeFrom));
            if (resumeFrom.Settings.Optimizer.Kind != settings.Optimizer.Kind)
                throw new ArgumentException($"Parameter 'resumeFrom' holds the state of a {resumeFrom.Settings.Optimizer.Kind} optimizer; settings.Optimizer.Kind is {settings.Optimizer.Kind}.", nameof(resumeFrom));
        }

        _settings = settings;
        _resumeFrom = resumeFrom;
        _device = TorchDevices.Resolve(settings.Device);
        _network = new MlpNetwork(settings.Network, settings.Seed);
        try
        {
            if (resumeFrom is not null) _network.LoadWeights(resumeFrom.Weights);
            else if (initialWeights is not null) _network.LoadWeights(initialWeights);
            if (_device.type != DeviceType.CPU) _network.to(_device);
            _optimizer = Optimizers.Create(settings.Optimizer, _network.parameters(), settings.LearningRate);
            if (resumeFrom is not null)
            {
                Optimizers.LoadState(_optimizer, resumeFrom.OptimizerState, _device);
                _history = resumeFrom.History;
                _epochsCompleted = resumeFrom.EpochsCompleted;
                _stepsCompleted = resumeFrom.StepsCompleted;
                _bestLoss = resumeFrom.BestLoss;
                _bestEpoch = resumeFrom.BestEpoch;
                _epochsWithoutImprovement = resumeFrom.EpochsWithoutImprovement;
                _bestWeights = resumeFrom.BestWeights;
                _lastCheckpoint = resumeFrom;
                _previousDirection = RestoreDirection(resumeFrom.PreviousUpdateDirection);
            }
        }
        catch
        {
            _network.Dispose();
            throw;
        }
    }

    /// <summary>The run's settings.</summary>
    public EngineSettings Settings => _settings;

    /// <summary>The device the network lives on (for example "cpu" or "cuda:0").</summary>
    public string DeviceName => _device.ToString();

    /// <summary>Epochs completed so far (including those of a resumed checkpoint).</summary>
    public int EpochsCompleted => _epochsCompleted;

    /// <summary>Optimizer steps completed so far (including those of a resumed checkpoint).</summary>
    public long StepsCompleted => _stepsCompleted;

    /// <summary>The scheduler driving the run, once <see cref="Train"/> has started; null before.</summary>
    public LrScheduler? Scheduler => _scheduler;

    /// <summary>The momentum (SGD, RMSprop) or beta1 (Adam, AdamW) currently on the optimizer's first parameter group.</summary>
    public double? OptimizerMomentum => Optimizers.CurrentMomentum(_optimizer);

    /// <summary>The learning rate currently on the optimizer's first parameter group.</summary>
    public double OptimizerLearningRate => _optimizer.ParamGroups.First().LearningRate;

    /// <summary>The network's current weights in TorchSharp's module format.</summary>
    public byte[] GetWeights()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _network.SaveWeights();
    }

    /// <summary>
    /// Trains from the epoch after the last completed one up to <see cref="EngineSettings.Epochs"/>, or until early stopping.
    /// </summary>
    /// <param name="train">The training batches, shuffled each epoch.</param>
    /// <param name="validation">Optional validation batches, scored after each epoch.</param>
    /// <param name="progress">Receives a report after every optimizer step.</param>
    /// <param name="logger">Receives one line per epoch, and warnings.</param>
    /// <param name="cancellationToken">Checked before every optimizer step.</param>
    /// <param name="onEpochEnd">Called with a checkpoint after every epoch (to save it, or to stop by cancelling).</param>
    /// <returns>The model's weights and a checkpoint from which to continue.</returns>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite; the engine is rolled back to the last completed epoch.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the engine is rolled back to the last completed epoch (as for any other failure), so <see cref="Train"/> may be called again.</exception>
    public TrainingResult Train(
        IBatchSource train,
        IBatchSource? validation,
        IProgress<TrainingProgress>? progress,
        ILogger? logger,
        CancellationToken cancellationToken,
        Action<TrainingCheckpoint>? onEpochEnd = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(train);
        CheckSource(train, nameof(train));
        if (validation is not null) CheckSource(validation, nameof(validation));

        long batchesPerEpoch = train.RowCount is { } rows
            ? (rows + _settings.BatchSize - 1) / _settings.BatchSize
            : CountBatches(train);
        if (batchesPerEpoch == 0)
            throw new ArgumentException("Parameter 'train' holds no rows.", nameof(train));
        _totalSteps = checked(_settings.Epochs * batchesPerEpoch);
        _scheduler ??= _resumeFrom is not null
            ? new LrScheduler(_resumeFrom.Schedule, _resumeFrom.SchedulerState, _totalSteps)
            : new LrScheduler(_settings.Schedule, _settings.LearningRate, _settings.StepUnit == ScheduleStepUnit.Step ? _totalSteps : _settings.Epochs);
        _lastCheckpoint ??= Capture();
        if (_scheduler.Momentum is not null && !Optimizers.HasMomentum(_settings.Optimizer.Kind))
            logger?.LogWarning("The schedule cycles momentum but {Optimizer} has no momentum; only the learning rate follows the schedule.", _settings.Optimizer.Kind);

        _resident?.Dispose();
        _resident = MakeResident(train);
        var stopReason = TrainingStopReason.Completed;
        var clock = Stopwatch.StartNew();
        long stepsAtStart = _stepsCompleted;
        try
        {
            for (int epoch = _epochsCompleted + 1; epoch <= _settings.Epochs; epoch++)
            {
                if (_settings.EarlyStoppingPatience is { } patience && _epochsWithoutImprovement >= patience)
                {
                    stopReason = TrainingStopReason.EarlyStopped;
                    break;
                }
                var epochClock = Stopwatch.StartNew();
                var steps = new List<StepRecord>((int)Math.Min(batchesPerEpoch, 1 << 20));
                double trainingLoss = RunEpoch(train, epoch, steps, progress, logger, clock, stepsAtStart, cancellationToken);
                var (validationLoss, validationMetric) = validation is null ? (null, null) : Validate(validation, epoch);

                double monitored = validationLoss ?? trainingLoss;
                if (!double.IsFinite(monitored))
                    throw Diverged(_stepsCompleted - 1, epoch, _scheduler.LearningRate, monitored, logger);
                _scheduler.Report(ScheduleSignal.Metric, monitored);
                if (_settings.StepUnit == ScheduleStepUnit.Epoch) _scheduler.Advance();

                if (_bestLoss is not { } best || monitored < best)
                {
                    _bestLoss = monitored;
                    _bestEpoch = epoch;
                    _epochsWithoutImprovement = 0;
                    if (_settings.RestoreBestWeights) _bestWeights = _network.SaveWeights();
                }
                else
                {
                    _epochsWithoutImprovement++;
                }

                var record = new EpochRecord(epoch, trainingLoss, validationLoss, validationMetric, epochClock.Elapsed);
                _history = _history.Append(steps, [record]);
                _epochsCompleted = epoch;
                _lastCheckpoint = Capture();
                if (validationLoss is null)
                    logger?.LogInformation("Epoch {Epoch}/{Epochs}: training loss {TrainingLoss:G6}, learning rate {LearningRate:G6}, {Seconds:F2} s",
                        epoch, _settings.Epochs, trainingLoss, _scheduler.LearningRate, record.WallTime.TotalSeconds);
                else
                    logger?.LogInformation(
                        "Epoch {Epoch}/{Epochs}: training loss {TrainingLoss:G6}, validation loss {ValidationLoss:G6}, validation {MetricName} {ValidationMetric:G6}, learning rate {LearningRate:G6}, {Seconds:F2} s",
                        epoch, _settings.Epochs, trainingLoss, validationLoss, MetricName(_settings.Task), validationMetric, _scheduler.LearningRate, record.WallTime.TotalSeconds);
                onEpochEnd?.Invoke(_lastCheckpoint);
            }
            if (stopReason == TrainingStopReason.Completed && _settings.EarlyStoppingPatience is { } p && _epochsWithoutImprovement >= p && _epochsCompleted < _settings.Epochs)
                stopReason = TrainingStopReason.EarlyStopped;
        }
        catch (Exception error) when (error is not TrainingDivergedException)
        {
            // Cancellation, a bad batch, a failing callback: leave the engine at the last completed epoch, not mid-epoch.
            try
            {
                RollBack();
            }
            catch (Exception rollBackError) when (rollBackError is not OutOfMemoryException)
            {
                throw new AggregateException(error, rollBackError);
            }
            throw;
        }

        if (stopReason == TrainingStopReason.EarlyStopped)
            logger?.LogInformation("Early stopping after epoch {Epoch}: no improvement of the monitored loss for {Patience} epochs (best {BestLoss:G6} at epoch {BestEpoch}).",
                _epochsCompleted, _settings.EarlyStoppingPatience, _bestLoss, _bestEpoch);

        var checkpoint = _lastCheckpoint!;
        byte[] weights = checkpoint.Weights;
        if (_settings.RestoreBestWeights && _bestWeights is not null && _bestEpoch != _epochsCompleted)
        {
            weights = _bestWeights;
            _network.LoadWeights(weights);
        }
        return new TrainingResult(checkpoint, weights, stopReason);
    }

    private double RunEpoch(IBatchSource train, int epoch, List<StepRecord> steps, IProgress<TrainingProgress>? progress, ILogger? logger,
        Stopwatch clock, long stepsAtStart, CancellationToken cancellationToken)
    {
        var scheduler = _scheduler!;
        bool gradientDot = scheduler.Listens == ScheduleSignal.GradientDot;
        var parameters = _network.parameters().ToArray();
        _network.train();
        _network.DropoutGenerator?.Dispose();
        _network.DropoutGenerator = null;
        if (_settings.Network.Dropout > 0)
        {
            ulong dropoutSeed = unchecked((ulong)InMemoryBatchSource.ShuffleSeed(_settings.Seed, epoch) ^ 0x9E3779B97F4A7C15UL);
            // TorchSharp 0.107 creates CPU generators only: on CUDA the masks come from the device's global generator, reseeded per epoch.
            if (_device.type == DeviceType.CPU) _network.DropoutGenerator = new Generator(dropoutSeed, _device);
            else cuda.manual_seed(unchecked((long)dropoutSeed));
        }

        double lossSum = 0;
        long lossRows = 0;
        foreach (var (batch, gather) in EpochBatches(train, epoch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (input, labels, weights) = gather?.Invoke() ?? ToTensors(batch!, train.FeatureCount);
            int batchRows = (int)input.shape[0];

            _optimizer.zero_grad();
            var output = _network.forward(input);
            var loss = Loss(output, labels, weights);
            loss.backward();
            double lossValue = loss.item<float>();
            if (!double.IsFinite(lossValue))
                throw Diverged(_stepsCompleted, epoch, scheduler.LearningRate, lossValue, logger);

            if (_settings.Optimizer.GradientClipNorm is { } maxNorm)
                nn.utils.clip_grad_norm_(parameters, maxNorm);

            Tensor? before = null;
            if (gradientDot)
            {
                if (_previousDirection is not null)
                {
                    double dot = Flatten(parameters, gradients: true).dot(_previousDirection).item<float>();
                    if (double.IsFinite(dot)) scheduler.Report(ScheduleSignal.GradientDot, dot);
                }
                before = Flatten(parameters, gradients: false); // cat copies: unaffected by the step
            }

            double learningRate = scheduler.LearningRate;
            double? momentum = Optimizers.Apply(_optimizer, learningRate, scheduler.Momentum);
            _optimizer.step();

            if (before is not null)
            {
                _previousDirection?.Dispose();
                _previousDirection = learningRate > 0
                    ? before.sub_(Flatten(parameters, gradients: false)).div_(learningRate).DetachFromDisposeScope()
                    : null;
            }

            scheduler.Report(ScheduleSignal.Loss, lossValue);
            if (_settings.StepUnit == ScheduleStepUnit.Step) scheduler.Advance();
            steps.Add(new StepRecord(_stepsCompleted, epoch, learningRate, lossValue, momentum));
            _stepsCompleted++;
            lossSum += lossValue * batchRows;
            lossRows += batchRows;

            if (progress is not null)
            {
                var elapsed = clock.Elapsed;
                long done = _stepsCompleted - stepsAtStart;
                TimeSpan? remaining = done > 0 && _totalSteps >= _stepsCompleted
                    ? TimeSpan.FromTicks((long)(elapsed.Ticks / (double)done * (_totalSteps - _stepsCompleted)))
                    : null;
                progress.Report(new TrainingProgress(epoch, _settings.Epochs, _stepsCompleted, _totalSteps, lossValue, learningRate, elapsed, remaining));
            }
        }
        if (lossRows == 0)
            throw new InvalidOperationException($"The training source returned no batches in epoch {epoch}.");
        return lossSum / lossRows;
    }

    /// <summary>
    /// The batches of an epoch. Rows held in memory on the CPU are copied once per <see cref="Train"/> call into one tensor and
    /// each batch is gathered from it with <c>index_select</c> (the same rows in the same order as
    /// <see cref="InMemoryBatchSource.ReadBatches"/>, so the same numbers): no managed copy and no tensor built from a managed
    /// array per step. Any other source goes through <see cref="IBatchSource.ReadBatches"/>, checked batch by batch.
    /// </summary>
    /// <remarks>A resident batch is a function run inside the step's dispose scope, which then owns the gathered tensors.</remarks>
    private IEnumerable<(Batch? Batch, Func<(Tensor Input, Tensor Labels, Tensor? Weights)>? Gather)> EpochBatches(IBatchSource train, int epoch)
    {
        if (_resident is null || !ReferenceEquals(_resident.Source, train))
        {
            foreach (var batch in train.ReadBatches(_settings.BatchSize, epoch, _settings.Seed, shuffle: true))
            {
                CheckBatch(batch, train.FeatureCount);
                yield return (batch, null);
            }
            yield break;
        }
        int rows = _resident.Rows;
        var resident = _resident;
        var order = InMemoryBatchSource.EpochOrder(rows, epoch, _settings.Seed, resident.Shuffle);
        using var orderTensor = HostTensors.Int64(Array.ConvertAll(order, i => (long)i)).DetachFromDisposeScope();
        for (int start = 0; start < rows; start += _settings.BatchSize)
        {
            int first = start, count = Math.Min(_settings.BatchSize, rows - start);
            yield return (null, () =>
            {
                var index = orderTensor.narrow(0, first, count);
                return (resident.Features.index_select(0, index), resident.Labels.index_select(0, index), resident.Weights?.index_select(0, index));
            });
        }
    }

    private ResidentData? _resident;

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

    private ResidentData? MakeResident(IBatchSource train)
    {
        if (train is not InMemoryBatchSource memory || _device.type != DeviceType.CPU) return null;
        int rows = memory.Labels.Length;
        if (rows == 0) return null;
        CheckBatch(new Batch(memory.Features, memory.Labels, memory.Weights, rows), memory.FeatureCount);
        var features = HostTensors.Float32(memory.Features, rows, memory.FeatureCount).DetachFromDisposeScope();
        var labels = HostTensors.Float32(memory.Labels, rows);
        if (_settings.Task == TrainingTask.MulticlassClassification)
        {
            var indices = labels.to(ScalarType.Int64);
            labels.Dispose();
            labels = indices;
        }
        var weights = memory.Weights is null ? null : HostTensors.Float32(memory.Weights, rows).DetachFromDisposeScope();
        return new ResidentData(train, rows, features, labels.DetachFromDisposeScope(), weights, shuffle: !memory.InDataOrder);
    }

    private (double? Loss, double? Metric) Validate(IBatchSource validation, int epoch)
    {
        _network.eval();
        using var _ = no_grad();
        double lossSum = 0, weightSum = 0, metricSum = 0;
        long rows = 0;
        foreach (var batch in validation.ReadBatches(_settings.BatchSize, epoch, _settings.Seed, shuffle: false))
        {
            CheckBatch(batch, validation.FeatureCount);
            using var scope = NewDisposeScope();
            var (input, labels, weights) = ToTensors(batch, validation.FeatureCount);
            var output = _network.forward(input);
            var perExample = PerExampleLoss(output, labels);
            if (weights is null)
            {
                lossSum += perExample.sum().item<float>();
                weightSum += batch.Rows;
            }
            else
            {
                lossSum += perExample.mul(weights).sum().item<float>();
                weightSum += weights.sum().item<float>();
            }
            metricSum += _settings.Task switch
            {
                TrainingTask.MulticlassClassification => output.argmax(1).eq(labels).sum().item<long>(),
                TrainingTask.BinaryClassification => output.squeeze(1).gt(0).eq(labels.gt(0.5)).sum().item<long>(),
                _ => output.squeeze(1).sub(labels).square().sum().item<float>(),
            };
            rows += batch.Rows;
        }
        if (rows == 0) return (null, null);
        double metric = _settings.Task == TrainingTask.Regression ? Math.Sqrt(metricSum / rows) : metricSum / rows;
        return (lossSum / weightSum, metric);
    }

    /// <summary>The validation metric's name: accuracy (higher is better) for classification, RMSE (lower is better) for regression.</summary>
    public static string MetricName(TrainingTask task) => task == TrainingTask.Regression ? "RMSE" : "accuracy";

    private Tensor Loss(Tensor output, Tensor labels, Tensor? weights)
    {
        // Unweighted: the loss functions' own mean (one kernel forward and backward, as a hand-written loop calls them).
        if (weights is null)
            return _settings.Task switch
            {
                TrainingTask.MulticlassClassification => nn.functional.cross_entropy(output, labels),
                TrainingTask.BinaryClassification => nn.functional.binary_cross_entropy_with_logits(output.squeeze(1), labels),
                _ => nn.functional.mse_loss(output.squeeze(1), labels),
            };
        var perExample = PerExampleLoss(output, labels);
        return weights is null ? perExample.mean() : perExample.mul(weights).sum().div(weights.sum());
    }

    private Tensor PerExampleLoss(Tensor output, Tensor labels) => _settings.Task switch
    {
        TrainingTask.MulticlassClassification => nn.functional.cross_entropy(output, labels, reduction: nn.Reduction.None),
        TrainingTask.BinaryClassification => nn.functional.binary_cross_entropy_with_logits(output.squeeze(1), labels, reduction: nn.Reduction.None),
        _ => output.squeeze(1).sub(labels).square(),
    };

    private (Tensor Input, Tensor Labels, Tensor? Weights) ToTensors(Batch batch, int featureCount)
    {
        var input = HostTensors.Float32(batch.Features, batch.Rows, featureCount);
        var labels = HostTensors.Float32(batch.Labels, batch.Rows);
        if (_settings.Task == TrainingTask.MulticlassClassification) labels = labels.to(ScalarType.Int64);
        var weights = batch.Weights is null ? null : HostTensors.Float32(batch.Weights, batch.Rows);
        if (_device.type != DeviceType.CPU)
        {
            input = input.to(_device);
            labels = labels.to(_device);
            weights = weights?.to(_device);
        }
        return (input, labels, weights);
    }

    private void CheckBatch(Batch batch, int featureCount)
    {
        if (batch.Rows <= 0 || batch.Features.Length != (long)batch.Rows * featureCount || batch.Labels.Length != batch.Rows
            || (batch.Weights is not null && batch.Weights.Length != batch.Rows))
            throw new InvalidOperationException(
                $"A batch must hold Rows > 0, Rows × FeatureCount features, and Rows labels (and weights); received Rows = {batch.Rows}, "
                + $"{batch.Features.Length} features for FeatureCount {featureCount}, {batch.Labels.Length} labels, {batch.Weights?.Length.ToString() ?? "no"} weights.");
        if (_settings.Task == TrainingTask.MulticlassClassification)
        {
            int classes = _settings.Network.OutputSize;
            foreach (float label in batch.Labels)
                if (!(label >= 0 && label < classes) || label != MathF.Floor(label))
                    throw new InvalidOperationException($"A multiclass label must be a class index in [0, {classes - 1}]; received {label}.");
        }
        else if (_settings.Task == TrainingTask.BinaryClassification)
        {
            foreach (float label in batch.Labels)
                if (!(label >= 0 && label <= 1))
                    throw new InvalidOperationException($"A binary label must be in [0, 1] (0 = negative, 1 = positive); received {label}.");
        }
    }

    private static Tensor Flatten(IReadOnlyList<Tensor> parameters, bool gradients)
    {
        var parts = new Tensor[parameters.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            var source = gradients ? parameters[i].grad ?? zeros_like(parameters[i]) : parameters[i].detach();
            parts[i] = source.flatten();
        }
        return cat(parts, 0);
    }

    private long CountBatches(IBatchSource source)
    {
        long count = 0;
        foreach (var _ in source.ReadBatches(_settings.BatchSize, 0, _settings.Seed, shuffle: false)) count++;
        return count;
    }

    private void CheckSource(IBatchSource source, string name)
    {
        if (source.FeatureCount != _settings.Network.InputSize)
            throw new ArgumentException($"Parameter '{name}' has {source.FeatureCount} features per row; the network expects InputSize = {_settings.Network.InputSize}.", name);
    }

    private TrainingCheckpoint Capture() => new(
        _settings, _network.SaveWeights(), Optimizers.SaveState(_optimizer), _scheduler!.Schedule, _scheduler.GetState(), _history,
        _epochsCompleted, _stepsCompleted, _totalSteps, _bestLoss, _bestEpoch, _epochsWithoutImprovement, _bestWeights,
        SaveDirection());

    private float[]? SaveDirection()
    {
        if (_previousDirection is null) return null;
        using var cpu = _previousDirection.cpu();
        return cpu.data<float>().ToArray();
    }

    private Tensor? RestoreDirection(float[]? direction)
    {
        if (direction is null) return null;
        long parameterCount = _network.parameters().Sum(p => p.numel());
        if (direction.Length != parameterCount)
            throw new ArgumentException($"The checkpoint's PreviousUpdateDirection holds {direction.Length} values; the network has {parameterCount} parameters.", "resumeFrom");
        var restored = HostTensors.Float32(direction, direction.Length);
        return _device.type == DeviceType.CPU ? restored.DetachFromDisposeScope() : restored.to(_device).DetachFromDisposeScope();
    }

    private TrainingDivergedException Diverged(long step, int epoch, double learningRate, double loss, ILogger? logger)
    {
        RollBack();
        var lastGood = new TrainingResult(_lastCheckpoint!, _lastCheckpoint!.Weights, TrainingStopReason.Diverged);
        var exception = new TrainingDivergedException(step, epoch, learningRate, loss, lastGood);
        logger?.LogWarning("{Message}", exception.Message);
        return exception;
    }

    /// <summary>Returns the network, optimizer and scheduler to the last checkpoint (the end of the last completed epoch).</summary>
    private void RollBack()
    {
        var checkpoint = _lastCheckpoint!;
        _network.LoadWeights(checkpoint.Weights);
        Optimizers.LoadState(_optimizer, checkpoint.OptimizerState, _device);
        _scheduler = new LrScheduler(checkpoint.Schedule, checkpoint.SchedulerState);
        _history = checkpoint.History;
        _epochsCompleted = checkpoint.EpochsCompleted;
        _stepsCompleted = checkpoint.StepsCompleted;
        _bestLoss = checkpoint.BestLoss;
        _bestEpoch = checkpoint.BestEpoch;
        _epochsWithoutImprovement = checkpoint.EpochsWithoutImprovement;
        _bestWeights = checkpoint.BestWeights;
        _previousDirection?.Dispose();
        _previousDirection = RestoreDirection(checkpoint.PreviousUpdateDirection);
    }

    private static void Validate(EngineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(settings.Schedule, "settings.Schedule");
        NetworkSpecs.Validate(settings.Network);
        Optimizers.Validate(settings.Optimizer);
        if (!(settings.LearningRate >= 0) || double.IsInfinity(settings.LearningRate))
            throw new ArgumentOutOfRangeException(nameof(settings), settings.LearningRate, $"EngineSettings.LearningRate must be finite and >= 0; received {settings.LearningRate}.");
        if (settings.Epochs <= 0)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.Epochs, $"EngineSettings.Epochs must be > 0; received {settings.Epochs}.");
        if (settings.BatchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.BatchSize, $"EngineSettings.BatchSize must be > 0; received {settings.BatchSize}.");
        if (settings.EarlyStoppingPatience is { } patience && patience <= 0)
            throw new ArgumentOutOfRangeException(nameof(settings), patience, $"EngineSettings.EarlyStoppingPatience must be > 0 (or null); received {patience}.");
        switch (settings.Task)
        {
            case TrainingTask.MulticlassClassification when settings.Network.OutputSize < 2:
                throw new ArgumentException($"A multiclass network needs OutputSize >= 2 (one output per class); received {settings.Network.OutputSize}.", nameof(settings));
            case TrainingTask.BinaryClassification or TrainingTask.Regression when settings.Network.OutputSize != 1:
                throw new ArgumentException($"A {settings.Task} network needs OutputSize = 1; received {settings.Network.OutputSize}.", nameof(settings));
            case TrainingTask.MulticlassClassification or TrainingTask.BinaryClassification or TrainingTask.Regression:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(settings), settings.Task, $"EngineSettings.Task must be MulticlassClassification, BinaryClassification or Regression; received {settings.Task}.");
        }
    }

    /// <summary>Frees the network, the optimizer and their native tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _resident?.Dispose();
        _resident = null;
        _previousDirection?.Dispose();
        _optimizer?.Dispose();
        _network.Dispose();
    }
}
