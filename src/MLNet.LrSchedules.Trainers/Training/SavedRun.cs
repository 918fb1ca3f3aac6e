using System.Globalization;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// How a trainer's options meet a saved model. Resuming: the settings the run continues with (its own, with the documented
/// overrides) and every assigned option that contradicts them. Fine-tuning: the network it starts from, and every way the
/// options or the data ask for another one. An option left unassigned never contradicts: it is taken from the saved run.
/// </summary>
/// <remarks>The same rules as <c>lrsched retrain --continue</c> and fine-tuning on the command line, with the options' names.</remarks>
internal static class SavedRun
{
    /// <summary>
    /// The settings a resumed run continues with: the saved run's, with <see cref="TorchTrainerOptions.Epochs"/> raised when
    /// the options ask for more (the run is extended, its schedule kept as resolved) and <see cref="TorchTrainerOptions.Device"/>
    /// when assigned. The shuffling of rows continues as the run had it. The run's saved thread count reproduces it bit for bit;
    /// a <see cref="TorchTrainerOptions.NumberOfThreads"/> that is set trades that for speed on this machine.
    /// </summary>
    /// <exception cref="ArgumentException">Assigned options contradict the run; the message names each with its value and the run's.</exception>
    public static EngineSettings ResumeSettings(TorchTrainerOptions o, TorchNetworkModel saved, int featureCount, int outputs, int? contextSeed)
    {
        var s = saved.Settings;
        var contradictions = new List<string>();
        void Compare<T>(string option, T given, T run)
        {
            if (!EqualityComparer<T>.Default.Equals(given, run)) contradictions.Add($"{option} = {Format(given)} (the run has {Format(run)})");
        }

        int epochs = s.Epochs;
        if (o.IsGiven(nameof(o.Epochs)))
        {
            if (o.Epochs < s.Epochs)
                contradictions.Add($"Epochs = {Format(o.Epochs)} (the run has {Format(s.Epochs)}; a run can be extended with more epochs, not shortened)");
            else
                epochs = o.Epochs;
        }
        if (o.IsGiven(nameof(o.Schedule)) && ScheduleContradiction(o.Schedule, saved) is { } schedule) contradictions.Add(schedule);
        if (o.IsGiven(nameof(o.LearningRate))) Compare(nameof(o.LearningRate), o.LearningRate, s.LearningRate);
        if (o.IsGiven(nameof(o.BatchSize))) Compare(nameof(o.BatchSize), o.BatchSize, s.BatchSize);
        if (o.IsGiven(nameof(o.StepScheduleEvery))) Compare(nameof(o.StepScheduleEvery), o.StepScheduleEvery, s.StepUnit);
        if (o.IsGiven(nameof(o.Seed))) Compare(nameof(o.Seed), o.Seed ?? contextSeed ?? 0, s.Seed);
        var optimizer = s.Optimizer;
        if (o.IsGiven(nameof(o.Optimizer))) Compare(nameof(o.Optimizer), o.Optimizer, optimizer.Kind);
        if (o.IsGiven(nameof(o.Momentum))) Compare(nameof(o.Momentum), o.Momentum, optimizer.Momentum);
        if (o.IsGiven(nameof(o.Nesterov))) Compare(nameof(o.Nesterov), o.Nesterov, optimizer.Nesterov);
        if (o.IsGiven(nameof(o.WeightDecay))) Compare(nameof(o.WeightDecay), o.WeightDecay, optimizer.WeightDecay);
        if (o.IsGiven(nameof(o.Betas))) Compare(nameof(o.Betas), o.Betas, (optimizer.Beta1, optimizer.Beta2));
        if (o.IsGiven(nameof(o.Epsilon))) Compare(nameof(o.Epsilon), o.Epsilon, optimizer.Epsilon);
        if (o.IsGiven(nameof(o.GradientClipNorm))) Compare(nameof(o.GradientClipNorm), o.GradientClipNorm, optimizer.GradientClipNorm);
        if (o.IsGiven(nameof(o.EarlyStoppingPatience))) Compare(nameof(o.EarlyStoppingPatience), o.EarlyStoppingPatience, s.EarlyStoppingPatience);
        if (o.IsGiven(nameof(o.RestoreBestWeights))) Compare(nameof(o.RestoreBestWeights), o.RestoreBestWeights, s.RestoreBestWeights);
        if (o.IsGiven(nameof(o.ShuffleRows))) Compare(nameof(o.ShuffleRows), o.ShuffleRows, saved.ShuffleRows);
        if (o.IsGiven(nameof(TorchNetworkRegressionOptions.StandardizeLabel)))
            Compare(nameof(TorchNetworkRegressionOptions.StandardizeLabel), o.StandardizesLabel, s.LabelStandardization is not null);
        if (o.NetworkGiven && NetworkContradiction(o, s.Network, featureCount, outputs) is { } network) contradictions.Add(network);

        // The validation loss is what early stopping and metric-driven schedules follow: without the same data they would follow another.
        bool validated = saved.History.Epochs.Any(e => e.ValidationLoss is not null);
        if (saved.EpochsCompleted > 0 && validated != (o.ValidationSet is not null))
            contradictions.Add(validated
                ? "ValidationSet = null (the run scored a validation set after every epoch: set the same one)"
                : "ValidationSet = a data view (the run had none)");

        if (contradictions.Count > 0)
            throw new ArgumentException(
                $"Parameter 'checkpoint': {(contradictions.Count == 1 ? "an option contradicts" : "options contradict")} the saved run: {string.Join("; ", contradictions)}. "
                + "Leave an option unassigned to keep the run's value (Epochs may be raised to extend the run), or fine-tune with Fit(data, model) for a new run.",
                "checkpoint");
        return s with { Epochs = epochs, Device = o.IsGiven(nameof(o.Device)) ? o.Device : s.Device, NumberOfThreads = o.NumberOfThreads ?? s.NumberOfThreads };
    }

    /// <summary>
    /// The network a fine-tune starts from: the model's own, or, with <see cref="TorchTrainerOptions.ReplaceHead"/>, its body
    /// with a new head for this task's <paramref name="outputs"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The network options describe another body, the data another feature count, or (without ReplaceHead) another task or output count.</exception>
    public static NetworkSpec FineTuneNetwork(TorchTrainerOptions o, TrainingTask task, TorchNetworkModel initial, int featureCount, int outputs)
    {
        var saved = initial.Network;
        var body = Body(saved);
        if (o.NetworkGiven && !o.NetworkBody().Layers.SequenceEqual(body.Layers))
            throw new ArgumentException(
                $"Parameter 'initialModel': its network's body is '{body}'; the options ({o.NetworkOptionNames}) describe '{o.NetworkBody()}'. "
                + "Fine-tuning keeps the body (and its weights): leave the network options unassigned, or train a new model for another shape.", "initialModel");
        if (saved.InputSize != featureCount)
            throw new ArgumentException(
                $"Parameter 'initialModel': its network takes {saved.InputSize} features; the data's '{o.FeatureColumnName}' column has {featureCount}.", "initialModel");
        if (o.ReplaceHead) return body.Resolve(featureCount, outputs);
        if (initial.Task != task)
            throw new ArgumentException(
                $"Parameter 'initialModel' is a {initial.Task} model; this trainer learns {task}. Set ReplaceHead = true to keep its body's weights under a new {task} head.", "initialModel");
        if (saved.OutputSize != outputs)
            throw new ArgumentException(
                $"Parameter 'initialModel': its head gives {saved.OutputSize} outputs; the data's '{o.LabelColumnName}' column needs {outputs}. "
                + "Set ReplaceHead = true to keep the body's weights and train a new head for these classes.", "initialModel");
        if (o.IsGiven(nameof(TorchNetworkRegressionOptions.StandardizeLabel)) && o.StandardizesLabel != (initial.LabelStandardization is not null))
            throw new ArgumentException(
                $"Parameter 'initialModel': its network learned {(initial.LabelStandardization is null ? "the label as it is" : "the standardized label")}; "
                + $"the options set StandardizeLabel = {Format(o.StandardizesLabel)}. Fine-tuning keeps the head's units: leave StandardizeLabel unassigned, or set ReplaceHead = true.",
                "initialModel");
        return saved;
    }

    /// <summary>A resolved network without its head: the layers the trainer did not append.</summary>
    public static NetworkSpec Body(NetworkSpec resolved) => new(resolved.Layers.Take(resolved.Layers.Count - 1).ToArray());

    private static string? ScheduleContradiction(LrSchedule? given, TorchNetworkModel saved)
    {
        var s = saved.Settings;
        var schedule = given ?? new ConstantSchedule();
        // The saved schedule was resolved against the run's steps (or epochs): an unresolved one is compared resolved the same way.
        long units = s.StepUnit == ScheduleStepUnit.Epoch ? s.Epochs : saved.Result.Checkpoint.TotalSteps;
        string text = given is null ? "null (constant)" : LrScheduleText.Format(given);
        try
        {
            if (!schedule.IsResolved) schedule = schedule.Resolve(units);
        }
        catch (ArgumentException e)
        {
            return $"Schedule = {text} (it cannot be resolved against the run's {units} {Units(s)}: {e.Message})";
        }
        return LrScheduleJson.Serialize(schedule) == LrScheduleJson.Serialize(saved.Schedule)
            ? null
            : $"Schedule = {text} (the run has {LrScheduleText.Format(saved.Schedule)}, resolved against its {units} {Units(s)})";
    }

    private static string Units(EngineSettings s) => s.StepUnit == ScheduleStepUnit.Epoch ? "epochs" : "steps";

    private static string? NetworkContradiction(TorchTrainerOptions o, NetworkSpec saved, int featureCount, int outputs)
    {
        var given = o.NetworkBody();
        if (given.Layers.SequenceEqual(Body(saved).Layers) && saved.InputSize == featureCount && saved.OutputSize == outputs) return null;
        return $"{o.NetworkOptionNames} = {given} (the run's network is {saved})";
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        ValueTuple<double, double> t => $"({Format(t.Item1)}, {Format(t.Item2)})",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
