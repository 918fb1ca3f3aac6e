using System.CommandLine;
using System.Globalization;
using MLNet.LrSchedules.Serialization;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Tool.Files;
using MLNet.LrSchedules.Tool.Training;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>Where the data of a run comes from and how it is split: the options, or a saved run's <see cref="RunRecipe"/>.</summary>
internal sealed record DataChoice(string? Path, string Label, double TestFraction, double ValidationFraction, int? LimitRows, InvalidCells InvalidCells, string[] IgnoreColumns)
{
    public bool UsesMnist => Path is null;

    public DataReadOptions ReadOptions => new(Label, LimitRows, InvalidCells, IgnoreColumns);
}

/// <summary>The options shared by train, retrain and compare, and how they turn into data and a <see cref="TrainingSpec"/>.</summary>
internal sealed class TrainingOptions
{
    public const double DefaultTestFraction = 0.2;
    public const double DefaultValidationFraction = 0.1;

    public Option<string?> Data { get; } = new("--data") { Description = $"A CSV or TSV file (header row; separator from the extension or the header; .gz accepted; at most {InputFiles.Size(InputFiles.MaxDataBytes)}). Default: the embedded MNIST sample." };
    public Option<string?> Label { get; } = new("--label") { Description = "The label column of --data (default 'label')." };
    public Option<string?> Task { get; } = new("--task") { Description = "multiclass, binary or regression. Default: inferred from the label (Boolean-like: binary; a few integers or text: multiclass; else regression)." };
    public Option<string?> Schedule { get; } = new("--schedule") { Description = "The learning-rate schedule: text form (e.g. \"warmup(5%) >> cosine(min=1e-5)\"), JSON, or a file holding either." };
    public Option<double?> LearningRate { get; } = new("--lr") { Description = "The base learning rate relative schedules scale; it is also the peak of the default one-cycle schedule. A --schedule with absolute rates (one_cycle(max_lr=...), cyclic, optax_*) ignores it." };
    public Option<int?> Epochs { get; } = new("--epochs") { Description = "Passes over the training data." };
    public Option<int?> BatchSize { get; } = new("--batch-size") { Description = "Rows per mini-batch." };
    public Option<string?> Network { get; } = new("--network") { Description = "The network's body in the network spec's text form, e.g. \"mlp(512)\" or \"reshape(1, 28, 28) >> conv2d(16, kernel=3, padding=1) >> relu >> maxpool2d(2) >> flatten\" (docs/NETWORKS.md); the task's output layer is appended. Default: a small CNN for the MNIST sample, mlp(64) for --data." };
    public Option<string?> Hidden { get; } = new("--hidden") { Description = "A perceptron's hidden layer sizes, e.g. 256,128 ('none' for a linear model): short for --network \"mlp(256, 128)\"." };
    public Option<string?> Optimizer { get; } = new("--optimizer") { Description = "sgd, nesterov (SGD with Nesterov momentum), adam, adamw, rmsprop or adagrad." };
    public Option<double?> Momentum { get; } = new("--momentum") { Description = "SGD and RMSprop momentum." };
    public Option<double?> WeightDecay { get; } = new("--weight-decay") { Description = "Weight decay (decoupled for AdamW, L2 otherwise)." };
    public Option<double?> TestFraction { get; } = new("--test-fraction") { Description = $"Fraction of --data held out for testing, scored once at the end (default {DefaultTestFraction}; the MNIST sample always tests on its last 2,000 rows)." };
    public Option<double?> ValidationFraction { get; } = new("--validation-fraction") { Description = $"Fraction of the training rows held out for validation: the per-epoch metric, reactive schedules and compare's table (default {DefaultValidationFraction}; 0 for none). The test rows never are." };
    public Option<int?> Seed { get; } = new("--seed") { Description = "Seed of the split, the initialization and the shuffles (default 1)." };
    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or auto.", DefaultValueFactory = _ => "cpu" };
    public Option<int?> Threads { get; } = new("--threads") { Description = "CPU threads of libtorch while training. Default: chosen from the network's work per step (one thread for small networks), at most the physical cores; a continued run keeps its saved count unless given." };
    public Option<double?> CheckpointInterval { get; } = new("--checkpoint-interval") { Description = $"Seconds between the checkpoints written after epochs (default {DefaultCheckpointInterval.TotalSeconds:0}; 0: after every epoch). The last epoch's is always written and Ctrl+C or SIGTERM saves the last completed epoch; after a kill -9, the continued run redoes at most this much training, with the same result." };
    public Option<int?> LimitRows { get; } = new("--limit-rows") { Description = "Read only the first N rows of the data (quick trials)." };
    public Option<string?> InvalidCells { get; } = new("--invalid-cells") { Description = $"A feature cell that is neither a finite number nor a missing value ({TabularData.MissingMarkers}): error (default: fail, naming the line and column), missing (fill it with the column mean) or drop-column (leave its column out)." };
    public Option<string?> IgnoreColumns { get; } = new("--ignore-columns") { Description = "Comma-separated columns of --data to leave out of the features (ids, names, leaks)." };

    /// <summary>The options that describe the data and its split, which a continued run takes from the saved run.</summary>
    public IEnumerable<Option> DataOptions() => [Data, Label, TestFraction, ValidationFraction, LimitRows, InvalidCells, IgnoreColumns];

    public IEnumerable<Option> All(bool withTask = true)
    {
        yield return Data;
        yield return Label;
        if (withTask) yield return Task;
        yield return Schedule;
        yield return LearningRate;
        yield return Epochs;
        yield return BatchSize;
        yield return Network;
        yield return Hidden;
        yield return Optimizer;
        yield return Momentum;
        yield return WeightDecay;
        yield return TestFraction;
        yield return ValidationFraction;
        yield return Seed;
        yield return Device;
        yield return Threads;
        yield return CheckpointInterval;
        yield return LimitRows;
        yield return InvalidCells;
        yield return IgnoreColumns;
    }

    public bool UsesMnist(ParseResult r) => r.GetValue(Data) is null;

    /// <summary>The data options given, else those of <paramref name="saved"/>, else the defaults.</summary>
    public DataChoice Choose(ParseResult r, RunRecipe? saved)
    {
        string? path = r.GetValue(Data) ?? (saved is { UsesMnist: false } ? saved.Data : null);
        int? limit = r.GetResult(LimitRows) is not null ? r.GetValue(LimitRows) : saved?.LimitRows;
        if (limit is < 10) throw new CommandException($"--limit-rows: received {limit} (expected an integer >= 10)");
        return new DataChoice(
            path,
            r.GetValue(Label) ?? saved?.Label ?? "label",
            r.GetValue(TestFraction) ?? saved?.TestFraction ?? DefaultTestFraction,
            r.GetValue(ValidationFraction) ?? saved?.ValidationFraction ?? DefaultValidationFraction,
            limit,
            r.GetValue(InvalidCells) is { } cells ? ParseInvalidCells(cells) : saved?.InvalidCells ?? Training.InvalidCells.Error,
            r.GetValue(IgnoreColumns) is { } ignore ? ParseColumns(ignore) : saved?.IgnoreColumns ?? []);
    }

    /// <summary>Each data option given on the command line whose value differs from the saved run's, as "--option value (the run has saved)".</summary>
    public IEnumerable<string> DataContradictions(ParseResult r, RunRecipe saved)
    {
        if (r.GetValue(Data) is { } data && (saved.UsesMnist || !PathNames.Same(data, saved.Data)))
            yield return $"--data {data} (the run has {(saved.UsesMnist ? "the MNIST sample" : saved.Data)})";
        if (r.GetValue(Label) is { } label && !string.Equals(label, saved.Label, StringComparison.OrdinalIgnoreCase))
            yield return $"--label {label} (the run has {saved.Label})";
        if (r.GetValue(TestFraction) is { } test && test != saved.TestFraction)
            yield return $"--test-fraction {F(test)} (the run has {F(saved.TestFraction)})";
        if (r.GetValue(ValidationFraction) is { } validation && validation != saved.ValidationFraction)
            yield return $"--validation-fraction {F(validation)} (the run has {F(saved.ValidationFraction)})";
        if (r.GetResult(LimitRows) is not null && r.GetValue(LimitRows) != saved.LimitRows)
            yield return $"--limit-rows {r.GetValue(LimitRows)} (the run has {saved.LimitRows?.ToString(CultureInfo.InvariantCulture) ?? "none"})";
        if (r.GetValue(InvalidCells) is { } cells && ParseInvalidCells(cells) != saved.InvalidCells)
            yield return $"--invalid-cells {cells} (the run has {Name(saved.InvalidCells)})";
        if (r.GetValue(IgnoreColumns) is { } ignore && !ParseColumns(ignore).SequenceEqual(saved.IgnoreColumns, StringComparer.OrdinalIgnoreCase))
            yield return $"--ignore-columns {ignore} (the run has {(saved.IgnoreColumns.Length == 0 ? "none" : string.Join(",", saved.IgnoreColumns))})";
    }

    /// <summary>Each training option given whose value differs from the saved run's settings.</summary>
    /// <remarks><paramref name="totalSteps"/> resolves a given schedule's fractional durations as the run did (null: unknown, compared as given).</remarks>
    public IEnumerable<string> TrainingContradictions(ParseResult r, TorchModelInfo saved, long? totalSteps)
    {
        var s = saved.Settings;
        if (r.GetValue(Schedule) is { } text)
        {
            var given = ScheduleInput.Read(text, "--schedule");
            long? units = s.StepUnit == ScheduleStepUnit.Epoch ? s.Epochs : totalSteps;
            if (!given.IsResolved && units is { } n) given = given.Resolve(n);
            if (LrScheduleJson.Serialize(given) != LrScheduleJson.Serialize(saved.Schedule))
                yield return $"--schedule {text} (the run has {LrScheduleText.Format(saved.Schedule)})";
        }
        if (r.GetValue(LearningRate) is { } lr && lr != s.LearningRate) yield return $"--lr {F(lr)} (the run has {F(s.LearningRate)})";
        if (r.GetValue(Epochs) is { } epochs && epochs != s.Epochs) yield return $"--epochs {epochs} (the run has {s.Epochs})";
        if (r.GetValue(BatchSize) is { } batch && batch != s.BatchSize) yield return $"--batch-size {batch} (the run has {s.BatchSize})";
        if (r.GetValue(Network) is { } network && !ParseNetwork(network).Equals(BodyOf(saved.Network)))
            yield return $"--network {network} (the run has {BodyOf(saved.Network)})";
        if (r.GetValue(Hidden) is { } hidden && !ParseHidden(hidden).SequenceEqual(HiddenOf(saved.Network)))
            yield return $"--hidden {hidden} (the run has {HiddenText(HiddenOf(saved.Network))})";
        if (r.GetValue(Optimizer) is { } optimizer && ParseOptimizer(optimizer) is var (kind, nesterov) && (kind != s.Optimizer.Kind || nesterov != s.Optimizer.Nesterov))
            yield return $"--optimizer {optimizer} (the run has {(s.Optimizer.Nesterov ? "nesterov" : s.Optimizer.Kind.ToString().ToLowerInvariant())})";
        if (r.GetValue(Momentum) is { } momentum && momentum != s.Optimizer.Momentum) yield return $"--momentum {F(momentum)} (the run has {F(s.Optimizer.Momentum)})";
        if (r.GetValue(WeightDecay) is { } decay && decay != s.Optimizer.WeightDecay) yield return $"--weight-decay {F(decay)} (the run has {F(s.Optimizer.WeightDecay)})";
        if (r.GetValue(Seed) is { } seed && seed != s.Seed) yield return $"--seed {seed} (the run has {s.Seed})";
    }

    /// <summary>The hidden sizes of a saved network: its linear layers but the task's head (a perceptron's --hidden).</summary>
    internal static int[] HiddenOf(NetworkSpec network) => network.Layers.OfType<LinearLayer>().SkipLast(1).Select(l => l.OutFeatures).ToArray();

    /// <summary>A saved (resolved) network's body, as --network gives it: without its input size and the task's output layer, which the trainer appends.</summary>
    internal static NetworkSpec BodyOf(NetworkSpec network) => new(network.Layers.SkipLast(1).ToList());

    internal static string HiddenText(IEnumerable<int> hidden) => hidden.Any() ? string.Join(",", hidden) : "none";

    private static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static TabularData Read(DataChoice choice) =>
        choice.Path is { } path ? TabularData.Load(path, choice.ReadOptions) : TabularData.Mnist(choice.LimitRows);

    public static DataSplit Split(DataChoice choice, TabularData data, int seed, CliTask task) =>
        // The MNIST sample's own split: the first 80% train, the last 20% test (8,000 / 2,000 for the full file).
        choice.UsesMnist
            ? data.Split(0.2, choice.ValidationFraction, seed, fixedTail: true, task)
            : data.Split(choice.TestFraction, choice.ValidationFraction, seed, fixedTail: false, task);

    /// <summary>The recipe saved with the model: the choice, the data file's fingerprint and the plot.</summary>
    public static RunRecipe Recipe(DataChoice choice, CliTask task, string plotPath)
    {
        var (bytes, sha) = choice.Path is { } path ? RunRecipe.Fingerprint(path) : ((long?)null, (string?)null);
        return new RunRecipe(choice.Path is { } p ? PathNames.Resolve(p) : RunRecipe.Mnist, bytes, sha, choice.Label, task.Task,
            choice.TestFraction, choice.ValidationFraction, choice.LimitRows, choice.InvalidCells, choice.IgnoreColumns, Path.GetFullPath(plotPath));
    }

    public CliTask ResolveTask(ParseResult r, TabularData data) =>
        r.GetValue(Task) is { } task ? CliTask.Parse(task, "--task") : data.InferTask();

    /// <summary>The network body given by --network or --hidden (not both), or null.</summary>
    public NetworkSpec? GivenNetwork(ParseResult r)
    {
        string? network = r.GetValue(Network), hidden = r.GetValue(Hidden);
        if (network is not null && hidden is not null)
            throw new CommandException($"--hidden: received '{hidden}' with --network '{network}' (expected one of them: --hidden {hidden} is short for --network \"{NetworkSpec.Mlp(ParseHidden(hidden))}\")");
        return network is not null ? ParseNetwork(network) : hidden is not null ? NetworkSpec.Mlp(ParseHidden(hidden)) : null;
    }

    /// <summary>The defaults (MNIST or table) with every given option applied.</summary>
    public TrainingSpec Spec(ParseResult r, TrainingSpec defaults)
    {
        var spec = defaults;
        if (r.GetValue(Schedule) is { } schedule) spec = spec with { Schedule = ScheduleInput.Read(schedule, "--schedule") };
        if (r.GetValue(LearningRate) is { } lr)
        {
            spec = spec with { LearningRate = lr };
            // The default one-cycle schedule peaks at an absolute rate: it follows --lr unless a schedule was given.
            if (r.GetValue(Schedule) is null && spec.Schedule is OneCycleSchedule && double.IsFinite(lr) && lr > 0) spec = spec with { Schedule = TrainingSpec.OneCycle(lr) };
        }
        if (r.GetValue(Epochs) is { } epochs) spec = spec with { Epochs = epochs };
        if (r.GetValue(BatchSize) is { } batch) spec = spec with { BatchSize = batch };
        if (GivenNetwork(r) is { } network) spec = spec with { Network = network };
        if (r.GetValue(Optimizer) is { } optimizer)
        {
            var (kind, nesterov) = ParseOptimizer(optimizer);
            spec = spec with { Optimizer = kind, Nesterov = nesterov };
            if (kind == OptimizerKind.Sgd && r.GetValue(WeightDecay) is null) spec = spec with { WeightDecay = 5e-4 };
        }
        if (r.GetValue(Momentum) is { } momentum) spec = spec with { Momentum = momentum };
        if (r.GetValue(WeightDecay) is { } decay) spec = spec with { WeightDecay = decay };
        if (r.GetValue(Seed) is { } seed) spec = spec with { Seed = seed };
        spec = spec with { Device = ParseDevice(r.GetValue(Device)!) };
        if (r.GetValue(Threads) is { } threads) spec = spec with { Threads = threads };
        // Checked here with the command's names, before any file is touched; the library checks again with its own.
        Require(double.IsFinite(spec.LearningRate) && spec.LearningRate > 0, "--lr", F(spec.LearningRate), "a finite number > 0");
        Require(spec.Epochs >= 1, "--epochs", spec.Epochs.ToString(CultureInfo.InvariantCulture), "an integer >= 1");
        Require(spec.BatchSize >= 1, "--batch-size", spec.BatchSize.ToString(CultureInfo.InvariantCulture), "an integer >= 1");
        Require(spec.Momentum >= 0 && spec.Momentum < 1, "--momentum", F(spec.Momentum), "a number in [0, 1)");
        Require(double.IsFinite(spec.WeightDecay) && spec.WeightDecay >= 0, "--weight-decay", F(spec.WeightDecay), "a finite number >= 0");
        RequireThreads(spec.Threads);
        return spec;
    }

    /// <summary>
    /// How often the every-epoch checkpoint may be written. Short epochs (tables: tens of milliseconds) would otherwise spend
    /// most of their time writing the whole pipeline; on a shared CPU even more (docs/THREADS.md).
    /// </summary>
    public static readonly TimeSpan DefaultCheckpointInterval = TimeSpan.FromSeconds(2);

    /// <summary>The --checkpoint-interval given, else <see cref="DefaultCheckpointInterval"/>; checked with the option's name.</summary>
    public TimeSpan CheckpointIntervalOf(ParseResult r)
    {
        if (r.GetValue(CheckpointInterval) is not { } seconds) return DefaultCheckpointInterval;
        Require(double.IsFinite(seconds) && seconds >= 0 && seconds <= TimeSpan.MaxValue.TotalSeconds / 2, "--checkpoint-interval",
            F(seconds), "a number of seconds >= 0");
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Checks a --threads value with the command's name.</summary>
    internal static void RequireThreads(int? threads)
    {
        if (threads is { } t) Require(t >= 1, "--threads", t.ToString(CultureInfo.InvariantCulture), "an integer >= 1");
    }

    private static void Require(bool ok, string option, string received, string expected)
    {
        if (!ok) throw new CommandException($"{option}: received {received} (expected {expected})");
    }

    /// <summary>A network body in the spec's text form; a resolved spec (input(n) >> ...) or a malformed one is an error naming --network.</summary>
    internal static NetworkSpec ParseNetwork(string text)
    {
        NetworkSpec spec;
        try { spec = NetworkSpec.Parse(text); }
        catch (NetworkSpecFormatException e)
        {
            throw new CommandException($"--network: received '{text}': {FirstLine(e.Message)} (expected a network spec's text form, e.g. \"mlp(128)\" or \"reshape(1, 28, 28) >> conv2d(8, kernel=3) >> relu >> flatten\"; see docs/NETWORKS.md)", e);
        }
        if (spec.IsResolved)
            throw new CommandException($"--network: received '{text}', which starts with input({spec.InputSize}) (expected the network's body: the input size comes from the data)");
        return spec;
    }

    private static string FirstLine(string message) => message.Split('\n')[0].TrimEnd('.', ' ', '\r');

    internal static int[] ParseHidden(string text)
    {
        if (text.Trim().ToLowerInvariant() is "" or "none" or "0") return [];
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 1 ? n
            : throw new CommandException($"--hidden: received '{text}' (expected a comma-separated list of integers >= 1, e.g. 256,128, or 'none')")).ToArray();
    }

    internal static (OptimizerKind Kind, bool Nesterov) ParseOptimizer(string text) => text.Trim().ToLowerInvariant() switch
    {
        "sgd" => (OptimizerKind.Sgd, false),
        "nesterov" or "sgd-nesterov" or "sgd+nesterov" => (OptimizerKind.Sgd, true),
        "adam" => (OptimizerKind.Adam, false),
        "adamw" => (OptimizerKind.AdamW, false),
        "rmsprop" => (OptimizerKind.RmsProp, false),
        "adagrad" => (OptimizerKind.Adagrad, false),
        _ => throw new CommandException($"--optimizer: received '{text}' (expected sgd, nesterov, adam, adamw, rmsprop or adagrad)"),
    };

    internal static ComputeDevice ParseDevice(string text) => text.Trim().ToLowerInvariant() switch
    {
        "cpu" => ComputeDevice.Cpu,
        "cuda" or "gpu" => ComputeDevice.Cuda,
        "auto" => ComputeDevice.Auto,
        _ => throw new CommandException($"--device: received '{text}' (expected cpu, cuda or auto)"),
    };

    internal static InvalidCells ParseInvalidCells(string text) => text.Trim().ToLowerInvariant() switch
    {
        "error" => Training.InvalidCells.Error,
        "missing" => Training.InvalidCells.Missing,
        "drop-column" or "drop" => Training.InvalidCells.DropColumn,
        _ => throw new CommandException($"--invalid-cells: received '{text}' (expected error, missing or drop-column)"),
    };

    private static string Name(InvalidCells policy) => policy switch
    {
        Training.InvalidCells.Missing => "missing",
        Training.InvalidCells.DropColumn => "drop-column",
        _ => "error",
    };

    internal static string[] ParseColumns(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
