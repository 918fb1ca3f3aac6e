using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MLNet.LrSchedules.Serialization;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Tool.Files;
using Spectre.Console;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary><c>lrsched inspect</c>: what a model file holds, read straight from the zip (no network loaded).</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "An ML.NET model file holding a TorchSharp network (TorchMlp or TorchNetwork) transformer." };
        var json = new Option<bool>("--json") { Description = "Write one JSON object instead of text." };
        var plot = new Option<string?>("--plot") { Description = "Also plot the stored history (learning rate, training loss, validation metric against step) to this PNG/SVG." };
        var command = new Command("inspect", "Print a model's schedule, scheduler state, optimizer and training settings, format version and training history, without loading the network.") { model, json, plot };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            string path = r.GetValue(model)!;
            string? plotPath = r.GetValue(plot);
            using var claim = OutputClaim.Take([new InputFile(path, "model")], plotPath is null ? null : new OutputFile(plotPath, "--plot", ".png", ".svg"));
            var infos = ModelFiles.ReadInfo(path);
            if (r.GetValue(json)) WriteJson(infos);
            else foreach (var info in infos) WriteText(path, info);
            if (plotPath is not null)
            {
                TrainCommands.SaveTrainingPlot(infos[^1].History, infos[^1].Task, plotPath, $"{Path.GetFileName(path)}: {LrScheduleText.Format(infos[^1].Schedule)}");
                (r.GetValue(json) ? Console.Error : Console.Out).WriteLine($"Wrote {Path.GetFullPath(plotPath)}");
            }
        }));
        return command;
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static void WriteText(string path, TorchModelInfo info)
    {
        var s = info.Settings;
        var o = info.Optimizer;
        var n = info.Network;
        Console.WriteLine($"Model: {path} ({info.Directory})");
        Console.WriteLine($"  format version {info.FormatVersion}, library {info.LibraryVersion}; entries: {string.Join(", ", info.EntryNames)}");
        Console.WriteLine($"Task: {info.Task}; features '{info.FeatureColumnName}' ({n.InputSize}), label '{info.LabelColumnName}'{(info.ClassNames is { } c ? $" ({c.Count} classes: {string.Join(", ", c.Take(20))}{(c.Count > 20 ? ", ..." : "")})" : "")}");
        Console.WriteLine($"Network: {n}");
        if (info.LabelStandardization is { } label)
            Console.WriteLine($"Label: standardized (mean {F(label.Mean)}, standard deviation {F(label.StandardDeviation)}); scores are in the label's units, the history's losses are the standardized problem's, its RMSE in the label's units");
        Console.WriteLine("Schedule:");
        Console.WriteLine($"  {LrScheduleText.Format(info.Schedule)}");
        Console.WriteLine($"  {LrScheduleJson.Serialize(info.Schedule)}");
        var state = info.SchedulerState;
        Console.WriteLine($"Scheduler state: base lr {F(state.BaseLearningRate)}, next step {state.Step}{(state.Reactive is null ? "" : $", reactive state {LrScheduleJson.SerializeState(state)}")}");
        Console.WriteLine($"Optimizer: {o.Kind}, momentum {F(o.Momentum)}{(o.Nesterov ? " (Nesterov)" : "")}, weight decay {F(o.WeightDecay)}, betas ({F(o.Beta1)}, {F(o.Beta2)}), epsilon {F(o.Epsilon)}, gradient clip {(o.GradientClipNorm is { } g ? F(g) : "none")}; state {info.OptimizerStateBytes:N0} bytes");
        Console.WriteLine($"Training: {s.Epochs} epochs planned, batch {s.BatchSize}, schedule stepped every {s.StepUnit}, seed {s.Seed}, device {s.Device}, {(s.NumberOfThreads is { } t ? $"{t} CPU thread{(t == 1 ? "" : "s")}" : "CPU threads not recorded")}, early stopping {(s.EarlyStoppingPatience is { } p ? $"after {p} epochs" : "off")}");
        Console.WriteLine($"Progress: {info.EpochsCompleted} epochs, {info.StepsCompleted} steps completed; stop reason {info.StopReason}{(info.StopReason != TrainingStopReason.Diverged && info.EpochsCompleted < s.Epochs ? " (unfinished: lrsched retrain --continue resumes it)" : "")}");
        var epochs = info.History.Epochs;
        if (epochs.Count == 0) { Console.WriteLine("History: empty"); return; }
        var steps = info.History.Steps;
        Console.WriteLine($"History: {steps.Count} steps, {epochs.Count} epochs; learning rate {F(steps.Min(x => x.LearningRate))} .. {F(steps.Max(x => x.LearningRate))}");
        string metric = $"val {TrainingEngine.MetricName(info.Task)}";
        var table = new Table().AddColumns("epoch", "train loss", "val loss", metric, "last lr", "time");
        var lastRate = new Dictionary<int, double>();
        foreach (var step in steps) lastRate[step.Epoch] = step.LearningRate;
        foreach (var e in epochs)
            table.AddRow(e.Epoch.ToString(CultureInfo.InvariantCulture), e.TrainingLoss.ToString("0.0000", CultureInfo.InvariantCulture),
                e.ValidationLoss?.ToString("0.0000", CultureInfo.InvariantCulture) ?? "-", e.ValidationMetric?.ToString("0.0000", CultureInfo.InvariantCulture) ?? "-",
                lastRate.TryGetValue(e.Epoch, out double lr) ? lr.ToString("0.###e+0", CultureInfo.InvariantCulture) : "-", $"{e.WallTime.TotalSeconds:0.0} s");
        TrainCommands.Output().Write(table);
    }

    private static void WriteJson(IReadOnlyList<TorchModelInfo> infos)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            if (infos.Count > 1) w.WriteStartArray();
            foreach (var info in infos) WriteInfo(w, info);
            if (infos.Count > 1) w.WriteEndArray();
        }
        Console.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteInfo(Utf8JsonWriter w, TorchModelInfo info)
    {
        var s = info.Settings;
        var o = info.Optimizer;
        var n = info.Network;
        w.WriteStartObject();
        w.WriteString("directory", info.Directory);
        w.WriteNumber("format_version", info.FormatVersion);
        w.WriteString("library_version", info.LibraryVersion);
        w.WriteString("task", info.Task.ToString());
        w.WriteString("feature_column", info.FeatureColumnName);
        w.WriteString("label_column", info.LabelColumnName);
        if (info.ClassNames is { } classes)
        {
            w.WriteStartArray("classes");
            foreach (var c in classes) w.WriteStringValue(c);
            w.WriteEndArray();
        }
        w.WriteString("network_text", n.ToString());
        w.WritePropertyName("network");
        using (var network = JsonDocument.Parse(n.ToJson()))
        {
            // The spec's own JSON, with the output size it gives for readers of the summary.
            w.WriteStartObject();
            foreach (var property in network.RootElement.EnumerateObject()) property.WriteTo(w);
            if (n.OutputSize is { } outputs) w.WriteNumber("output_size", outputs);
            w.WriteEndObject();
        }
        w.WriteString("schedule_text", LrScheduleText.Format(info.Schedule));
        w.WritePropertyName("schedule");
        w.WriteRawValue(LrScheduleJson.Serialize(info.Schedule));
        w.WritePropertyName("scheduler_state");
        w.WriteRawValue(LrScheduleJson.SerializeState(info.SchedulerState));
        w.WriteStartObject("optimizer");
        w.WriteString("kind", o.Kind.ToString());
        w.WriteNumber("momentum", o.Momentum);
        w.WriteBoolean("nesterov", o.Nesterov);
        w.WriteNumber("weight_decay", o.WeightDecay);
        w.WriteNumber("beta1", o.Beta1);
        w.WriteNumber("beta2", o.Beta2);
        w.WriteNumber("epsilon", o.Epsilon);
        if (o.GradientClipNorm is { } clip) w.WriteNumber("gradient_clip_norm", clip); else w.WriteNull("gradient_clip_norm");
        w.WriteNumber("state_bytes", info.OptimizerStateBytes);
        w.WriteEndObject();
        w.WriteStartObject("training");
        w.WriteNumber("learning_rate", s.LearningRate);
        w.WriteNumber("epochs", s.Epochs);
        w.WriteNumber("batch_size", s.BatchSize);
        w.WriteString("step_unit", s.StepUnit.ToString());
        w.WriteNumber("seed", s.Seed);
        w.WriteString("device", s.Device.ToString());
        if (s.NumberOfThreads is { } threads) w.WriteNumber("number_of_threads", threads); else w.WriteNull("number_of_threads");
        if (s.EarlyStoppingPatience is { } p) w.WriteNumber("early_stopping_patience", p); else w.WriteNull("early_stopping_patience");
        if (info.LabelStandardization is { } label)
        {
            w.WriteStartObject("label_standardization");
            w.WriteNumber("mean", label.Mean);
            w.WriteNumber("standard_deviation", label.StandardDeviation);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("label_standardization");
        }
        w.WriteNumber("epochs_completed", info.EpochsCompleted);
        w.WriteNumber("steps_completed", info.StepsCompleted);
        w.WriteString("stop_reason", info.StopReason.ToString());
        w.WriteEndObject();
        w.WriteStartObject("history");
        w.WriteNumber("steps", info.History.Steps.Count);
        w.WriteStartArray("epochs");
        foreach (var e in info.History.Epochs)
        {
            w.WriteStartObject();
            w.WriteNumber("epoch", e.Epoch);
            WriteNumber(w, "training_loss", e.TrainingLoss);
            if (e.ValidationLoss is { } vl) WriteNumber(w, "validation_loss", vl); else w.WriteNull("validation_loss");
            if (e.ValidationMetric is { } vm) WriteNumber(w, "validation_metric", vm); else w.WriteNull("validation_metric");
            w.WriteNumber("wall_seconds", e.WallTime.TotalSeconds);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
    }
}
