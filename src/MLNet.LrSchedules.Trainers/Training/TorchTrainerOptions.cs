using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.ML;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Settings shared by every TorchSharp trainer (<see cref="TorchNetworkMulticlassTrainer"/>, <see cref="TorchNetworkBinaryTrainer"/>,
/// <see cref="TorchNetworkRegressionTrainer"/>), whatever describes the network: hidden layers (<see cref="TorchMlpOptions"/>)
/// or a <see cref="NetworkSpec"/> (<see cref="TorchNetworkOptions"/>).
/// </summary>
/// <remarks>
/// <para>Every setting is validated when the trainer is created, and the trainer keeps its own copy: changing this object
/// afterwards does not change a trainer created from it. A bad value throws with the option's name, the value and the
/// allowed range.</para>
/// <para>The options remember which of the run's settings were assigned (even to their default value). When a trainer
/// continues a saved run (<see cref="TorchNetworkTrainer.Resume(IDataView, TorchNetworkTransformer)"/>) an assigned setting
/// must agree with the run and an unassigned one is taken from it; fine-tuning keeps the saved network unless the network's
/// settings are assigned.</para>
/// </remarks>
public abstract class TorchTrainerOptions
{
    private ImmutableHashSet<string> _given = ImmutableHashSet<string>.Empty;

    private protected TorchTrainerOptions() { }

    /// <summary>The label column.</summary>
    /// <value>Default <c>"Label"</c>. Multiclass: a key type (use <c>MapValueToKey</c>); binary: <see cref="bool"/>; regression: <see cref="float"/>.</value>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The features column: a known-size vector of <see cref="float"/>.</summary>
    /// <value>Default <c>"Features"</c>.</value>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>An optional column of non-negative <see cref="float"/> example weights.</summary>
    /// <value>Default null: every row weighs 1.</value>
    public string? ExampleWeightColumnName { get; set; }

    /// <summary>The learning-rate schedule, relative to <see cref="LearningRate"/> (except schedules whose rates are absolute, see <see cref="LearningRate"/>). Durations given as a fraction of the run or left open are resolved against the run's total optimizer steps (or epochs, see <see cref="StepScheduleEvery"/>).</summary>
    /// <value>Default null: the constant rate <see cref="LearningRate"/>.</value>
    public LrSchedule? Schedule { get; set => field = Given(value); }

    /// <summary>
    /// The base learning rate: the rate of a run without <see cref="Schedule"/>, and the rate that relative schedules scale
    /// (step, exponential, cosine, warmup, plateau, ...: <c>lr(t) = LearningRate · factor(t)</c>). Schedules that take their
    /// rates as absolute values ignore it, as in the library they come from: one-cycle's <c>max_lr</c> (PyTorch's
    /// <c>OneCycleLR</c>), cyclic's <c>base_lr</c>/<c>max_lr</c> (<c>CyclicLR</c>) and optax's schedules; set the peak there.
    /// </summary>
    /// <value>Default 0.003 (with <see cref="Epochs"/>, <see cref="BatchSize"/>, <see cref="WeightDecay"/> and the default network: the
    /// fastest configuration within two standard errors of the best of a grid scored on validation data, docs/BENCHMARKS.md, "Defaults grid").
    /// Must be finite and &gt; 0.</value>
    public double LearningRate { get; set => field = Given(value); } = 3e-3;

    /// <summary>Number of passes over the training data.</summary>
    /// <value>Default 10. Must be &gt;= 1.</value>
    public int Epochs { get; set => field = Given(value); } = 10;

    /// <summary>Rows per mini-batch.</summary>
    /// <value>Default 64. Must be &gt;= 1.</value>
    public int BatchSize { get; set => field = Given(value); } = 64;

    /// <summary>The optimizer.</summary>
    /// <value>Default <see cref="OptimizerKind.AdamW"/>.</value>
    public OptimizerKind Optimizer { get; set => field = Given(value); } = OptimizerKind.AdamW;

    /// <summary>SGD and RMSprop momentum.</summary>
    /// <value>Default 0.9. Must be in [0, 1).</value>
    public double Momentum { get; set => field = Given(value); } = 0.9;

    /// <summary>Nesterov momentum for SGD.</summary>
    /// <value>Default false. Needs <see cref="Momentum"/> &gt; 0.</value>
    public bool Nesterov { get; set => field = Given(value); }

    /// <summary>L2 penalty (SGD, Adam, RMSprop, Adagrad) or decoupled weight decay (AdamW).</summary>
    /// <value>Default 0.0001. Must be finite and &gt;= 0.</value>
    public double WeightDecay { get; set => field = Given(value); } = 1e-4;

    /// <summary>Adam and AdamW moment decays (beta1, beta2).</summary>
    /// <value>Default (0.9, 0.999). Each must be in [0, 1).</value>
    public (double Beta1, double Beta2) Betas { get; set => field = Given(value); } = (0.9, 0.999);

    /// <summary>Denominator term of Adam, AdamW, RMSprop and Adagrad.</summary>
    /// <value>Default 1e-8. Must be finite and &gt; 0.</value>
    public double Epsilon { get; set => field = Given(value); } = 1e-8;

    /// <summary>Clips the global L2 norm of the gradients before each step.</summary>
    /// <value>Default null: no clipping. When set, must be finite and &gt; 0.</value>
    public double? GradientClipNorm { get; set => field = Given(value); }

    /// <summary>Whether the schedule advances once per optimizer step or once per epoch.</summary>
    /// <value>Default <see cref="ScheduleStepUnit.Step"/>.</value>
    public ScheduleStepUnit StepScheduleEvery { get; set => field = Given(value); } = ScheduleStepUnit.Step;

    /// <summary>Seed of the weight initialization and of the per-epoch shuffles.</summary>
    /// <value>Default null: the <see cref="MLContext"/>'s seed when it has one, else 0.</value>
    public int? Seed { get; set => field = Given(value); }

    /// <summary>Data scored after each epoch (validation loss and metric in the history; drives early stopping and reactive schedules listening to the metric).</summary>
    /// <value>Default null. Must have the same feature and label columns as the training data.</value>
    public IDataView? ValidationSet { get; set; }

    /// <summary>Stops after this many epochs without a better validation loss.</summary>
    /// <value>Default null: never stops early. When set, must be &gt;= 1 and needs <see cref="ValidationSet"/>.</value>
    public int? EarlyStoppingPatience { get; set => field = Given(value); }

    /// <summary>
    /// With early stopping (<see cref="EarlyStoppingPatience"/> set), ends with the weights of the epoch with the best
    /// validation loss rather than the last epoch's, whether the run stopped early or ran all its epochs. Without early
    /// stopping it has no effect: the model holds the last epoch's weights.
    /// </summary>
    /// <value>Default true (Keras's <c>restore_best_weights</c> defaults to false: there the epochs after the best are kept
    /// unless asked; here early stopping's purpose is the best epoch, and the last <see cref="EarlyStoppingPatience"/>
    /// epochs are by construction ones that did not improve).</value>
    public bool RestoreBestWeights { get; set => field = Given(value); } = true;

    /// <summary>
    /// When fine-tuning (<see cref="TorchNetworkTrainer.Fit(IDataView, TorchNetworkTransformer)"/>), keeps the weights of the
    /// model's body (every layer but its head) and starts a new head <c>linear(outputs)</c> for this trainer's task and data,
    /// initialized from <see cref="Seed"/>: transfer to another class count, or to another task. Without it, fine-tuning
    /// keeps the whole network and rejects data that needs another head.
    /// </summary>
    /// <value>Default false. Used by fine-tuning only.</value>
    public bool ReplaceHead { get; set; }

    /// <summary>Where to train and score.</summary>
    /// <value>Default <see cref="ComputeDevice.Cpu"/>, which is bit-for-bit reproducible.</value>
    public ComputeDevice Device { get; set => field = Given(value); } = ComputeDevice.Cpu;

    /// <summary>
    /// libtorch's intra-op CPU threads while training (ML.NET's name for it). Set for the training thread during <c>Fit</c> and
    /// restored afterwards; saved with the model's settings, and a resumed run uses the saved count unless this is set.
    /// </summary>
    /// <value>
    /// Default null: chosen from the work of one optimizer step (the network's multiply-adds × the batch size), one thread per
    /// 20 million multiply-adds, at most libtorch's default (the machine's physical cores): small networks train on one thread,
    /// which is fastest for them and does not collapse when other processes share the CPU (docs/THREADS.md). When set, must be
    /// &gt;= 1. On the CPU a run is bit-reproducible for a given count; another count may change the last bits of the weights.
    /// </value>
    public int? NumberOfThreads { get; set; }

    /// <summary>Where the fitted transformer scores; null scores on <see cref="Device"/>. Not saved with the model: a loaded model
    /// scores where it was trained when that device is there, else on the CPU; <see cref="TorchNetworkTransformer.WithDevice"/> picks another.</summary>
    /// <value>Default null.</value>
    public ComputeDevice? ScoringDevice { get; set; }

    /// <summary>How the training data (and the validation set) is read: into memory once, or streamed from the <see cref="IDataView"/> every epoch.</summary>
    /// <value>Default <see cref="Trainers.DataLoading.Auto"/>: in memory when the features take at most <see cref="StreamingThresholdBytes"/>, streamed above.</value>
    public DataLoading DataLoading { get; set; } = DataLoading.Auto;

    /// <summary>With <see cref="Trainers.DataLoading.Auto"/>, the size of the features (rows × features × 4 bytes) above which the data is streamed.</summary>
    /// <value>Default 1 GiB (1,073,741,824 bytes: about 340,000 rows of 784 features). Must be &gt;= 0.</value>
    public long StreamingThresholdBytes { get; set; } = 1L << 30;

    /// <summary>When streaming, the number of rows read, shuffled together and held in memory at once (the shuffle is within windows of this many rows, in the data's order).</summary>
    /// <value>Default 65,536 rows (about 200 MB at 784 features). Must be &gt;= 1. When the whole data fits in one window, streaming shuffles exactly as the in-memory read does.</value>
    public int ShuffleWindowRows { get; set; } = 65_536;

    /// <summary>Whether the rows are shuffled each epoch (deterministically from the seed and the epoch).</summary>
    /// <value>Default true. Set false to train in the data's order (for data already shuffled on disk, or to compare runs).</value>
    public bool ShuffleRows { get; set => field = Given(value); } = true;

    /// <summary>Receives live progress after each optimizer step (called on the training thread).</summary>
    /// <value>Default null.</value>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Receives a line per epoch (loss, validation, rate) and warnings.</summary>
    /// <value>Default null.</value>
    public ILogger? Logger { get; set; }

    /// <summary>Writes a checkpoint to <see cref="CheckpointPath"/> every this many epochs (and at the end).</summary>
    /// <value>Default null: no checkpoints. When set, must be &gt;= 1 and needs <see cref="CheckpointPath"/>.</value>
    public int? CheckpointEveryEpochs { get; set; }

    /// <summary>
    /// With <see cref="CheckpointEveryEpochs"/>: a due checkpoint is skipped while less than this time has passed since the
    /// previous one was written (or training started), so that short epochs do not spend most of their time writing
    /// checkpoints. The last epoch's checkpoint is always written, and a canceled run writes its last completed epoch; a
    /// killed process loses at most this much training (resuming stays exact: it starts from an older epoch).
    /// </summary>
    /// <value>Default null: every due checkpoint is written. When set, must be &gt;= 0.</value>
    public TimeSpan? CheckpointMinimumInterval { get; set; }

    /// <summary>The checkpoint file: an ML.NET model file holding this trainer's transformer (or, with <see cref="CheckpointPipeline"/>, the whole pipeline), written atomically: a temporary file in the same folder, flushed to disk, then renamed over the previous checkpoint, so a crash at any moment leaves a complete file. Load it with <c>mlContext.Model.Load</c> and pass it to <c>Resume</c>; its <see cref="TorchNetworkModel.EpochsCompleted"/> tells how far the run got.</summary>
    /// <value>Default null.</value>
    public string? CheckpointPath { get; set; }

    /// <summary>
    /// Makes every checkpoint file a complete pipeline: the fitted preprocessing (key mapping, normalizer, ...) saved ahead of
    /// the network, with the raw data's input schema. Such a file loads with <c>mlContext.Model.Load</c> and continues with
    /// <see cref="TorchNetworkTrainer.Resume(IDataView, ITransformer)"/> on the raw data, with nothing else to keep.
    /// </summary>
    /// <value>Default null: a checkpoint holds the network alone, with the trainer's input schema. Used only with <see cref="CheckpointPath"/>.</value>
    public CheckpointPipeline? CheckpointPipeline { get; set; }

    /// <summary>
    /// Stops training before the next optimizer step once canceled (checked before every step and while the data is read):
    /// the trainer then throws <see cref="TorchNetworkCanceledException"/> (an <see cref="OperationCanceledException"/>)
    /// holding the model at the end of the last completed epoch, which <c>Resume</c> continues; with
    /// <see cref="CheckpointPath"/> that state is also in the checkpoint file. ML.NET's estimators' <c>Fit</c> takes no token
    /// (and a pipeline's <c>Fit</c> calls the trainer's), so the token is an option.
    /// </summary>
    /// <value>Default <see cref="CancellationToken.None"/>. <c>mlContext.CancelExecution()</c> (internal in ML.NET 5, used by AutoML) cancels too.</value>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Records that the setting <paramref name="name"/> was assigned; returns <paramref name="value"/>.</summary>
    private protected T Given<T>(T value, [CallerMemberName] string name = "")
    {
        _given = _given.Add(name);
        return value;
    }

    /// <summary>True when the setting <paramref name="name"/> (a property name) was assigned.</summary>
    internal bool IsGiven(string name) => _given.Contains(name);

    /// <summary>
    /// A copy that the caller cannot change through the objects it holds: collections are copied; the schedule, network spec
    /// and data views are immutable or read-only to the trainer.
    /// </summary>
    internal TorchTrainerOptions Copy()
    {
        var copy = (TorchTrainerOptions)MemberwiseClone();
        copy.CopyCollections();
        return copy;
    }

    /// <summary>Replaces the mutable collections a caller may still hold with copies (called on a fresh <see cref="Copy"/>).</summary>
    private protected virtual void CopyCollections() { }

    /// <summary>Throws when a setting is out of range; the message names the option, the value and the allowed range.</summary>
    internal void Validate()
    {
        RequireName(LabelColumnName, nameof(LabelColumnName));
        RequireName(FeatureColumnName, nameof(FeatureColumnName));
        if (ExampleWeightColumnName is not null) RequireName(ExampleWeightColumnName, nameof(ExampleWeightColumnName));
        Require(double.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), LearningRate, "a finite number > 0");
        Require(Epochs >= 1, nameof(Epochs), Epochs, "an integer >= 1");
        Require(BatchSize >= 1, nameof(BatchSize), BatchSize, "an integer >= 1");
        ValidateNetwork();
        Require(Enum.IsDefined(Optimizer), nameof(Optimizer), Optimizer, $"one of {string.Join(", ", Enum.GetNames<OptimizerKind>())}");
        Require(Momentum >= 0 && Momentum < 1, nameof(Momentum), Momentum, "in [0, 1)");
        if (Nesterov && Optimizer == OptimizerKind.Sgd)
            Require(Momentum > 0, nameof(Momentum), Momentum, "> 0 when Nesterov is true");
        Require(double.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "a finite number >= 0");
        Require(Betas.Beta1 >= 0 && Betas.Beta1 < 1, "Betas.Beta1", Betas.Beta1, "in [0, 1)");
        Require(Betas.Beta2 >= 0 && Betas.Beta2 < 1, "Betas.Beta2", Betas.Beta2, "in [0, 1)");
        Require(double.IsFinite(Epsilon) && Epsilon > 0, nameof(Epsilon), Epsilon, "a finite number > 0");
        if (GradientClipNorm is { } clip)
            Require(double.IsFinite(clip) && clip > 0, nameof(GradientClipNorm), clip, "null or a finite number > 0");
        Require(Enum.IsDefined(StepScheduleEvery), nameof(StepScheduleEvery), StepScheduleEvery, "Step or Epoch");
        Require(Enum.IsDefined(Device), nameof(Device), Device, "Cpu, Cuda or Auto");
        if (NumberOfThreads is { } threads)
            Require(threads >= 1, nameof(NumberOfThreads), threads, "null (chosen from the work per step) or an integer >= 1");
        if (ScoringDevice is { } scoringDevice)
            Require(Enum.IsDefined(scoringDevice), nameof(ScoringDevice), scoringDevice, "null, Cpu, Cuda or Auto");
        Require(Enum.IsDefined(DataLoading), nameof(DataLoading), DataLoading, "Auto, InMemory or Streaming");
        Require(StreamingThresholdBytes >= 0, nameof(StreamingThresholdBytes), StreamingThresholdBytes, "an integer >= 0");
        Require(ShuffleWindowRows >= 1, nameof(ShuffleWindowRows), ShuffleWindowRows, "an integer >= 1");
        if (EarlyStoppingPatience is { } patience)
        {
            Require(patience >= 1, nameof(EarlyStoppingPatience), patience, "null or an integer >= 1");
            if (ValidationSet is null)
                throw new ArgumentException($"Option 'EarlyStoppingPatience' ({patience}) needs a ValidationSet to measure the validation loss; set ValidationSet or leave EarlyStoppingPatience null.", nameof(EarlyStoppingPatience));
        }
        if (CheckpointEveryEpochs is { } every)
        {
            Require(every >= 1, nameof(CheckpointEveryEpochs), every, "null or an integer >= 1");
            if (string.IsNullOrWhiteSpace(CheckpointPath))
                throw new ArgumentException($"Option 'CheckpointEveryEpochs' ({every}) needs a CheckpointPath to write to.", nameof(CheckpointPath));
        }
        if (CheckpointMinimumInterval is { } interval)
            Require(interval >= TimeSpan.Zero, nameof(CheckpointMinimumInterval), interval, "null or a duration >= 0");
    }

    /// <summary>The engine's settings for a run of <paramref name="task"/> on the resolved <paramref name="network"/>; the seed is <see cref="Seed"/>, else <paramref name="contextSeed"/>, else 0.</summary>
    internal EngineSettings EngineSettings(TrainingTask task, NetworkSpec network, int? contextSeed) => new(
        task,
        network,
        new OptimizerSettings(Optimizer, Momentum, Nesterov, WeightDecay, Betas.Beta1, Betas.Beta2, Epsilon, GradientClipNorm),
        Schedule ?? new ConstantSchedule(),
        LearningRate,
        Epochs,
        BatchSize,
        StepScheduleEvery,
        Seed ?? contextSeed ?? 0,
        EarlyStoppingPatience,
        RestoreBestWeights,
        Device,
        NumberOfThreads);

    /// <summary>Throws when the options that describe the network are out of range.</summary>
    private protected abstract void ValidateNetwork();

    /// <summary>The network's body, which the trainer resolves against the data (<see cref="NetworkSpec.Resolve"/>).</summary>
    internal abstract NetworkSpec NetworkBody();

    /// <summary>True when a setting that describes the network was assigned.</summary>
    internal abstract bool NetworkGiven { get; }

    /// <summary>The options that describe the network, for messages.</summary>
    internal abstract string NetworkOptionNames { get; }

    /// <summary>Whether a regression run standardizes its label (the regression options say; never for classification).</summary>
    internal virtual bool StandardizesLabel => false;

    private static void RequireName(string? name, string option)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException($"Option '{option}' must name a column; received {(name is null ? "null" : $"'{name}'")}.", option);
    }

    private protected static void Require(bool ok, string option, object value, string allowed)
    {
        if (!ok)
            throw new ArgumentOutOfRangeException(option, value,
                $"Option '{option}' must be {allowed}; received {Convert.ToString(value, CultureInfo.InvariantCulture)}.");
    }
}

/// <summary>How a trainer reads its training data.</summary>
public enum DataLoading
{
    /// <summary>In memory when the features fit in <see cref="TorchTrainerOptions.StreamingThresholdBytes"/>, else streamed. When the data view does not know its row count, rows are read into memory until the threshold is passed, then streamed.</summary>
    Auto,
    /// <summary>Read once into memory (fastest per epoch; needs rows × features × 4 bytes).</summary>
    InMemory,
    /// <summary>Read from the <see cref="IDataView"/> every epoch with a cursor, shuffled within windows of <see cref="TorchTrainerOptions.ShuffleWindowRows"/> rows; memory does not grow with the row count.</summary>
    Streaming,
}
