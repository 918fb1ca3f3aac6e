namespace MLNet.LrSchedules.Interactive;

/// <summary>
/// A plot of one or more schedules over their first steps, shown as an inline SVG chart in a notebook
/// (see <see cref="NotebookFormatters"/>).
/// </summary>
/// <remarks>Create it with <see cref="Of"/> or <c>Compare</c>; it is a view, evaluated when it is displayed.</remarks>
public sealed class SchedulePlotView
{
    private SchedulePlotView(IReadOnlyList<(string Label, LrSchedule Schedule)> series, long steps, double baseLearningRate, string? title)
    {
        Series = series;
        Steps = steps;
        BaseLearningRate = baseLearningRate;
        Title = title;
    }

    /// <summary>The plotted schedules with their legend labels.</summary>
    public IReadOnlyList<(string Label, LrSchedule Schedule)> Series { get; }

    /// <summary>Number of optimizer steps plotted, from step 0.</summary>
    public long Steps { get; }

    /// <summary>The base learning rate the schedules are evaluated with.</summary>
    public double BaseLearningRate { get; }

    /// <summary>The chart title, or null for none.</summary>
    public string? Title { get; }

    /// <summary>A plot of <paramref name="schedule"/> over its first <paramref name="steps"/> steps.</summary>
    /// <param name="schedule">The schedule; fractional and open durations are resolved against <paramref name="steps"/>.</param>
    /// <param name="steps">Number of steps to plot; by default the schedule's own length, or <see cref="NotebookFormatters.DefaultPlotSteps"/>.</param>
    /// <param name="baseLearningRate">The optimizer's base learning rate.</param>
    /// <param name="title">The chart title; by default none.</param>
    public static SchedulePlotView Of(LrSchedule schedule, long? steps = null, double baseLearningRate = 1.0, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return Create([(Label(schedule), schedule)], steps, baseLearningRate, title);
    }

    /// <summary>Several schedules on one chart, each with its legend label.</summary>
    /// <param name="steps">Number of steps to plot; by default the longest natural length, or <see cref="NotebookFormatters.DefaultPlotSteps"/>.</param>
    /// <param name="baseLearningRate">The optimizer's base learning rate.</param>
    /// <param name="title">The chart title; by default none.</param>
    /// <param name="schedules">The labelled schedules.</param>
    public static SchedulePlotView Compare(long? steps, double baseLearningRate, string? title, params (string Label, LrSchedule Schedule)[] schedules)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        if (schedules.Length == 0)
            throw new ArgumentException("Parameter 'schedules' must hold at least one schedule; received none.", nameof(schedules));
        return Create(schedules, steps, baseLearningRate, title);
    }

    /// <summary>Several schedules on one chart over <see cref="NotebookFormatters.DefaultPlotSteps"/> steps (or their natural length), base rate 1.</summary>
    public static SchedulePlotView Compare(params (string Label, LrSchedule Schedule)[] schedules) => Compare(null, 1.0, null, schedules);

    private static SchedulePlotView Create(IReadOnlyList<(string, LrSchedule)> series, long? steps, double baseLearningRate, string? title)
    {
        if (steps is <= 0)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"Parameter 'steps' must be > 0; received {steps}.");
        if (!(baseLearningRate >= 0) || double.IsInfinity(baseLearningRate))
            throw new ArgumentOutOfRangeException(nameof(baseLearningRate), baseLearningRate, $"Parameter 'baseLearningRate' must be finite and >= 0; received {baseLearningRate}.");
        long resolvedSteps = steps ?? series.Select(s => NaturalSteps(s.Item2)).Max() ?? NotebookFormatters.DefaultPlotSteps;
        return new SchedulePlotView(series, resolvedSteps, baseLearningRate, title);
    }

    private static string Label(LrSchedule schedule)
    {
        string text = schedule.ToString();
        return text.Length <= 60 ? text : text[..57] + "...";
    }

    /// <summary>The schedule's own length in steps when it has one, so a warmup or a cosine period is shown whole.</summary>
    private static long? NaturalSteps(LrSchedule schedule) =>
        schedule.Length is { IsResolved: true } length ? length.StepCount : null;

    /// <summary>The chart as a standalone SVG document, its legend inside.</summary>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public string ToSvg(int width = 800, int height = 500) =>
        System.Text.Encoding.UTF8.GetString(Charts.StandaloneSchedulePlot(this, width, height).RenderSvg());

    /// <summary>The chart as a PNG image, its legend inside.</summary>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public byte[] ToPng(int width = 800, int height = 500) => Charts.StandaloneSchedulePlot(this, width, height).RenderPng();

    /// <summary>The chart as an HTML fragment: the inline SVG, its legend, and each schedule's text form.</summary>
    public string ToHtml() => Html.SchedulePlot(this);

    /// <inheritdoc />
    public override string ToString() =>
        $"Plot of {string.Join(", ", Series.Select(s => s.Label))} over {Steps} steps (base learning rate {BaseLearningRate})";
}
