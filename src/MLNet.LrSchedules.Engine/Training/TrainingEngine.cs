using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MLNet.LrSchedules.Trainers.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Trains a network of any <see cref="NetworkSpec"/> with TorchSharp, setting the learning rate (and the momentum, when the
/// schedule cycles it) on the optimizer's parameter group before every step from an <see cref="LrScheduler"/>.
/// </summary>
/// <remarks>
/// <para>The task (<see cref="EngineSettings.Task"/>) decides only the loss, the labels' checks and the validation metric:
/// cross-entropy and accuracy (multiclass), binary cross-entropy with logits and accuracy (binary), mean squared error and
/// RMSE (regression); with example weights each loss is the weighted mean Σwᵢlᵢ / Σwᵢ.</para>
/// <para>Signals fed to reactive schedules: <see cref="ScheduleSignal.Loss"/> = the step's training loss, after each step;
/// <see cref="ScheduleSignal.Metric"/> = a loss (lower is better) after each epoch: the validation loss when a validation
/// source is given, else the epoch's mean training loss; <see cref="ScheduleSignal.GradientDot"/> (computed only when the
/// schedule listens to it) = the dot product of the current gradient with the previous step's update direction
/// (θ_before − θ_after) / lr, before the step's rate is read — for plain SGD that is the previous gradient.</para>
/// <para>Early stopping and <see cref="EngineSettings.RestoreBestWeights"/> monitor the same loss as the Metric signal.
/// <see cref="EngineSettings.RestoreBestWeights"/> applies with early stopping only (<see cref="EngineSettings.RestoresBestWeights"/>):
/// the result's weights are then the best epoch's, whether the run stopped early or ran all its epochs; without early
/// stopping they are the last epoch's.</para>
/// <para>A regression run with <see cref="EngineSettings.LabelStandardization"/> trains on the standardized label; its
/// losses are the standardized problem's and its validation RMSE is in the label's units.</para>
/// <para>Determinism: initialization depends on the seed only (see <see cref="TorchModules"/> for modules of your own), and
/// the shuffle order and dropout masks of an epoch on (seed, epoch) only; batch-norm running statistics are part of the
/// weights. A run resumed from an epoch's <see cref="TrainingCheckpoint"/> ends with the same weights, bit for bit on the
/// CPU, as the uninterrupted run. On CUDA, dropout masks come from the device's global generator reseeded each epoch
/// (TorchSharp 0.107 has no CUDA generator objects), and CUDA kernels are not guaranteed bit-reproducible.</para>
/// <para>Not thread-safe: one engine per run. Epoch numbers are 1-based; optimizer steps are 0-based as in the schedule.</para>
/// </remarks>
public sealed class TrainingEngine : IDisposable
{
    private readonly EngineSettings _settings;
    private readonly TaskObjective _objective;
    private readonly Device _device;
    private readonly SequentialNetwork _network;
    private readonly FlatParameters? _flat;
    private readonly optim.Optimizer _optimizer;
    private readonly OptimizerStep _step;
    private readonly BatchFeed _feed;
    private readonly TrainingCheckpoint? _resumeFrom;
    private readonly RunState _state = new();
    private LrScheduler? _scheduler;
    private TrainingCheckpoint? _lastCheckpoint;
    private bool _disposed;

    /// <summary>Prepares a run: builds the network on the device and the optimizer.</summary>
    /// <param name="settings">The run's settings.</param>
    /// <param name="resumeFrom">A checkpoint to continue from (its weights, optimizer state, scheduler state, history); training resumes at the epoch after it.</param>
    /// <param name="initialWeights">Weights to start from (fine-tuning) with a fresh optimizer and a new schedule; null for a seeded random initialization.</param>
    /// <exception cref="ArgumentException">Invalid settings (an unresolved network, or outputs that do not fit the task), or a checkpoint or weights of another network.</exception>
    /// <exception cref="NetworkShapeException">A layer cannot take the shape it receives (found while building modules of your own).</exception>
    /// <exception cref="InvalidOperationException">CUDA was requested and no CUDA backend is available, or a module of your own is not registered.</exception>
    public TrainingEngine(EngineSettings settings, TrainingCheckpoint? resumeFrom = null, byte[]? initialWeights = null)
    {
        _objective = Validate(settings);
        if (resumeFrom is not null && initialWeights is not null)
            throw new ArgumentException("Parameters 'resumeFrom' and 'initialWeights' are exclusive: resume a run, or fine-tune from weights with a fresh optimizer and schedule.", nameof(initialWeights));
        if (resumeFrom is not null)
        {
            if (!resumeFrom.Network.Equals(settings.Network))
                throw new ArgumentException($"Parameter 'resumeFrom' holds another network ({resumeFrom.Network}) than settings.Network ({settings.Network}).", nameof(resumeFrom));
            if (resumeFrom.Settings.Task != settings.Task)
                throw new ArgumentException($"Parameter 'resumeFrom' is a checkpoint of a {resumeFrom.Settings.Task} run; settings.Task is {settings.Task}.", nameof(resumeFrom));
            if (resumeFrom.Settings.Optimizer.Kind != settings.Optimizer.Kind)
                throw new ArgumentException($"Parameter 'resumeFrom' holds the state of a {resumeFrom.Settings.Optimizer.Kind} optimizer; settings.Optimizer.Kind is {settings.Optimizer.Kind}.", nameof(resumeFrom));
            if (resumeFrom.Settings.LabelStandardization != settings.LabelStandardization)
                throw new ArgumentException(
                    $"Parameter 'resumeFrom' is a run whose network learned {Describe(resumeFrom.Settings.LabelStandardization)}; settings.LabelStandardization gives {Describe(settings.LabelStandardization)}.", nameof(resumeFrom));
        }

        _settings = settings;
        _resumeFrom = resumeFrom;
        _device = TorchDevices.Resolve(settings.Device);
        _network = new SequentialNetwork(settings.Network, settings.Seed);
        try
        {
            _objective.CheckOutputs(_network.OutputSize, nameof(settings));
            // The count is part of the run (it can change the last bits), so checkpoints and results record the one used. A step
            // costs about three forward passes of its batch: the forward, and the backward's input and weight gradients.
            _settings = settings with
            {
                NumberOfThreads = settings.NumberOfThreads ?? TorchThreads.ForWork(checked(3L * settings.BatchSize * _network.MultiplyAddsPerExample())),
            };
            if (resumeFrom is not null) _network.LoadWeights(resumeFrom.Weights);
            else if (initialWeights is not null) _network.LoadWeights(initialWeights);
            if (_device.type != DeviceType.CPU) _network.to(_device);
            _flat = FlatParameters.TryCreate(_network.parameters().ToArray());
            _optimizer = Optimizers.Create(settings.Optimizer, _flat is null ? _network.parameters() : [_flat.Values], settings.LearningRate);
            _step = new OptimizerStep(_network, _optimizer, settings.Optimizer, _device);
            _feed = new BatchFeed(settings, _objective, _device, _network.OutputSize);
            if (resumeFrom is not null)
            {
                LoadOptimizerState(resumeFrom.OptimizerState);
                _state.Restore(resumeFrom);
                _lastCheckpoint = resumeFrom;
                _step.RestoreDirection(resumeFrom.PreviousUpdateDirection);
            }
        }
        catch
        {
            _optimizer?.Dispose();
            _flat?.Dispose();
            _network.Dispose();
            throw;
        }
    }

    /// <summary>The run's settings, with <see cref="EngineSettings.NumberOfThreads"/> resolved to the count this run uses.</summary>
    public EngineSettings Settings => _settings;

    /// <summary>The device the network lives on (for example "cpu" or "cuda:0").</summary>
    public string DeviceName => _device.ToString();

    /// <summary>Epochs completed so far (including those of a resumed checkpoint).</summary>
    public int EpochsCompleted => _state.EpochsCompleted;

    /// <summary>Optimizer steps completed so far (including those of a resumed checkpoint).</summary>
    public long StepsCompleted => _state.StepsCompleted;

    /// <summary>
    /// The state at the end of the last completed epoch (the resumed checkpoint, or the start of the run once <see cref="Train"/>
    /// has begun); what a canceled or failed <see cref="Train"/> rolled back to. Null before <see cref="Train"/> of a new run.
    /// </summary>
    public TrainingCheckpoint? LastCheckpoint => _lastCheckpoint;

    /// <summary>The scheduler driving the run, once <see cref="Train"/> has started; null before.</summary>
    public LrScheduler? Scheduler => _scheduler;

    /// <summary>The momentum (SGD, RMSprop) or beta1 (Adam, AdamW) currently on the optimizer's first parameter group.</summary>
    public double? OptimizerMomentum => Optimizers.CurrentMomentum(_optimizer);

    /// <summary>The learning rate currently on the optimizer's first parameter group.</summary>
    public double OptimizerLearningRate => _optimizer.ParamGroups.First().LearningRate;

    /// <summary>The network's current weights (and buffers, such as batch-norm statistics) in TorchSharp's module format.</summary>
    public byte[] GetWeights()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _network.SaveWeights();
    }

    /// <summary>The validation metric's name for <paramref name="task"/>: accuracy (higher is better) for classification, RMSE (lower is better) for regression.</summary>
    public static string MetricName(TrainingTask task) => TaskObjective.For(task).MetricName;

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
        _state.TotalSteps = checked(_settings.Epochs * batchesPerEpoch);
        _scheduler ??= _resumeFrom is not null
            ? new LrScheduler(_resumeFrom.Schedule, _resumeFrom.SchedulerState, _state.TotalSteps)
            : new LrScheduler(_settings.Schedule, _settings.LearningRate, _settings.StepUnit == ScheduleStepUnit.Step ? _state.TotalSteps : _settings.Epochs);
        _lastCheckpoint ??= Capture();
        if (_scheduler.Momentum is not null && !Optimizers.HasMomentum(_settings.Optimizer.Kind))
            logger?.LogWarning("The schedule cycles momentum but {Optimizer} has no momentum; only the learning rate follows the schedule.", _settings.Optimizer.Kind);

        // On this thread only, for this call: another run on another thread keeps its own count, and the caller's comes back.
        using var threads = TorchThreads.Use(_settings.NumberOfThreads!.Value);
        _feed.Prepare(train);
        var stopReason = TrainingStopReason.Completed;
        var clock = Stopwatch.StartNew();
        long stepsAtStart = _state.StepsCompleted;
        try
        {
            for (int epoch = _state.EpochsCompleted + 1; epoch <= _settings.Epochs; epoch++)
            {
                if (_state.OutOfPatience(_settings.EarlyStoppingPatience))
                {
                    stopReason = TrainingStopReason.EarlyStopped;
                    break;
                }
                var epochClock = Stopwatch.StartNew();
                var steps = new List<StepRecord>((int)Math.Min(batchesPerEpoch, 1 << 20));
                double trainingLoss = RunEpoch(train, epoch, steps, progress, logger, clock, stepsAtStart, cancellationToken);
                var (validationLoss, validationMetric) = validation is null
                    ? (null, null)
                    : Validation.Run(_network, _objective, _feed, validation, _settings, epoch);

                double monitored = validationLoss ?? trainingLoss;
                if (!double.IsFinite(monitored))
                    throw Diverged(_state.StepsCompleted - 1, epoch, _scheduler.LearningRate, monitored, logger);
                _scheduler.Report(ScheduleSignal.Metric, monitored);
                if (_settings.StepUnit == ScheduleStepUnit.Epoch) _scheduler.Advance();
                // Serialized once: the checkpoint's weights are also the best epoch's when this epoch is the best.
                byte[] epochWeights = _network.SaveWeights();
                if (_state.Improves(monitored, epoch) && _settings.RestoresBestWeights) _state.BestWeights = epochWeights;

                var record = new EpochRecord(epoch, trainingLoss, validationLoss, validationMetric, epochClock.Elapsed);
                _state.History = _state.History.Append(steps, [record]);
                _state.EpochsCompleted = epoch;
                _lastCheckpoint = Capture(epochWeights);
                if (validationLoss is null)
                    logger?.LogInformation("Epoch {Epoch}/{Epochs}: training loss {TrainingLoss:G6}, learning rate {LearningRate:G6}, {Seconds:F2} s",
                        epoch, _settings.Epochs, trainingLoss, _scheduler.LearningRate, record.WallTime.TotalSeconds);
                else
                    logger?.LogInformation(
                        "Epoch {Epoch}/{Epochs}: training loss {TrainingLoss:G6}, validation loss {ValidationLoss:G6}, validation {MetricName} {ValidationMetric:G6}, learning rate {LearningRate:G6}, {Seconds:F2} s",
                        epoch, _settings.Epochs, trainingLoss, validationLoss, _objective.MetricName, validationMetric, _scheduler.LearningRate, record.WallTime.TotalSeconds);
                onEpochEnd?.Invoke(_lastCheckpoint);
            }
            if (stopReason == TrainingStopReason.Completed && _state.OutOfPatience(_settings.EarlyStoppingPatience) && _state.EpochsCompleted < _settings.Epochs)
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
                _state.EpochsCompleted, _settings.EarlyStoppingPatience, _state.BestLoss, _state.BestEpoch);

        var checkpoint = _lastCheckpoint!;
        byte[] weights = checkpoint.Weights;
        if (_settings.RestoresBestWeights && _state.BestWeights is not null && _state.BestEpoch != _state.EpochsCompleted)
        {
            weights = _state.BestWeights;
            _network.LoadWeights(weights);
        }
        return new TrainingResult(checkpoint, weights, stopReason);
    }

    private double RunEpoch(IBatchSource train, int epoch, List<StepRecord> steps, IProgress<TrainingProgress>? progress, ILogger? logger,
        Stopwatch clock, long stepsAtStart, CancellationToken cancellationToken)
    {
        var scheduler = _scheduler!;
        _network.train();
        _network.DropoutGenerator?.Dispose();
        _network.DropoutGenerator = null;
        if (_network.HasDropout)
        {
            ulong dropoutSeed = unchecked((ulong)InMemoryBatchSource.ShuffleSeed(_settings.Seed, epoch) ^ 0x9E3779B97F4A7C15UL);
            // TorchSharp 0.107 creates CPU generators only: on CUDA the masks come from the device's global generator, reseeded per epoch.
            if (_device.type == DeviceType.CPU) _network.DropoutGenerator = new Generator(dropoutSeed, _device);
            else cuda.manual_seed(unchecked((long)dropoutSeed));
        }

        double lossSum = 0;
        long lossRows = 0;
        foreach (var (batch, gather) in _feed.Epoch(train, epoch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (input, labels, weights) = gather?.Invoke() ?? _feed.ToTensors(batch!, train.FeatureCount);
            int batchRows = (int)input.shape[0];

            double lossValue = _step.Gradients(input, labels, weights, _objective);
            if (!double.IsFinite(lossValue))
                throw Diverged(_state.StepsCompleted, epoch, scheduler.LearningRate, lossValue, logger);
            var (learningRate, momentum) = _step.Update(scheduler);

            scheduler.Report(ScheduleSignal.Loss, lossValue);
            if (_settings.StepUnit == ScheduleStepUnit.Step) scheduler.Advance();
            steps.Add(new StepRecord(_state.StepsCompleted, epoch, learningRate, lossValue, momentum));
            long completed = ++_state.StepsCompleted;
            lossSum += lossValue * batchRows;
            lossRows += batchRows;

            if (progress is not null)
            {
                var elapsed = clock.Elapsed;
                long done = completed - stepsAtStart;
                long total = _state.TotalSteps;
                TimeSpan? remaining = done > 0 && total >= completed
                    ? TimeSpan.FromTicks((long)(elapsed.Ticks / (double)done * (total - completed)))
                    : null;
                progress.Report(new TrainingProgress(epoch, _settings.Epochs, completed, total, lossValue, learningRate, elapsed, remaining));
            }
        }
        if (lossRows == 0)
            throw new InvalidOperationException($"The training source returned no batches in epoch {epoch}.");
        return lossSum / lossRows;
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

    private TrainingCheckpoint Capture(byte[]? weights = null) =>
        _state.Capture(_settings, weights ?? _network.SaveWeights(), Optimizers.SaveState(_optimizer), _scheduler!, _step.SaveDirection());

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
        LoadOptimizerState(checkpoint.OptimizerState);
        _scheduler = new LrScheduler(checkpoint.Schedule, checkpoint.SchedulerState);
        _state.Restore(checkpoint);
        _step.RestoreDirection(checkpoint.PreviousUpdateDirection);
    }

    /// <summary>Loads a checkpoint's optimizer state: this version's, or, for flat parameters, the per-parameter state earlier versions saved.</summary>
    private void LoadOptimizerState(byte[] state) =>
        Optimizers.LoadState(_optimizer, state, _device, _flat is null ? null : (_flat.Shapes, _settings.Optimizer, _settings.LearningRate));

    private static TaskObjective Validate(EngineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(settings.Schedule, "settings.Schedule");
        ArgumentNullException.ThrowIfNull(settings.Network, "settings.Network");
        if (!settings.Network.IsResolved)
            throw new ArgumentException(
                $"EngineSettings.Network must be a resolved spec, with its input size and the task's head; received '{settings.Network}'. Resolve it with NetworkSpec.Resolve(inputSize, outputs).", nameof(settings));
        Optimizers.Validate(settings.Optimizer);
        if (!(settings.LearningRate >= 0) || double.IsInfinity(settings.LearningRate))
            throw new ArgumentOutOfRangeException(nameof(settings), settings.LearningRate, $"EngineSettings.LearningRate must be finite and >= 0; received {settings.LearningRate}.");
        if (settings.Epochs <= 0)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.Epochs, $"EngineSettings.Epochs must be > 0; received {settings.Epochs}.");
        if (settings.BatchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.BatchSize, $"EngineSettings.BatchSize must be > 0; received {settings.BatchSize}.");
        if (settings.NumberOfThreads is { } threads && threads <= 0)
            throw new ArgumentOutOfRangeException(nameof(settings), threads, $"EngineSettings.NumberOfThreads must be > 0 (or null to let the engine choose); received {threads}.");
        if (settings.EarlyStoppingPatience is { } patience && patience <= 0)
            throw new ArgumentOutOfRangeException(nameof(settings), patience, $"EngineSettings.EarlyStoppingPatience must be > 0 (or null); received {patience}.");
        TaskObjective objective;
        try
        {
            objective = TaskObjective.For(settings.Task);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.Task, $"EngineSettings.Task must be MulticlassClassification, BinaryClassification or Regression; received {settings.Task}.");
        }
        if (settings.Network.OutputSize is { } outputs) objective.CheckOutputs(outputs, nameof(settings));
        if (settings.LabelStandardization is not null && settings.Task != TrainingTask.Regression)
            throw new ArgumentException($"EngineSettings.LabelStandardization applies to regression labels only; the task is {settings.Task}.", nameof(settings));
        return objective;
    }

    private static string Describe(LabelStandardization? standardization) => standardization is { } s
        ? $"the standardized label (mean {s.Mean:R}, standard deviation {s.StandardDeviation:R})"
        : "the label as it is";

    /// <summary>Frees the network, the optimizer and their native tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _feed.Dispose();
        _step.Dispose();
        _optimizer.Dispose();
        _flat?.Dispose();
        _network.Dispose();
    }
}
