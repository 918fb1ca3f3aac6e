using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Tool.Commands;
using MLNet.LrSchedules.Tool.Files;

namespace MLNet.LrSchedules.Tool.Training;

/// <summary>
/// The files of one training command: the model, its plot, and the checkpoint <c>.{model name}.checkpoint</c> beside the
/// model (a whole pipeline, rewritten atomically after every epoch, removed once the model is in place).
/// </summary>
internal sealed record RunPaths(string Model, string Plot)
{
    public string Checkpoint { get; } = CheckpointOf(Model);

    /// <summary>The checkpoint path of a model file: deterministic, so that a later command finds what a killed one left.</summary>
    public static string CheckpointOf(string model)
    {
        string full = Path.GetFullPath(model);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.checkpoint");
    }

    public OutputFile ModelOutput(string option) => new(Model, option) { Companions = [Checkpoint] };

    public OutputFile PlotOutput(string option) => new(Plot, option, ".png", ".svg");

    /// <summary>A new run must not overwrite the checkpoint of a killed one: that is the only copy of its progress.</summary>
    public void RefuseLeftoverCheckpoint()
    {
        if (!File.Exists(Checkpoint)) return;
        string progress = "";
        try { progress = ModelFiles.ReadInfo(Checkpoint) is [var info] ? $", epoch {info.EpochsCompleted} of {info.Settings.Epochs}," : ""; }
        catch (CommandException) { }
        throw new CommandException($"{Model}: an interrupted run left its checkpoint {Checkpoint}{progress} (expected no unfinished run: continue it with 'lrsched retrain {Model} --continue', or delete the checkpoint to start over)");
    }
}

/// <summary>A saved run opened for retraining: the pipeline, its parts, what the network holds and the CLI recipe.</summary>
internal sealed class SavedRun
{
    private SavedRun(string file, bool isCheckpoint, TorchModelInfo info, MLContext context, ITransformer model, DataViewSchema inputSchema,
        ITransformer preprocess, TorchNetworkTransformer network)
    {
        File = file;
        IsCheckpoint = isCheckpoint;
        Info = info;
        Context = context;
        Model = model;
        InputSchema = inputSchema;
        Preprocess = preprocess;
        Network = network;
        Recipe = RunRecipe.From(inputSchema);
    }

    /// <summary>The file the run was read from: the model, or its checkpoint.</summary>
    public string File { get; }
    public bool IsCheckpoint { get; }
    public TorchModelInfo Info { get; }
    /// <summary>A context seeded as the run was.</summary>
    public MLContext Context { get; }
    public ITransformer Model { get; }
    public DataViewSchema InputSchema { get; }
    public ITransformer Preprocess { get; }
    public TorchNetworkTransformer Network { get; }
    public RunRecipe? Recipe { get; }

    /// <summary>
    /// The newest complete state of the run written to <paramref name="model"/>: the model file, or its checkpoint when the
    /// model is missing or older (a kill during training or during the final save).
    /// </summary>
    public static SavedRun Newest(string model)
    {
        string checkpoint = RunPaths.CheckpointOf(model);
        bool hasModel = System.IO.File.Exists(model), hasCheckpoint = System.IO.File.Exists(checkpoint);
        if (!hasModel && !hasCheckpoint)
        {
            if (Directory.Exists(model)) throw new CommandException($"{model}: is a folder (expected a model file)");
            throw new CommandException($"{model}: no such file, and no checkpoint {checkpoint} of an interrupted run (expected a model file written by 'lrsched train')");
        }
        bool useCheckpoint = hasCheckpoint && (!hasModel || System.IO.File.GetLastWriteTimeUtc(checkpoint) > System.IO.File.GetLastWriteTimeUtc(model));
        return useCheckpoint ? Open(checkpoint, model, isCheckpoint: true) : Open(model, model);
    }

    public static SavedRun Open(string file, string model, bool isCheckpoint = false)
    {
        var infos = ModelFiles.ReadInfo(file);
        if (infos.Count != 1)
            throw new CommandException($"{file}: holds {infos.Count} TorchSharp networks (expected one, as 'lrsched train' writes)");
        var info = infos[0];
        var context = new MLContext(info.Settings.Seed);
        var (loaded, schema) = ModelFiles.Load(context, file);
        var transformers = loaded is IEnumerable<ITransformer> chain ? chain.ToArray() : [loaded];
        if (transformers is not [.., TorchNetworkTransformer network] || loaded is not TransformerChain<ITransformer>)
            throw new CommandException($"{file}: not a pipeline ending with a TorchSharp network (expected a model written by 'lrsched train'{(isCheckpoint ? $", whose checkpoints continue with 'lrsched retrain {model} --continue'" : "")})");
        return new SavedRun(file, isCheckpoint, info, context, loaded, schema, new TransformerChain<ITransformer>(transformers[..^1]), network);
    }
}
