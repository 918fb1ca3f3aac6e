using System.Globalization;
using Microsoft.ML;
using MLNet.LrSchedules.Serialization;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Benchmarks.Quality;

/// <summary>A trainer under test: a name, and how to build it for one fit.</summary>
internal sealed record TrainerSpec(string Name, Func<FitContext, IEstimator<ITransformer>> Create)
{
    /// <summary>ML.NET's default trainer for whatever task the fit is (<see cref="LearningTask.MlNetDefault"/>), with its default options.</summary>
    public static TrainerSpec MlNetDefault { get; } = new("ML.NET default", c => c.Task.MlNetDefault(c.Ml));
}

/// <summary>What one fit gives the trainer: the context (seeded), the task, the run seed and, when the command scores every epoch, the prepared validation rows.</summary>
internal sealed record FitContext(MLContext Ml, LearningTask Task, int Seed, IDataView? Validation);

/// <summary>
/// TorchMlp options as data: only the settings given differ from the library's defaults (<c>new TorchMlp*Options()</c>), so
/// "defaults" follows whatever the library ships. Written and read as <c>key=value;key=value</c>
/// (keys: network, hidden, batch, epochs, optimizer, lr, schedule, unit, wd, nesterov, activation), the form the grid prints and
/// <c>quality --options</c>, <c>check --options</c> and <c>cnn-search --options</c> read. With <c>network</c> (a network spec's
/// text form) the trainer is TorchNetwork with that body instead of TorchMlp, and hidden and activation do not apply.
/// </summary>
internal sealed record MlpConfig
{
    private static readonly string[] Keys = ["network", "hidden", "batch", "epochs", "optimizer", "lr", "schedule", "unit", "wd", "nesterov", "activation"];

    /// <summary>The network's body in <see cref="NetworkSpec"/>'s text form; null for TorchMlp's perceptron.</summary>
    public string? Network { get; init; }
    public IReadOnlyList<int>? Hidden { get; init; }
    public int? BatchSize { get; init; }
    public int? Epochs { get; init; }
    public OptimizerKind? Optimizer { get; init; }
    public double? LearningRate { get; init; }
    /// <summary>The schedule's text form (<see cref="LrSchedule.Parse"/>); "none" for a constant rate.</summary>
    public string? Schedule { get; init; }
    public ScheduleStepUnit? StepUnit { get; init; }
    public double? WeightDecay { get; init; }
    public bool? Nesterov { get; init; }
    public Activation? Activation { get; init; }

    public static MlpConfig Defaults { get; } = new();

    public TrainerSpec Trainer(string? name = null) => Network is { } network
        ? new(name ?? $"TorchNetwork {this}", c => c.Task.TorchNetwork(c.Ml, NetworkSpec.Parse(network), options => Apply(options, c)))
        : new(name ?? $"TorchMlp {this}", c => c.Task.TorchMlp(c.Ml, options => Apply(options, c)));

    private void Apply(TorchTrainerOptions options, FitContext context)
    {
        if (options is TorchMlpOptions mlp)
        {
            if (Hidden is not null) mlp.HiddenLayers = Hidden;
            if (Activation is { } activation) mlp.Activation = activation;
        }
        if (BatchSize is { } batch) options.BatchSize = batch;
        if (Epochs is { } epochs) options.Epochs = epochs;
        if (Optimizer is { } optimizer) options.Optimizer = optimizer;
        if (LearningRate is { } lr) options.LearningRate = lr;
        if (Schedule is not null) options.Schedule = Schedule == "none" ? null : LrSchedule.Parse(Schedule);
        if (StepUnit is { } unit) options.StepScheduleEvery = unit;
        if (WeightDecay is { } wd) options.WeightDecay = wd;
        if (Nesterov is { } nesterov) options.Nesterov = nesterov;
        options.Seed = context.Seed;
        options.ValidationSet = context.Validation;
        // The reported epoch is the last one trained: no weights are picked by the validation loss (without early stopping
        // RestoreBestWeights does not apply; off, it says so even if a configuration ever adds a patience).
        options.RestoreBestWeights = false;
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (Network is not null) parts.Add($"network={Network}");
        if (Hidden is not null) parts.Add("hidden=" + string.Join(",", Hidden));
        if (BatchSize is { } batch) parts.Add($"batch={batch}");
        if (Epochs is { } epochs) parts.Add($"epochs={epochs}");
        if (Optimizer is { } optimizer) parts.Add($"optimizer={optimizer}");
        if (LearningRate is { } lr) parts.Add("lr=" + lr.ToString("G", CultureInfo.InvariantCulture));
        if (Schedule is not null) parts.Add($"schedule={Schedule}");
        if (StepUnit is { } unit) parts.Add($"unit={unit}");
        if (WeightDecay is { } wd) parts.Add("wd=" + wd.ToString("G", CultureInfo.InvariantCulture));
        if (Nesterov is { } nesterov) parts.Add($"nesterov={nesterov.ToString().ToLowerInvariant()}");
        if (Activation is { } activation) parts.Add($"activation={activation}");
        return parts.Count == 0 ? "defaults" : string.Join(";", parts);
    }

    /// <summary>Reads <see cref="ToString"/>'s form ("defaults" or "" for the library's defaults).</summary>
    /// <exception cref="UsageException">An unknown key or a value that does not parse; the message names it.</exception>
    public static MlpConfig Parse(string spec)
    {
        var config = new MlpConfig();
        if (spec.Trim() is "" or "defaults") return config;
        foreach (string part in spec.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            string key = eq < 0 ? part : part[..eq].Trim();
            string value = eq < 0 ? "" : part[(eq + 1)..].Trim();
            try
            {
                config = key switch
                {
                    "network" => config with { Network = NetworkSpec.Parse(value).ToString() },
                    "hidden" => config with { Hidden = value.Length == 0 ? [] : value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray() },
                    "batch" => config with { BatchSize = int.Parse(value, CultureInfo.InvariantCulture) },
                    "epochs" => config with { Epochs = int.Parse(value, CultureInfo.InvariantCulture) },
                    "optimizer" => config with { Optimizer = Enum.Parse<OptimizerKind>(value, ignoreCase: true) },
                    "lr" => config with { LearningRate = double.Parse(value, CultureInfo.InvariantCulture) },
                    "schedule" => config with { Schedule = value == "none" ? value : LrScheduleText.Format(LrSchedule.Parse(value)) },
                    "unit" => config with { StepUnit = Enum.Parse<ScheduleStepUnit>(value, ignoreCase: true) },
                    "wd" => config with { WeightDecay = double.Parse(value, CultureInfo.InvariantCulture) },
                    "nesterov" => config with { Nesterov = bool.Parse(value) },
                    "activation" => config with { Activation = Enum.Parse<Activation>(value, ignoreCase: true) },
                    _ => throw new ArgumentException($"unknown key (expected one of {string.Join(", ", Keys)})"),
                };
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                throw new UsageException($"--options: '{part}' in \"{spec}\": {e.Message}");
            }
        }
        return config;
    }
}
