using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.LrSchedules.Trainers.MLNetInternals;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A fitted TorchSharp network (of any <see cref="NetworkSpec"/>) in an ML.NET pipeline. Adds <c>Score</c> (and <c>Probability</c>,
/// <c>PredictedLabel</c> for classification) as ML.NET's evaluators and <c>PredictionEngine</c> expect, and is saved by
/// <c>mlContext.Model.Save</c> with its schedule, scheduler and optimizer state and training history.
/// </summary>
/// <remarks>
/// A prediction transformer as ML.NET's tooling knows them: <c>PermutationFeatureImportance</c> accepts it (or a whole
/// model ending with it), and <c>mlContext.Model.ConvertToOnnx</c> writes the network into the ONNX graph with the rest
/// of the pipeline (Microsoft.ML.OnnxConverter); a network that cannot be exported throws <see cref="OnnxExportException"/>.
/// </remarks>
public sealed partial class TorchNetworkTransformer : ISingleFeaturePredictionTransformer<TorchNetworkModel>, IDisposable
{
    private readonly object _gate = new();
    private readonly IHostEnvironment _env;
    private NetworkScorer? _scorer;
    private bool _disposed;

    internal TorchNetworkTransformer(IHostEnvironment env, TorchNetworkModel model, ComputeDevice? scoringDevice = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        _env = env;
        Model = model;
        // A model trained on a GPU still scores where there is none: Auto falls back to the CPU.
        ScoringDevice = scoringDevice ?? (model.Settings.Device == ComputeDevice.Cpu ? ComputeDevice.Cpu : ComputeDevice.Auto);
    }

    /// <summary>
    /// Where rows are scored. A fitted transformer scores on <see cref="TorchTrainerOptions.ScoringDevice"/> (default: the training
    /// device); a loaded one on <see cref="ComputeDevice.Auto"/> when it was trained on a GPU (the GPU where there is one, else the
    /// CPU), on the CPU otherwise. The saved weights do not depend on it.
    /// </summary>
    public ComputeDevice ScoringDevice { get; }

    /// <summary>The same model scoring on <paramref name="device"/>; this transformer is unchanged. The two share no native memory.</summary>
    /// <param name="device">Cpu, Cuda (fails on first scoring where no CUDA backend is available) or Auto.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="device"/> is not a <see cref="ComputeDevice"/> value.</exception>
    public TorchNetworkTransformer WithDevice(ComputeDevice device)
    {
        if (!Enum.IsDefined(device))
            throw new ArgumentOutOfRangeException(nameof(device), device, $"Parameter 'device' must be Cpu, Cuda or Auto; received {device}.");
        return new TorchNetworkTransformer(_env, Model, device);
    }

    /// <summary>The network, schedule, optimizer, settings and history of the fit.</summary>
    public TorchNetworkModel Model { get; }

    /// <summary>The task.</summary>
    public TrainingTask Task => Model.Task;

    /// <summary>The features column the network reads (<see cref="TorchNetworkModel.FeatureColumnName"/>).</summary>
    public string FeatureColumnName => Model.FeatureColumnName;

    /// <summary>The type of the features column: a vector of <see cref="NetworkSpec.InputSize"/> Single values.</summary>
    public DataViewType FeatureColumnType => new VectorDataViewType(NumberDataViewType.Single, Model.InputSize);

    /// <summary>Always true: rows are scored one at a time, so a <c>PredictionEngine</c> can use it.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus the prediction columns.</summary>
    /// <exception cref="ArgumentException">The features column is missing or of the wrong type or size; the message names it.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new ScoringMapper(this, inputSchema).OutputSchema;
    }

    /// <summary>A mapper that scores single rows (used by <c>PredictionEngine</c>).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new ScoringMapper(this, inputSchema);
    }

    /// <summary>The input with the prediction columns added; computed lazily as the result is read.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ScoredDataTransform(new ScoringMapper(this, input.Schema), Model, input);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) => MLNetModelStore.Save(ctx, TorchModelSerializer.ToEntries(Model));

    /// <summary>
    /// Rebuilds a transformer from the entries read back from a model file (called by <see cref="MLNetModelStore"/>). Fails at
    /// once when the network holds a module of your own that is not registered (<see cref="TorchModules"/>).
    /// </summary>
    internal static TorchNetworkTransformer Load(IHostEnvironment env, IReadOnlyDictionary<string, byte[]> entries)
    {
        var (_, model) = TorchModelSerializer.FromEntries(entries, "The model file");
        TorchModules.EnsureRegistered(model.Network, "Loading this model");
        return new TorchNetworkTransformer(env, model);
    }

    /// <summary>Scores one row of features: class probabilities, the logit, or the value.</summary>
    internal float[] ScoreRow(float[] features)
    {
        var scorer = Scorer();
        var output = new float[scorer.OutputsPerRow];
        scorer.Score(features, 1, output);
        return output;
    }

    private NetworkScorer Scorer()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Built on first use: reading a model's metadata or saving it never needs the native TorchSharp runtime.
            return _scorer ??= new NetworkScorer(Model.Network, Model.Task, Model.Result.Weights, ScoringDevice, Model.LabelStandardization);
        }
    }

    /// <summary>Frees the network's native memory; the transformer cannot score afterwards.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _scorer?.Dispose();
            _scorer = null;
        }
    }
}
