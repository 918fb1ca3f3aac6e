using System.CommandLine;
using System.Globalization;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Tool.Training;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>The options shared by train, retrain and compare, and how they turn into data and a <see cref="TrainingSpec"/>.</summary>
internal sealed class TrainingOptions
{
    public Option<string?> Data { get; } = new("--data") { Description = "A CSV or TSV file (header row; separator from the extension or the header). Default: the embedded MNIST sample." };
    public Option<string> Label { get; } = new("--label") { Description = "The label column of --data.", DefaultValueFactory = _ => "label" };
    public Option<string?> Task { get; } = new("--task") { Description = "multiclass, binary or regression. Default: inferred from the label (Boolean-like: binary; a few integers or text: multiclass; else regression)." };
    public Option<string?> Schedule { get; } = new("--schedule") { Description = "The learning-rate schedule: text form (e.g. \"warmup(5%) >> cosine(min=1e-5)\"), JSON, or a file holding either." };
    public Option<double?> LearningRate { get; } = new("--lr") { Description = "The base learning rate the schedule scales." };
    public Option<int?> Epochs { get; } = new("--epochs") { Description = "Passes over the training data." };
    public Option<int?> BatchSize { get; } = new("--batch-size") { Description = "Rows per mini-batch." };
    public Option<string?> Hidden { get; } = new("--hidden") { Description = "Hidden layer sizes, e.g. 256,128 ('none' for a linear model)." };
    public Option<string?> Optimizer { get; } = new("--optimizer") { Description = "sgd, nesterov (SGD with Nesterov momentum), adam, adamw, rmsprop or adagrad." };
    public Option<double?> Momentum { get; } = new("--momentum") { Description = "SGD and RMSprop momentum." };
    public Option<double?> WeightDecay { get; } = new("--weight-decay") { Description = "Weight decay (decoupled for AdamW, L2 otherwise)." };
    public Option<double> TestFraction { get; } = new("--test-fraction") { Description = "Fraction of --data held out for testing (the MNIST sample always tests on its last 2,000 rows).", DefaultValueFactory = _ => 0.2 };
    public Option<int?> Seed { get; } = new("--seed") { Description = "Seed of the split, the initialization and the shuffles (default 1)." };
    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or auto.", DefaultValueFactory = _ => "cpu" };
    public Option<int?> LimitRows { get; } = new("--limit-rows") { Description = "Read only the first N rows of the data (quick trials)." };

    public IEnumerable<Option> All(bool withTask = true)
    {
        yield return Data;
        yield return Label;
        if (withTask) yield return Task;
        yield return Schedule;
        yield return LearningRate;
        yield return Epochs;
        yield return BatchSize;
        yield return Hidden;
        yield return Optimizer;
        yield return Momentum;
        yield return WeightDecay;
        yield return TestFraction;
        yield return Seed;
        yield return Device;
        yield return LimitRows;
    }

    public bool UsesMnist(ParseResult r) => r.GetValue(Data) is null;

    public TabularData ReadData(ParseResult r)
    {
        int? limit = r.GetValue(LimitRows);
        if (limit is < 10) throw new CommandException($"Option '--limit-rows' must be an integer >= 10; received {limit}.");
        return r.GetValue(Data) is { } path ? TabularData.Load(path, r.GetValue(Label)!, limit) : TabularData.Mnist(limit);
    }

    public (int[] Train, int[] Test) Split(ParseResult r, TabularData data, int seed)
    {
        if (!UsesMnist(r)) return data.Split(r.GetValue(TestFraction), seed, fixedTail: false);
        // The sample's own split: the first 80% train, the last 20% test (8,000 / 2,000 for the full file).
        return data.Split(0.2, seed, fixedTail: true);
    }

    public TrainingTask ResolveTask(ParseResult r, TabularData data)
    {
        string? task = r.GetValue(Task);
        if (task is null) return data.InferTask();
        return task.ToLowerInvariant() switch
        {
            "multiclass" or "multiclassclassification" => TrainingTask.MulticlassClassification,
            "binary" or "binaryclassification" => TrainingTask.BinaryClassification,
            "regression" => TrainingTask.Regression,
            _ => throw new CommandException($"Option '--task' must be multiclass, binary or regression; received '{task}'."),
        };
    }

    /// <summary>The defaults (MNIST or table) with every given option applied.</summary>
    public TrainingSpec Spec(ParseResult r, TrainingSpec defaults)
    {
        var spec = defaults;
        if (r.GetValue(Schedule) is { } schedule) spec = spec with { Schedule = ScheduleInput.Read(schedule) };
        if (r.GetValue(LearningRate) is { } lr)
        {
            spec = spec with { LearningRate = lr };
            // The default one-cycle schedule peaks at an absolute rate: it follows --lr unless a schedule was given.
            if (r.GetValue(Schedule) is null && spec.Schedule is OneCycleSchedule && double.IsFinite(lr) && lr > 0) spec = spec with { Schedule = TrainingSpec.OneCycle(lr) };
        }
        if (r.GetValue(Epochs) is { } epochs) spec = spec with { Epochs = epochs };
        if (r.GetValue(BatchSize) is { } batch) spec = spec with { BatchSize = batch };
        if (r.GetValue(Hidden) is { } hidden) spec = spec with { Hidden = ParseHidden(hidden) };
        if (r.GetValue(Optimizer) is { } optimizer)
        {
            var (kind, nesterov) = ParseOptimizer(optimizer);
            spec = spec with { Optimizer = kind, Nesterov = nesterov };
            if (kind == OptimizerKind.Sgd && r.GetValue(WeightDecay) is null) spec = spec with { WeightDecay = 5e-4 };
        }
        if (r.GetValue(Momentum) is { } momentum) spec = spec with { Momentum = momentum };
        if (r.GetValue(WeightDecay) is { } decay) spec = spec with { WeightDecay = decay };
        if (r.GetValue(Seed) is { } seed) spec = spec with { Seed = seed };
        return spec with { Device = ParseDevice(r.GetValue(Device)!) };
    }

    internal static int[] ParseHidden(string text)
    {
        if (text.Trim().ToLowerInvariant() is "" or "none" or "0") return [];
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 1 ? n
            : throw new CommandException($"Option '--hidden' must be a comma-separated list of integers >= 1 (e.g. 256,128) or 'none'; received '{text}'.")).ToArray();
    }

    internal static (OptimizerKind Kind, bool Nesterov) ParseOptimizer(string text) => text.Trim().ToLowerInvariant() switch
    {
        "sgd" => (OptimizerKind.Sgd, false),
        "nesterov" or "sgd-nesterov" or "sgd+nesterov" => (OptimizerKind.Sgd, true),
        "adam" => (OptimizerKind.Adam, false),
        "adamw" => (OptimizerKind.AdamW, false),
        "rmsprop" => (OptimizerKind.RmsProp, false),
        "adagrad" => (OptimizerKind.Adagrad, false),
        _ => throw new CommandException($"Option '--optimizer' must be sgd, nesterov, adam, adamw, rmsprop or adagrad; received '{text}'."),
    };

    internal static ComputeDevice ParseDevice(string text) => text.Trim().ToLowerInvariant() switch
    {
        "cpu" => ComputeDevice.Cpu,
        "cuda" or "gpu" => ComputeDevice.Cuda,
        "auto" => ComputeDevice.Auto,
        _ => throw new CommandException($"Option '--device' must be cpu, cuda or auto; received '{text}'."),
    };
}
