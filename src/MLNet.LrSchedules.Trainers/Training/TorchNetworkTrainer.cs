using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.LrSchedules.Trainers.MLNetInternals;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Trains a TorchSharp network with a learning-rate schedule inside an ML.NET pipeline: a multilayer perceptron
/// (<c>TorchMlp</c> on the catalogs, <see cref="TorchMlpOptions"/>) or any network described by a <see cref="NetworkSpec"/>
/// (<c>TorchNetwork</c>, <see cref="TorchNetworkOptions"/>). Both give the same <see cref="TorchNetworkTransformer"/>.
/// </summary>
/// <remarks>
/// <para>The network's body is resolved against the data when training starts: its input size becomes the features column's
/// size and the task's head <c>linear(outputs)</c> is appended (one output per class for multiclass, one otherwise); a layer
/// that cannot take its input throws a <see cref="NetworkShapeException"/> before any row is read.</para>
/// <para>The training data is read once into memory with a cursor (features densified, every value checked), then served in
/// mini-batches shuffled from (seed, epoch); or, for data larger than memory, streamed from the data view every epoch
/// (<see cref="TorchTrainerOptions.DataLoading"/>). <see cref="TorchTrainerOptions.CancellationToken"/> (or
/// <c>mlContext.CancelExecution()</c>) stops training before the next optimizer step.</para>
/// <para>The trainer keeps a copy of its options, taken when it is created.</para>
/// </remarks>
public abstract class TorchNetworkTrainer : IEstimator<TorchNetworkTransformer>
{
    private readonly IHostEnvironment _env;
    private readonly TorchTrainerOptions _options;
    private readonly TaskColumns _task;

    private protected TorchNetworkTrainer(IHostEnvironment env, TorchTrainerOptions options, TrainingTask task)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        // A copy, validated: later changes to the caller's object (or to a list it holds) do not reach this trainer.
        _options = options.Copy();
        _options.Validate();
        _env = env;
        _task = TaskColumns.For(task);
    }

    /// <summary>The task this trainer learns.</summary>
    public TrainingTask Task => _task.Task;

    /// <summary>Trains a new network on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type; the message names it.</exception>
    /// <exception cref="NetworkShapeException">A layer of the network cannot take the shape it receives from the data's features.</exception>
    /// <exception cref="InvalidOperationException">No rows, a NaN or infinite feature, a missing or out-of-range label (the message names the column and row), or a module of your own is not registered.</exception>
    /// <exception cref="TorchNetworkDivergedException">The loss became NaN or infinite; the exception holds the last good model.</exception>
    /// <exception cref="TorchNetworkCanceledException"><see cref="TorchTrainerOptions.CancellationToken"/> was canceled, or <c>mlContext.CancelExecution()</c> called; the exception holds the model of the last completed epoch.</exception>
    public TorchNetworkTransformer Fit(IDataView input) => Train(input, resumeFrom: null, initialModel: null);

    /// <summary>
    /// Fine-tunes: starts from <paramref name="initialModel"/>'s weights (and its network) with a fresh optimizer and this
    /// trainer's schedule, learning rate and epochs, on <paramref name="input"/>. The network keeps its shape: network options
    /// that describe another body, or data that needs another head (another class count or task), are rejected unless
    /// <see cref="TorchTrainerOptions.ReplaceHead"/> asks for a new head over the model's body. A regression network keeps the
    /// label standardization it learned (a new head standardizes afresh, as a new run).
    /// </summary>
    /// <exception cref="ArgumentException">The options or the data ask for another network than <paramref name="initialModel"/>'s (the message says which and how to proceed).</exception>
    /// <exception cref="TorchNetworkCanceledException">Training was canceled; see <see cref="Fit(IDataView)"/>.</exception>
    public TorchNetworkTransformer Fit(IDataView input, TorchNetworkTransformer initialModel)
    {
        ArgumentNullException.ThrowIfNull(initialModel);
        return Train(input, resumeFrom: null, initialModel);
    }

    /// <summary>
    /// Continues the run saved in <paramref name="checkpoint"/> (a model or checkpoint file loaded with <c>mlContext.Model.Load</c>)
    /// up to its planned number of epochs: weights, optimizer state, schedule position, early-stopping state, label
    /// standardization and history are restored, and the run keeps its own settings and network. With the same data
    /// (rows, order, weights), validation set and seed on the CPU it ends with exactly the weights of an uninterrupted run.
    /// </summary>
    /// <remarks>
    /// <para>The run's settings (network, schedule, learning rate, epochs, batch size, optimizer and its settings, step unit,
    /// seed, early stopping, row shuffling, label standardization) are the saved ones: a setting of this trainer's options
    /// that was assigned must equal the run's, and one left unassigned is taken from the run, so the options of the original
    /// <c>Fit</c> and fresh options both work. Two settings may differ: <see cref="TorchTrainerOptions.Epochs"/> may be
    /// larger, which extends the run with its schedule kept as resolved for the original length (the extra steps take the
    /// values its formula gives past that length), so the extended run equals an uninterrupted run of the new length given
    /// that resolved schedule;
    /// and <see cref="TorchTrainerOptions.Device"/>. A run that scored a validation set needs one (the same: early stopping and
    /// metric-driven schedules follow it), and one that did not, none. This trainer contributes the columns, validation set,
    /// data loading, progress, logger, cancellation and checkpoint options.</para>
    /// </remarks>
    /// <exception cref="ArgumentException">Assigned options contradict the saved run: the message names each option with its value and the run's.</exception>
    /// <exception cref="InvalidOperationException">The run already completed all its epochs (raise Epochs to extend it, or fine-tune with <see cref="Fit(IDataView, TorchNetworkTransformer)"/>).</exception>
    /// <exception cref="TorchNetworkCanceledException">Training was canceled; see <see cref="Fit(IDataView)"/>.</exception>
    public TorchNetworkTransformer Resume(IDataView input, TorchNetworkTransformer checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        CheckResumable(checkpoint.Model);
        return Train(input, checkpoint.Model, initialModel: null);
    }

    /// <summary>
    /// Continues the run saved in a complete pipeline: <paramref name="checkpoint"/> is what <c>mlContext.Model.Load</c> returns
    /// for a checkpoint written with <see cref="TorchTrainerOptions.CheckpointPipeline"/> (or any saved chain whose last transformer
    /// is a <see cref="TorchNetworkTransformer"/>), and <paramref name="input"/> is the raw training data in its input schema.
    /// The saved preprocessing is applied as it is (not refitted), the network continues as with
    /// <see cref="Resume(IDataView, TorchNetworkTransformer)"/> (same rules for the options), and the result is the whole
    /// pipeline, ready to save. Unless this trainer sets its own <see cref="TorchTrainerOptions.CheckpointPipeline"/>, its
    /// checkpoints are complete pipelines with the same preprocessing. <see cref="TorchTrainerOptions.ValidationSet"/> is in
    /// the network's input schema, as always: transform it with the chain's preprocessing.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="checkpoint"/> does not end with a <see cref="TorchNetworkTransformer"/>, is a model of another task, or assigned options contradict the saved run.</exception>
    /// <exception cref="InvalidOperationException">The run already completed all its epochs.</exception>
    /// <exception cref="TorchNetworkCanceledException">Training was canceled; see <see cref="Fit(IDataView)"/>.</exception>
    public TransformerChain<ITransformer> Resume(IDataView input, ITransformer checkpoint)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var transformers = checkpoint is IEnumerable<ITransformer> chain ? chain.ToArray() : [checkpoint];
        if (transformers.Length == 0 || transformers[^1] is not TorchNetworkTransformer network)
            throw new ArgumentException(
                $"Parameter 'checkpoint' must be a pipeline whose last transformer is a {nameof(TorchNetworkTransformer)}; its last is {(transformers.Length == 0 ? "missing (an empty chain)" : transformers[^1].GetType().Name)}.",
                nameof(checkpoint));
        CheckResumable(network.Model);
        var preprocessing = new TransformerChain<ITransformer>(transformers[..^1]);
        var pipeline = _options.CheckpointPipeline ?? new CheckpointPipeline(preprocessing, input.Schema);
        var resumed = Train(preprocessing.Transform(input), network.Model, initialModel: null, pipeline);
        return new TransformerChain<ITransformer>([.. transformers[..^1], resumed]);
    }

    private void CheckResumable(TorchNetworkModel saved)
    {
        if (saved.Task != Task)
            throw new ArgumentException($"Parameter 'checkpoint' is a {saved.Task} model; this trainer learns {Task}.", "checkpoint");
        int epochs = _options.IsGiven(nameof(TorchTrainerOptions.Epochs)) ? Math.Max(_options.Epochs, saved.Settings.Epochs) : saved.Settings.Epochs;
        if (saved.StopReason != TrainingStopReason.Diverged && saved.EpochsCompleted >= epochs)
            throw new InvalidOperationException(
                $"The run in 'checkpoint' already completed all its {saved.Settings.Epochs} epochs; to train it further, raise Epochs (the run continues with its resolved schedule), or fine-tune with Fit(data, model) and a new schedule.");
    }

    /// <summary>The input schema plus the prediction columns; checks the feature, label and weight columns.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckShape(inputSchema, _options.FeatureColumnName, "feature", nameof(TorchTrainerOptions.FeatureColumnName),
            c => c.Kind == SchemaShape.Column.VectorKind.Vector && c.ItemType == NumberDataViewType.Single && !c.IsKey,
            "a known-size vector of Single (float)");
        CheckShape(inputSchema, _options.LabelColumnName, "label", nameof(TorchTrainerOptions.LabelColumnName),
            _task.IsLabelShape, _task.ExpectedLabelShape(_options.LabelColumnName));
        if (_options.ExampleWeightColumnName is { } weight)
            CheckShape(inputSchema, weight, "example weight", nameof(TorchTrainerOptions.ExampleWeightColumnName),
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

    private TorchNetworkTransformer Train(IDataView input, TorchNetworkModel? resumeFrom, TorchNetworkTransformer? initialModel, CheckpointPipeline? pipeline = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        FirstFitWarmup.Start();
        var o = _options;
        var host = _env.Register($"TorchNetwork{Task}");
        // One token for the engine: the options' token, or ML.NET's CancelExecution (polled before reading and after every step).
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(o.CancellationToken);
        void Poll()
        {
            if (MLNetHost.IsCanceled(host)) cancellation.Cancel();
        }
        void CheckAlive()
        {
            Poll();
            cancellation.Token.ThrowIfCancellationRequested();
        }

        int lastWritten = resumeFrom?.EpochsCompleted ?? 0;
        TorchNetworkModel? lastCompleted = resumeFrom;
        TrainingEngine? engine = null;
        IBatchSource? train = null, validation = null;
        LabelKeyValues? keyValues = null;
        bool shuffleRows = resumeFrom?.ShuffleRows ?? o.ShuffleRows;
        TorchNetworkModel Model(TrainingResult result) => new(result, o.FeatureColumnName, o.LabelColumnName, keyValues, shuffleRows);
        var sinceCheckpoint = Stopwatch.StartNew();
        void WriteCheckpoint(TrainingCheckpoint checkpoint)
        {
            CheckpointFile.Write(_env, Model(CheckpointFile.ResultAt(checkpoint)), input.Schema, o.CheckpointPath!, pipeline: pipeline ?? o.CheckpointPipeline);
            lastWritten = checkpoint.EpochsCompleted;
            sinceCheckpoint.Restart();
        }
        bool CheckpointDue(TrainingCheckpoint checkpoint) =>
            o.CheckpointEveryEpochs is { } every && o.CheckpointPath is not null
            && (checkpoint.EpochsCompleted == checkpoint.Settings.Epochs
                || checkpoint.EpochsCompleted % every == 0 && !(sinceCheckpoint.Elapsed < o.CheckpointMinimumInterval));

        try
        {
            CheckAlive();
            var (featureCount, outputs) = CheckColumns(input.Schema, o, _task, "training data");
            keyValues = _task.KeyValues(input.Schema[o.LabelColumnName], outputs);

            EngineSettings settings;
            byte[]? initialWeights = null;
            if (resumeFrom is not null)
            {
                CheckFits(resumeFrom.Network, featureCount, outputs, "checkpoint");
                settings = SavedRun.ResumeSettings(o, resumeFrom, featureCount, outputs, MLNetHost.Seed(_env));
            }
            else if (initialModel is not null)
            {
                var network = SavedRun.FineTuneNetwork(o, Task, initialModel.Model, featureCount, outputs);
                settings = o.EngineSettings(Task, network, MLNetHost.Seed(_env));
                initialWeights = o.ReplaceHead
                    ? SequentialNetwork.WithNewHead(network, initialModel.Model.Result.Weights, settings.Seed)
                    : initialModel.Model.Result.Weights;
                if (!o.ReplaceHead) settings = settings with { LabelStandardization = initialModel.Model.LabelStandardization };
            }
            else
            {
                settings = o.EngineSettings(Task, o.NetworkBody().Resolve(featureCount, outputs), MLNetHost.Seed(_env));
            }
            TorchModules.EnsureRegistered(settings.Network, resumeFrom is not null ? "Resuming this run" : "Training this network");

            train = ReadRows(input, "training data", featureCount, outputs, shuffleRows, CheckAlive);
            // A new head (a new run, or a fine-tune with ReplaceHead) learns the label standardized on this training data.
            if (resumeFrom is null && (initialModel is null || o.ReplaceHead) && Task == TrainingTask.Regression && o.StandardizesLabel)
                settings = settings with { LabelStandardization = LabelStandardization.Of(train) };
            if (o.ValidationSet is { } validationSet)
            {
                var (validationFeatures, validationOutputs) = CheckColumns(validationSet.Schema, o, _task, "validation set");
                if (validationFeatures != featureCount)
                    throw new ArgumentException($"Column '{o.FeatureColumnName}' of the validation set has {validationFeatures} features; the training data has {featureCount}.", nameof(TorchTrainerOptions.ValidationSet));
                _task.CheckValidationLabel(o.LabelColumnName, outputs, validationOutputs);
                validation = ReadRows(validationSet, "validation set", featureCount, outputs, shuffle: false, CheckAlive);
            }

            var progress = new CancellationProgress(o.Progress, Poll);
            void OnEpochEnd(TrainingCheckpoint checkpoint)
            {
                lastCompleted = Model(CheckpointFile.ResultAt(checkpoint));
                if (CheckpointDue(checkpoint)) WriteCheckpoint(checkpoint);
                Poll();
            }

            engine = new TrainingEngine(settings, resumeFrom?.Result.Checkpoint, initialWeights);
            var result = engine.Train(train, validation, progress, o.Logger, cancellation.Token, OnEpochEnd);
            return new TorchNetworkTransformer(_env, Model(result), o.ScoringDevice ?? settings.Device);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Leave a resumable state: the last completed epoch, in the exception and (when checkpointing) in the file.
            if (engine?.LastCheckpoint is { } last)
            {
                lastCompleted = Model(CheckpointFile.ResultAt(last));
                if (o.CheckpointPath is not null && o.CheckpointEveryEpochs is not null && last.EpochsCompleted > lastWritten) WriteCheckpoint(last);
            }
            string by = o.CancellationToken.IsCancellationRequested ? "TorchTrainerOptions.CancellationToken" : "mlContext.CancelExecution()";
            var model = lastCompleted is null ? null : new TorchNetworkTransformer(_env, lastCompleted, o.ScoringDevice ?? lastCompleted.Settings.Device);
            throw new TorchNetworkCanceledException(by, model, o.CheckpointEveryEpochs is null ? null : o.CheckpointPath);
        }
        catch (TrainingDivergedException diverged)
        {
            throw new TorchNetworkDivergedException(diverged, new TorchNetworkTransformer(_env, Model(diverged.LastGoodResult)));
        }
        finally
        {
            engine?.Dispose();
            // Rows read into memory live in native tensors: freed as soon as training is over.
            (train as IDisposable)?.Dispose();
            (validation as IDisposable)?.Dispose();
        }
    }

    /// <summary>Checks the feature, label and weight columns of <paramref name="schema"/>; returns the feature count and the outputs the task needs.</summary>
    internal static (int Features, int Outputs) CheckColumns(DataViewSchema schema, TorchTrainerOptions options, TaskColumns task, string dataName)
    {
        int featureCount = TrainingColumns.CheckFeatures(schema, options.FeatureColumnName, dataName);
        var label = TrainingColumns.Find(schema, options.LabelColumnName, "label", nameof(TorchTrainerOptions.LabelColumnName), dataName);
        int outputs = task.CheckLabel(label, dataName);
        if (options.ExampleWeightColumnName is { } weightColumn) TrainingColumns.CheckWeight(schema, weightColumn, dataName);
        return (featureCount, outputs);
    }

    private static void CheckFits(NetworkSpec network, int featureCount, int outputs, string what)
    {
        if (network.InputSize != featureCount || network.OutputSize != outputs)
            throw new ArgumentException(
                $"The network of '{what}' takes {network.InputSize} features and gives {network.OutputSize} outputs; the data has {featureCount} features and needs {outputs} outputs.", what);
    }

    private IBatchSource ReadRows(IDataView data, string dataName, int featureCount, int outputs, bool shuffle, Action checkAlive)
    {
        var o = _options;
        IBatchSource Stream() => new DataViewBatchSource(data, o.FeatureColumnName, o.LabelColumnName, o.ExampleWeightColumnName,
            _task, featureCount, outputs, dataName, o.ShuffleWindowRows, checkAlive);
        IBatchSource source;
        if (o.DataLoading == DataLoading.Streaming)
        {
            source = Stream();
        }
        else
        {
            // Auto gives up reading into memory as soon as the threshold is passed (the count may be unknown up front).
            source = DataViewRows.Read(data, o.FeatureColumnName, o.LabelColumnName, o.ExampleWeightColumnName,
                _task, featureCount, outputs, dataName, checkAlive, inDataOrder: !shuffle, o.DataLoading == DataLoading.Auto ? o.StreamingThresholdBytes : null)
                ?? Stream();
        }
        if (source.RowCount == 0)
            throw new InvalidOperationException($"The {dataName} has no rows: there is nothing to train on.");
        return shuffle || source is ResidentBatchSource ? source : new InOrder(source);
    }

    /// <summary>Serves a source's batches in the data's order (the engine asks for shuffled training batches).</summary>
    private sealed class InOrder(IBatchSource inner) : IBatchSource
    {
        public int FeatureCount => inner.FeatureCount;

        public long? RowCount => inner.RowCount;

        public IEnumerable<Batch> ReadBatches(int batchSize, int epoch, int seed, bool shuffle) => inner.ReadBatches(batchSize, epoch, seed, shuffle: false);
    }

    /// <summary>Forwards progress to the caller, then polls <c>mlContext.CancelExecution()</c> (the engine checks its token before every step).</summary>
    private sealed class CancellationProgress(IProgress<TrainingProgress>? inner, Action poll) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            inner?.Report(value);
            poll();
        }
    }
}

/// <summary>Trains a TorchSharp network for multiclass classification: one output per class, softmax, cross-entropy loss, key-typed label.</summary>
public sealed class TorchNetworkMulticlassTrainer : TorchNetworkTrainer
{
    internal TorchNetworkMulticlassTrainer(IHostEnvironment env, TorchTrainerOptions options)
        : base(env, options, TrainingTask.MulticlassClassification) { }
}

/// <summary>Trains a TorchSharp network for binary classification: one logit, binary cross-entropy loss, Boolean label.</summary>
public sealed class TorchNetworkBinaryTrainer : TorchNetworkTrainer
{
    internal TorchNetworkBinaryTrainer(IHostEnvironment env, TorchTrainerOptions options)
        : base(env, options, TrainingTask.BinaryClassification) { }
}

/// <summary>Trains a TorchSharp network for regression: one output, mean squared error, Single label.</summary>
public sealed class TorchNetworkRegressionTrainer : TorchNetworkTrainer
{
    internal TorchNetworkRegressionTrainer(IHostEnvironment env, TorchTrainerOptions options)
        : base(env, options, TrainingTask.Regression) { }
}

/// <summary>
/// Training diverged (the loss became NaN or infinite). <see cref="LastGoodModel"/> holds the model at the end of the last
/// good epoch; the message names the step and the learning rate.
/// </summary>
public sealed class TorchNetworkDivergedException : Exception
{
    internal TorchNetworkDivergedException(TrainingDivergedException inner, TorchNetworkTransformer lastGoodModel)
        : base(TrainingDivergedException.Describe(inner.Step, inner.Epoch, inner.LearningRate, inner.Loss, lastGoodModel.Model.EpochsCompleted,
            $"the trainer option {nameof(TorchTrainerOptions.GradientClipNorm)}"), inner)
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
