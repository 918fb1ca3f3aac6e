using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.LrSchedules.Trainers.MLNetInternals;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Trains a TorchSharp multilayer perceptron with a learning-rate schedule inside an ML.NET pipeline.
/// Create one through the catalogs: <c>mlContext.MulticlassClassification.Trainers.TorchMlp(...)</c>,
/// <c>mlContext.BinaryClassification.Trainers.TorchMlp(...)</c>, <c>mlContext.Regression.Trainers.TorchMlp(...)</c>.
/// </summary>
/// <remarks>
/// The training data is read once into memory with a cursor (features densified, every value checked), then served in
/// mini-batches shuffled from (seed, epoch); or, for data larger than memory, streamed from the data view every epoch
/// (<see cref="TorchMlpOptions.DataLoading"/>). <c>mlContext.CancelExecution()</c> stops training before the next optimizer step.
/// </remarks>
public abstract class TorchNetworkTrainer : IEstimator<TorchNetworkTransformer>
{
    private readonly IHostEnvironment _env;
    private readonly TorchMlpOptions _options;
    private readonly TrainingTask _task;

    private protected TorchNetworkTrainer(IHostEnvironment env, TorchMlpOptions options, TrainingTask task)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _env = env;
        _options = options;
        _task = task;
    }

    /// <summary>The task this trainer learns.</summary>
    public TrainingTask Task => _task;

    /// <summary>Trains a new network on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type; the message names it.</exception>
    /// <exception cref="InvalidOperationException">No rows, a NaN or infinite feature, a missing or out-of-range label; the message names the column and row.</exception>
    /// <exception cref="TorchNetworkDivergedException">The loss became NaN or infinite; the exception holds the last good model.</exception>
    /// <exception cref="OperationCanceledException"><c>mlContext.CancelExecution()</c> was called.</exception>
    public TorchNetworkTransformer Fit(IDataView input) => Train(input, resumeFrom: null, initialModel: null);

    /// <summary>
    /// Fine-tunes: starts from <paramref name="initialModel"/>'s weights (and its network shape) with a fresh optimizer and this
    /// trainer's schedule, learning rate and epochs, on <paramref name="input"/>.
    /// </summary>
    public TorchNetworkTransformer Fit(IDataView input, TorchNetworkTransformer initialModel)
    {
        ArgumentNullException.ThrowIfNull(initialModel);
        return Train(input, resumeFrom: null, initialModel);
    }

    /// <summary>
    /// Continues the run saved in <paramref name="checkpoint"/> (a model or checkpoint file loaded with <c>mlContext.Model.Load</c>)
    /// up to its planned number of epochs: weights, optimizer state, schedule position and history are restored, and the run
    /// keeps its own settings. With the same data, seed and the CPU it ends with exactly the weights of an uninterrupted run.
    /// This trainer contributes the columns, validation set, progress, logger and checkpoint options.
    /// </summary>
    /// <exception cref="InvalidOperationException">The run already completed all its epochs (fine-tune with <see cref="Fit(IDataView, TorchNetworkTransformer)"/> instead).</exception>
    public TorchNetworkTransformer Resume(IDataView input, TorchNetworkTransformer checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var saved = checkpoint.Model;
        if (saved.Task != _task)
            throw new ArgumentException($"Parameter 'checkpoint' is a {saved.Task} model; this trainer learns {_task}.", nameof(checkpoint));
        if (saved.StopReason != TrainingStopReason.Diverged && saved.EpochsCompleted >= saved.Settings.Epochs)
            throw new InvalidOperationException(
                $"The run in 'checkpoint' already completed all its {saved.Settings.Epochs} epochs; to train further, fine-tune with Fit(data, model) and a new schedule.");
        return Train(input, saved.Result.Checkpoint, initialModel: null);
    }

    /// <summary>
    /// Continues the run saved in a complete pipeline: <paramref name="checkpoint"/> is what <c>mlContext.Model.Load</c> returns
    /// for a checkpoint written with <see cref="TorchMlpOptions.CheckpointPipeline"/> (or any saved chain whose last transformer
    /// is a <see cref="TorchNetworkTransformer"/>), and <paramref name="input"/> is the raw training data in its input schema.
    /// The saved preprocessing is applied as it is (not refitted), the network continues as with
    /// <see cref="Resume(IDataView, TorchNetworkTransformer)"/>, and the result is the whole pipeline, ready to save. Unless
    /// this trainer sets its own <see cref="TorchMlpOptions.CheckpointPipeline"/>, its checkpoints are complete pipelines
    /// with the same preprocessing. <see cref="TorchMlpOptions.ValidationSet"/> is in the network's input schema, as always:
    /// transform it with the chain's preprocessing.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="checkpoint"/> does not end with a <see cref="TorchNetworkTransformer"/>, or is a model of another task.</exception>
    /// <exception cref="InvalidOperationException">The run already completed all its epochs.</exception>
    public TransformerChain<ITransformer> Resume(IDataView input, ITransformer checkpoint)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var transformers = checkpoint is IEnumerable<ITransformer> chain ? chain.ToArray() : [checkpoint];
        if (transformers.Length == 0 || transformers[^1] is not TorchNetworkTransformer network)
            throw new ArgumentException(
                $"Parameter 'checkpoint' must be a pipeline whose last transformer is a {nameof(TorchNetworkTransformer)}; its last is {(transformers.Length == 0 ? "missing (an empty chain)" : transformers[^1].GetType().Name)}.",
                nameof(checkpoint));
        var preprocessing = new TransformerChain<ITransformer>(transformers[..^1]);
        var saved = network.Model;
        if (saved.Task != _task)
            throw new ArgumentException($"Parameter 'checkpoint' is a {saved.Task} model; this trainer learns {_task}.", nameof(checkpoint));
        if (saved.StopReason != TrainingStopReason.Diverged && saved.EpochsCompleted >= saved.Settings.Epochs)
            throw new InvalidOperationException(
                $"The run in 'checkpoint' already completed all its {saved.Settings.Epochs} epochs; to train further, fine-tune with Fit(data, model) and a new schedule.");
        var pipeline = _options.CheckpointPipeline ?? new CheckpointPipeline(preprocessing, input.Schema);
        var resumed = Train(preprocessing.Transform(input), saved.Result.Checkpoint, initialModel: null, pipeline);
        return new TransformerChain<ITransformer>([.. transformers[..^1], resumed]);
    }

    /// <summary>The input schema plus the prediction columns; checks the feature, label and weight columns.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckShape(inputSchema, _options.FeatureColumnName, "feature", nameof(TorchMlpOptions.FeatureColumnName),
            c => c.Kind == SchemaShape.Column.VectorKind.Vector && c.ItemType == NumberDataViewType.Single && !c.IsKey,
            "a known-size vector of Single (float)");
        CheckShape(inputSchema, _options.LabelColumnName, "label", nameof(TorchMlpOptions.LabelColumnName), _task switch
        {
            TrainingTask.MulticlassClassification => c => c.Kind == SchemaShape.Column.VectorKind.Scalar && c.IsKey,
            TrainingTask.BinaryClassification => c => c.Kind == SchemaShape.Column.VectorKind.Scalar && c.ItemType == BooleanDataViewType.Instance,
            _ => c => c.Kind == SchemaShape.Column.VectorKind.Scalar && c.ItemType == NumberDataViewType.Single && !c.IsKey,
        }, _task switch
        {
            TrainingTask.MulticlassClassification => $"a key type (map it with mlContext.Transforms.Conversion.MapValueToKey(\"{_options.LabelColumnName}\"))",
            TrainingTask.BinaryClassification => "Boolean",
            _ => "Single (float)",
        });
        if (_options.ExampleWeightColumnName is { } weight)
            CheckShape(inputSchema, weight, "example weight", nameof(TorchMlpOptions.ExampleWeightColumnName),
                c => c.Kind == SchemaShape.Column.VectorKind.Scalar && c.ItemType == NumberDataViewType.Single && !c.IsKey, "Single (float)");
        return OutputShapes.Add(inputSchema, _task, _options.LabelColumnName);
    }

    private static void CheckShape(SchemaShape schema, string name, string role, string option, Func<SchemaShape.Column, bool> ok, string expected)
    {
        var found = schema.Where(c => c.Name == name).Select(c => (SchemaShape.Column?)c).FirstOrDefault();
        if (found is not { } column)
            throw new ArgumentOutOfRangeException(option, name,
                $"The {role} column '{name}' (option {option}) is not in the input schema; its columns are: {string.Join(", ", schema.Select(c => $"'{c.Name}'"))}.");
        if (!ok(column))
            throw new ArgumentException($"Column '{name}' must be {expected}; received {column.Kind} of {column.ItemType}{(column.IsKey ? " (key)" : "")}.", option);
    }

    private TorchNetworkTransformer Train(IDataView input, TrainingCheckpoint? resumeFrom, TorchNetworkTransformer? initialModel, CheckpointPipeline? pipeline = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var host = _env.Register($"TorchMlp{_task}");
        void CheckAlive()
        {
            if (MLNetHost.IsCanceled(host))
                throw new OperationCanceledException("Training was canceled by mlContext.CancelExecution().");
        }
        CheckAlive();

        var o = _options;
        int featureCount = TrainingColumns.CheckFeatures(input.Schema, o.FeatureColumnName, "training data");
        int outputs = TrainingColumns.CheckLabel(input.Schema, o.LabelColumnName, _task, "training data");
        if (o.ExampleWeightColumnName is { } weightColumn) TrainingColumns.CheckWeight(input.Schema, weightColumn, "training data");
        int classes = _task == TrainingTask.MulticlassClassification ? outputs : 2;
        var keyValues = _task == TrainingTask.MulticlassClassification
            ? LabelKeyValues.FromColumn(input.Schema[o.LabelColumnName], classes)
            : null;

        EngineSettings settings;
        if (resumeFrom is not null)
        {
            settings = resumeFrom.Settings;
            CheckSameShape(resumeFrom.Network, featureCount, _task == TrainingTask.MulticlassClassification ? classes : 1, "checkpoint");
        }
        else
        {
            var network = initialModel?.Model.Network
                          ?? new NetworkSpec(featureCount, o.HiddenLayers.ToArray(), o.Activation, o.Dropout, _task == TrainingTask.MulticlassClassification ? classes : 1);
            if (initialModel is not null)
            {
                if (initialModel.Task != _task)
                    throw new ArgumentException($"Parameter 'initialModel' is a {initialModel.Task} model; this trainer learns {_task}.", nameof(initialModel));
                CheckSameShape(network, featureCount, _task == TrainingTask.MulticlassClassification ? classes : 1, "initialModel");
            }
            settings = new EngineSettings(
                _task,
                network,
                new OptimizerSettings(o.Optimizer, o.Momentum, o.Nesterov, o.WeightDecay, o.Betas.Beta1, o.Betas.Beta2, o.Epsilon, o.GradientClipNorm),
                o.Schedule ?? new ConstantSchedule(),
                o.LearningRate,
                o.Epochs,
                o.BatchSize,
                o.StepScheduleEvery,
                o.Seed ?? MLNetHost.Seed(_env) ?? 0,
                o.EarlyStoppingPatience,
                o.RestoreBestWeights,
                o.Device);
        }

        var train = ReadRows(input, "training data", featureCount, classes, CheckAlive);
        IBatchSource? validation = null;
        if (o.ValidationSet is { } validationSet)
        {
            int validationFeatures = TrainingColumns.CheckFeatures(validationSet.Schema, o.FeatureColumnName, "validation set");
            if (validationFeatures != featureCount)
                throw new ArgumentException($"Column '{o.FeatureColumnName}' of the validation set has {validationFeatures} features; the training data has {featureCount}.", nameof(TorchMlpOptions.ValidationSet));
            int validationOutputs = TrainingColumns.CheckLabel(validationSet.Schema, o.LabelColumnName, _task, "validation set");
            if (_task == TrainingTask.MulticlassClassification && validationOutputs != classes)
                throw new ArgumentException($"Column '{o.LabelColumnName}' of the validation set is a key of {validationOutputs} classes; the training data's has {classes}. Map both with the same MapValueToKey transformer.", nameof(TorchMlpOptions.ValidationSet));
            if (o.ExampleWeightColumnName is { } w) TrainingColumns.CheckWeight(validationSet.Schema, w, "validation set");
            validation = ReadRows(validationSet, "validation set", featureCount, classes, CheckAlive);
        }

        using var cancellation = new CancellationTokenSource();
        var progress = new CancellationProgress(o.Progress, () => MLNetHost.IsCanceled(host), cancellation);
        Action<TrainingCheckpoint>? onEpochEnd = null;
        if (o.CheckpointEveryEpochs is { } every && o.CheckpointPath is { } path)
        {
            pipeline ??= o.CheckpointPipeline;
            onEpochEnd = checkpoint =>
            {
                if (checkpoint.EpochsCompleted % every == 0 || checkpoint.EpochsCompleted == checkpoint.Settings.Epochs)
                    CheckpointFile.Write(_env, Model(CheckpointFile.ResultAt(checkpoint)), input.Schema, path, pipeline: pipeline);
                if (MLNetHost.IsCanceled(host)) cancellation.Cancel();
            };
        }
        else
        {
            onEpochEnd = _ => { if (MLNetHost.IsCanceled(host)) cancellation.Cancel(); };
        }

        TorchNetworkModel Model(TrainingResult result) => new(result, o.FeatureColumnName, o.LabelColumnName, keyValues);

        using var engine = new TrainingEngine(settings, resumeFrom, initialModel?.Model.Result.Weights);
        try
        {
            var result = engine.Train(train, validation, progress, o.Logger, cancellation.Token, onEpochEnd);
            return new TorchNetworkTransformer(_env, Model(result), o.ScoringDevice ?? o.Device);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException("Training was canceled by mlContext.CancelExecution().");
        }
        catch (TrainingDivergedException diverged)
        {
            throw new TorchNetworkDivergedException(diverged, new TorchNetworkTransformer(_env, Model(diverged.LastGoodResult)));
        }
    }

    private static void CheckSameShape(NetworkSpec network, int featureCount, int outputs, string what)
    {
        if (network.InputSize != featureCount || network.OutputSize != outputs)
            throw new ArgumentException(
                $"The network of '{what}' takes {network.InputSize} features and gives {network.OutputSize} outputs; the data has {featureCount} features and needs {outputs} outputs.", what);
    }

    private IBatchSource ReadRows(IDataView data, string dataName, int featureCount, int classes, Action checkAlive)
    {
        var o = _options;
        IBatchSource Stream() => new DataViewBatchSource(data, o.FeatureColumnName, o.LabelColumnName, o.ExampleWeightColumnName,
            _task, featureCount, classes, dataName, o.ShuffleWindowRows, checkAlive);
        IBatchSource source;
        if (o.DataLoading == DataLoading.Streaming)
        {
            source = Stream();
        }
        else
        {
            // Auto gives up reading into memory as soon as the threshold is passed (the count may be unknown up front).
            var rows = DataViewRows.Read(data, o.FeatureColumnName, o.LabelColumnName, o.ExampleWeightColumnName,
                _task, featureCount, classes, dataName, checkAlive, o.DataLoading == DataLoading.Auto ? o.StreamingThresholdBytes : null);
            source = rows is null ? Stream() : new InMemoryBatchSource(rows.Features, rows.Labels, rows.FeatureCount, rows.Weights) { InDataOrder = !o.ShuffleRows };
        }
        if (source.RowCount == 0)
            throw new InvalidOperationException($"The {dataName} has no rows: there is nothing to train on.");
        return o.ShuffleRows || source is InMemoryBatchSource ? source : new InOrder(source);
    }

    /// <summary>Serves a source's batches in the data's order (the engine asks for shuffled training batches).</summary>
    private sealed class InOrder(IBatchSource inner) : IBatchSource
    {
        public int FeatureCount => inner.FeatureCount;

        public long? RowCount => inner.RowCount;

        public IEnumerable<Batch> ReadBatches(int batchSize, int epoch, int seed, bool shuffle) => inner.ReadBatches(batchSize, epoch, seed, shuffle: false);
    }

    /// <summary>Forwards progress to the caller and turns <c>mlContext.CancelExecution()</c> into the engine's cancellation, checked every step.</summary>
    private sealed class CancellationProgress(IProgress<TrainingProgress>? inner, Func<bool> isCanceled, CancellationTokenSource cancellation) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            inner?.Report(value);
            if (isCanceled()) cancellation.Cancel();
        }
    }
}

/// <summary>Trains a TorchSharp MLP for multiclass classification: softmax over the classes, cross-entropy loss, key-typed label.</summary>
public sealed class TorchNetworkMulticlassTrainer : TorchNetworkTrainer
{
    internal TorchNetworkMulticlassTrainer(IHostEnvironment env, TorchMlpMulticlassOptions options)
        : base(env, options, TrainingTask.MulticlassClassification) { }
}

/// <summary>Trains a TorchSharp MLP for binary classification: one logit, binary cross-entropy loss, Boolean label.</summary>
public sealed class TorchNetworkBinaryTrainer : TorchNetworkTrainer
{
    internal TorchNetworkBinaryTrainer(IHostEnvironment env, TorchMlpBinaryOptions options)
        : base(env, options, TrainingTask.BinaryClassification) { }
}

/// <summary>Trains a TorchSharp MLP for regression: one output, mean squared error, Single label.</summary>
public sealed class TorchNetworkRegressionTrainer : TorchNetworkTrainer
{
    internal TorchNetworkRegressionTrainer(IHostEnvironment env, TorchMlpRegressionOptions options)
        : base(env, options, TrainingTask.Regression) { }
}

/// <summary>
/// Training diverged (the loss became NaN or infinite). <see cref="LastGoodModel"/> holds the model at the end of the last
/// good epoch; the message names the step and the learning rate.
/// </summary>
public sealed class TorchNetworkDivergedException : Exception
{
    internal TorchNetworkDivergedException(TrainingDivergedException inner, TorchNetworkTransformer lastGoodModel)
        : base(inner.Message, inner)
    {
        Step = inner.Step;
        Epoch = inner.Epoch;
        LearningRate = inner.LearningRate;
        LastGoodModel = lastGoodModel;
    }

    /// <summary>The optimizer step (0-based) whose loss was not finite.</summary>
    public long Step { get; }

    /// <summary>The epoch (1-based) of <see cref="Step"/>.</summary>
    public int Epoch { get; }

    /// <summary>The learning rate in force at <see cref="Step"/>.</summary>
    public double LearningRate { get; }

    /// <summary>The model at the end of the last good epoch (the initial weights if none), usable and savable like any fitted model.</summary>
    public TorchNetworkTransformer LastGoodModel { get; }
}
