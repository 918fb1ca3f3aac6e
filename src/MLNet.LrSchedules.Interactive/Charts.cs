using ScottPlot;

namespace MLNet.LrSchedules.Interactive;

/// <summary>Draws the charts with ScottPlot.</summary>
internal static class Charts
{
    internal static string ScheduleSvg(SchedulePlotView view, int width, int height) => SchedulePlot(view).GetSvgXml(width, height);

    internal static byte[] SchedulePng(SchedulePlotView view, int width, int height) =>
        SchedulePlot(view).GetImageBytes(width, height, ImageFormat.Png);

    private static Plot SchedulePlot(SchedulePlotView view)
    {
        var plot = new Plot();
        bool anyMomentum = false;
        foreach (var (label, schedule) in view.Series)
        {
            var (steps, rates, momentum) = ScheduleSeries.Evaluate(schedule, view.Steps, view.BaseLearningRate);
            var line = plot.Add.ScatterLine(steps, rates);
            line.LegendText = label;
            line.LineWidth = 2;
            if (momentum is not null)
            {
                var m = plot.Add.ScatterLine(steps, momentum);
                m.LegendText = view.Series.Count == 1 ? "momentum" : label + " (momentum)";
                m.LinePattern = LinePattern.Dashed;
                m.Axes.YAxis = plot.Axes.Right;
                anyMomentum = true;
            }
        }
        plot.XLabel("optimizer step");
        plot.YLabel(view.BaseLearningRate == 1.0 ? "learning rate (base 1)" : $"learning rate (base {view.BaseLearningRate:G4})");
        if (anyMomentum) plot.Axes.Right.Label.Text = "momentum";
        if (view.Title is not null) plot.Title(view.Title);
        if (view.Series.Count > 1 || anyMomentum) plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>Lines over a shared x axis; series flagged <c>Right</c> use the right-hand axis.</summary>
    internal static Plot Lines(string xLabel, string leftLabel, string? rightLabel, string? title,
        IEnumerable<(string Label, double[] Xs, double[] Ys, bool Right)> series)
    {
        var plot = new Plot();
        int count = 0;
        foreach (var (label, xs, ys, right) in series)
        {
            if (xs.Length == 0) continue;
            var line = xs.Length == 1 ? (IPlottable)AddPoint(plot, xs, ys) : plot.Add.ScatterLine(xs, ys);
            if (line is ScottPlot.Plottables.Scatter scatter)
            {
                scatter.LegendText = label;
                scatter.LineWidth = 2;
                if (right) scatter.Axes.YAxis = plot.Axes.Right;
            }
            count++;
        }
        plot.XLabel(xLabel);
        plot.YLabel(leftLabel);
        if (rightLabel is not null) plot.Axes.Right.Label.Text = rightLabel;
        if (title is not null) plot.Title(title);
        if (count > 1) plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static ScottPlot.Plottables.Scatter AddPoint(Plot plot, double[] xs, double[] ys)
    {
        var scatter = plot.Add.Scatter(xs, ys);
        scatter.MarkerSize = 8;
        return scatter;
    }
}
