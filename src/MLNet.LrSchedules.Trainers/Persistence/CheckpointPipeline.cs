using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The fitted preprocessing in front of a trainer and the raw input schema it reads. Set as
/// <see cref="TorchTrainerOptions.CheckpointPipeline"/>, it makes every checkpoint file a complete pipeline (this preprocessing,
/// then the network) that loads with <c>mlContext.Model.Load</c> and continues with
/// <see cref="TorchNetworkTrainer.Resume(IDataView, ITransformer)"/> on the raw data.
/// </summary>
/// <remarks>Immutable. The preprocessing is saved as it is: fit it once, before training, as the run itself uses it.</remarks>
public sealed class CheckpointPipeline
{
    /// <summary>Creates the description of a checkpoint's pipeline.</summary>
    /// <param name="preprocessing">The fitted transformers that turn the raw data into the trainer's input (key mapping, normalizer, ...).</param>
    /// <param name="inputSchema">The schema of the raw data, saved with the file (what <c>mlContext.Model.Load</c> returns as the input schema).</param>
    /// <exception cref="ArgumentNullException">A parameter is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="preprocessing"/> cannot read <paramref name="inputSchema"/>.</exception>
    public CheckpointPipeline(ITransformer preprocessing, DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        ArgumentNullException.ThrowIfNull(inputSchema);
        try { preprocessing.GetOutputSchema(inputSchema); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException($"Parameter 'preprocessing' cannot read the given 'inputSchema': {e.Message}", nameof(preprocessing), e);
        }
        Preprocessing = preprocessing;
        InputSchema = inputSchema;
    }

    /// <summary>The fitted transformers saved ahead of the network.</summary>
    public ITransformer Preprocessing { get; }

    /// <summary>The raw data's schema, saved as the file's input schema.</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>The preprocessing's transformers followed by <paramref name="network"/>, as one flat chain.</summary>
    internal TransformerChain<ITransformer> Append(ITransformer network) =>
        Preprocessing is IEnumerable<ITransformer> chain
            ? new TransformerChain<ITransformer>([.. chain, network])
            : new TransformerChain<ITransformer>(Preprocessing, network);
}
