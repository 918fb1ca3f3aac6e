using System.Net;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Interactive;

/// <summary>
/// Plots of a training run: the loss of each optimizer step (with a smoothed curve) and the learning rate used
/// (right axis), and per-epoch training and validation losses (and the validation metric, right axis).
/// Shown as inline SVG charts in a notebook.
/// </summary>
public sealed class TrainingPlotView
{
    private TrainingPlotView(IReadOnlyList<StepRecord> steps, IReadOnlyList<EpochRecord> epochs, string? title)
    {
        Steps = steps;
        Epochs = epochs;
        Title = title;
    }

    /// <summary>The optimizer steps plotted.</summary>
    public IReadOnlyList<StepRecord> Steps { get; }

    /// <summary>The epochs plotted.</summary>
    public IReadOnlyList<EpochRecord> Epochs { get; }

    /// <summary>The title over the charts, or null.</summary>
    public string? Title { get; }

    /// <summary>Plots of a training run's history (a trained model's <c>History</c>).</summary>
    public static TrainingPlotView Of(TrainingHistory history, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        return Of(history.Steps, history.Epochs, title);
    }

    /// <summary>Plots of the given step and epoch records.</summary>
    public static TrainingPlotView Of(IEnumerable<StepRecord> steps, IEnumerable<EpochRecord>? epochs = null, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(steps);
        return new TrainingPlotView(steps.ToArray(), epochs?.ToArray() ?? [], title);
    }

    /// <summary>The charts and a one-line summary as an HTML fragment.</summary>
    public string ToHtml()
    {
        var html = new System.Text.StringBuilder("<div class=\"lrschedules-training\">");
        if (Title is not null) html.Append("<b>").Append(WebUtility.HtmlEncode(Title)).Append("</b>");
        if (Steps.Count > 0) html.Append(Html.Chart(Charts.TrainingStepsChart(this)));
        if (Epochs.Count > 0) html.Append(Html.Chart(Charts.TrainingEpochsChart(this)));
        html.Append("<pre class=\"lrschedules-text\">").Append(WebUtility.HtmlEncode(ToString())).Append("</pre></div>");
        return html.ToString();
    }

    /// <inheritdoc />
    public override string ToString()
    {
        if (Steps.Count == 0 && Epochs.Count == 0) return "No training recorded.";
        var summary = $"{Steps.Count} steps, {Epochs.Count} epochs";
        if (Steps.Count > 0) summary += $"; last loss {Steps[^1].Loss:G4} at learning rate {Steps[^1].LearningRate:G4}";
        if (Epochs.Count > 0 && Epochs[^1].ValidationLoss is { } validation) summary += $"; last validation loss {validation:G4}";
        return summary;
    }
}
