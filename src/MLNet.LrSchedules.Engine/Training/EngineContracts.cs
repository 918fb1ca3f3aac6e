using MLNet.LrSchedules;

namespace MLNet.LrSchedules.Trainers;

/// <summary>The kind of prediction a trainer learns.</summary>
public enum TrainingTask
{
    /// <summary>One of several classes; softmax over the outputs, cross-entropy loss.</summary>
    MulticlassClassification,
    /// <summary>Two classes; one logit, binary cross-entropy loss.</summary>
    BinaryClassification,
    /// <summary>A real value; mean squared error loss.</summary>
    Regression,
}

/// <summary>An elementwise activation: the hidden-layer activation of the multilayer perceptron (<see cref="NetworkSpec.Mlp"/>), and a layer of any network.</summary>
public enum Activation
{
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>Gaussian error linear unit.</summary>
    Gelu,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
}

/// <summary>The optimizer.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent, with optional (Nesterov) momentum and weight decay.</summary>
    Sgd,
    /// <summary>Adam (Kingma and Ba).</summary>
    Adam,
    /// <summary>Adam with decoupled weight decay (Loshchilov and Hutter).</summary>
    AdamW,
    /// <summary>RMSprop.</summary>
    RmsProp,
    /// <summary>Adagrad.</summary>
    Adagrad,
}

/// <summary>How often the schedule advances.</summary>
public enum ScheduleStepUnit
{
    /// <summary>Once per optimizer step (the default, as transformers, optax and timm's step_update do).</summary>
    Step,
    /// <summary>Once per epoch (PyTorch's classic per-epoch <c>scheduler.step()</c>).</summary>
    Epoch,
}

/// <summary>Where tensors live during training and scoring.</summary>
public enum ComputeDevice
{
    /// <summary>The CPU.</summary>
    Cpu,
    /// <summary>An NVIDIA GPU; fails at once when no CUDA backend is present.</summary>
    Cuda,
    /// <summary>CUDA when available, otherwise the CPU.</summary>
    Auto,
}

/// <summary>Optimizer settings (the rate itself comes from the schedule).</summary>
/// <param name="Kind">The optimizer.</param>
/// <param name="Momentum">SGD and RMSprop momentum; replaced each step by the schedule's momentum when it cycles momentum.</param>
/// <param name="Nesterov">SGD Nesterov momentum (needs a momentum &gt; 0).</param>
/// <param name="WeightDecay">L2 penalty (SGD, Adam, RMSprop, Adagrad) or decoupled weight decay (AdamW).</param>
/// <param name="Beta1">Adam/AdamW first-moment decay; replaced each step by the schedule's momentum when it cycles momentum.</param>
/// <param name="Beta2">Adam/AdamW second-moment decay.</param>
/// <param name="Epsilon">Denominator term of Adam, AdamW, RMSprop and Adagrad.</param>
/// <param name="GradientClipNorm">Clips the global L2 norm of the gradients to this value before each step; null for no clipping.</param>
/// <param name="Alpha">RMSprop smoothing constant (PyTorch's <c>alpha</c>).</param>
public sealed record OptimizerSettings(
    OptimizerKind Kind,
    double Momentum = 0.9,
    bool Nesterov = false,
    double WeightDecay = 0,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8,
    double? GradientClipNorm = null,
    double Alpha = 0.99);

/// <summary>Everything the training engine needs besides the data.</summary>
/// <param name="Task">The task: decides the loss, the label checks and the validation metric.</param>
/// <param name="Network">The resolved network (<see cref="NetworkSpec.Resolve"/>): input size known, task head included.</param>
/// <param name="Optimizer">The optimizer and its settings.</param>
/// <param name="Schedule">The learning-rate schedule, relative to <paramref name="LearningRate"/>.</param>
/// <param name="LearningRate">The base learning rate relative schedules scale; schedules with absolute rates (one-cycle's <c>max_lr</c>, cyclic, optax's) ignore it.</param>
/// <param name="Epochs">Passes over the training data.</param>
/// <param name="BatchSize">Rows per mini-batch.</param>
/// <param name="StepUnit">Whether the schedule advances per optimizer step or per epoch.</param>
/// <param name="Seed">Seed of the initialization, the shuffles and the dropout masks.</param>
/// <param name="EarlyStoppingPatience">Epochs without a better monitored loss before stopping; null never stops early.</param>
/// <param name="RestoreBestWeights">With early stopping (<paramref name="EarlyStoppingPatience"/> set), whether the result holds the best epoch's weights rather than the last epoch's; without early stopping it has no effect.</param>
/// <param name="Device">Where to train.</param>
/// <param name="NumberOfThreads">libtorch's intra-op CPU threads while training; null lets the engine choose from the work of a
/// step (docs/THREADS.md). The engine's checkpoints and results hold the count it used. Results on the CPU are bit-reproducible for
/// a given count; another count may change the last bits (sums are split differently among threads).</param>
/// <param name="LabelStandardization">Regression only: the label's mean and standard deviation, computed from the training data (<see cref="Trainers.LabelStandardization.Of"/>); the network learns the standardized label and predicts in the label's units. Null trains on the labels as they are.</param>
public sealed record EngineSettings(
    TrainingTask Task,
    NetworkSpec Network,
    OptimizerSettings Optimizer,
    LrSchedule Schedule,
    double LearningRate,
    int Epochs,
    int BatchSize,
    ScheduleStepUnit StepUnit,
    int Seed,
    int? EarlyStoppingPatience,
    bool RestoreBestWeights,
    ComputeDevice Device,
    int? NumberOfThreads = null,
    LabelStandardization? LabelStandardization = null)
{
    /// <summary>True when the result holds the best epoch's weights: <see cref="RestoreBestWeights"/> with early stopping.</summary>
    public bool RestoresBestWeights => RestoreBestWeights && EarlyStoppingPatience is not null;
}

/// <summary>One mini-batch, row-major.</summary>
/// <param name="Features">rows × featureCount values.</param>
/// <param name="Labels">One value per row: class index (multiclass), 0/1 (binary), target (regression).</param>
/// <param name="Weights">Optional example weights, one per row.</param>
/// <param name="Rows">Number of rows in this batch.</param>
public sealed record Batch(float[] Features, float[] Labels, float[]? Weights, int Rows);

/// <summary>A source of mini-batches that can be read once per epoch, possibly streamed from disk.</summary>
public interface IBatchSource
{
    /// <summary>Number of features per row.</summary>
    int FeatureCount { get; }

    /// <summary>Number of rows when known in advance, else null.</summary>
    long? RowCount { get; }

    /// <summary>The batches of one epoch; shuffled deterministically from (<paramref name="seed"/>, <paramref name="epoch"/>) when <paramref name="shuffle"/>.</summary>
    IEnumerable<Batch> ReadBatches(int batchSize, int epoch, int seed, bool shuffle);
}

/// <summary>The learning rate and loss of one optimizer step.</summary>
/// <param name="Step">The optimizer step, 0-based (the schedule's step).</param>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="LearningRate">The learning rate set on the optimizer for this step.</param>
/// <param name="Loss">The (weighted mean) training loss of the step's batch.</param>
/// <param name="Momentum">The momentum (SGD, RMSprop) or beta1 (Adam, AdamW) set on the optimizer for this step, when the schedule cycles momentum; else null.</param>
public sealed record StepRecord(long Step, int Epoch, double LearningRate, double Loss, double? Momentum = null);

/// <summary>The summary of one epoch.</summary>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="TrainingLoss">Mean training loss over the epoch's batches (weighted by rows).</param>
/// <param name="ValidationLoss">Loss on the validation source (lower is better), when one was given; for a regression with <see cref="EngineSettings.LabelStandardization"/>, the mean squared error of the standardized label.</param>
/// <param name="ValidationMetric">Accuracy (higher is better) for classification, RMSE (lower is better, in the label's units) for regression, when a validation source was given.</param>
/// <param name="WallTime">Time the epoch took, validation included.</param>
public sealed record EpochRecord(int Epoch, double TrainingLoss, double? ValidationLoss, double? ValidationMetric, TimeSpan WallTime);

/// <summary>Live progress, reported after each optimizer step.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, long Step, long TotalSteps, double Loss, double LearningRate, TimeSpan Elapsed, TimeSpan? Remaining);
