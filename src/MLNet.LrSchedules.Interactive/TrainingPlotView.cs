using System.Net;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Interactive;

/// <summary>
/// Plots of a training run: the loss of each optimizer step (with a smoothed curve) against the learning rate used,
/// and per-epoch training and validation losses. Shown as inline SVG charts in a notebook.
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

    /// <summary>Plots of the given step and epoch records.</summary>
    public static TrainingPlotView Of(IEnumerable<StepRecord> steps, IEnumerable<EpochRecord>? epochs = null, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(steps);
        return new TrainingPlotView(steps.ToArray(), epochs?.ToArray() ?? [], title);
    }

    /// <summary>The step chart: loss per step (raw and smoothed) on the left axis, learning rate on the right; null when there are no steps.</summary>
    public string? StepsSvg(int width = 640, int height = 380) =>
        Steps.Count == 0 ? null : Charts.TrainingSteps(this).GetSvgXml(width, height);

    /// <summary>The epoch chart: training and validation loss per epoch; null when there are no epochs.</summary>
    public string? EpochsSvg(int width = 640, int height = 320) =>
        Epochs.Count == 0 ? null : Charts.TrainingEpochs(this).GetSvgXml(width, height);

    /// <summary>The charts and a one-line summary as an HTML fragment.</summary>
    public string ToHtml()
    {
        var html = new System.Text.StringBuilder("<div class=\"lrschedules-training\">");
        if (Title is not null) html.Append("<b>").Append(WebUtility.HtmlEncode(Title)).Append("</b>");
        if (StepsSvg() is { } steps) html.Append(Html.InlineSvg(steps));
        if (EpochsSvg() is { } epochs) html.Append(Html.InlineSvg(epochs));
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
