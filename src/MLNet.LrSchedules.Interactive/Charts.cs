using ScottPlot;

namespace MLNet.LrSchedules.Interactive;

/// <summary>Draws the charts with ScottPlot.</summary>
internal static class Charts
{
    internal static string ScheduleSvg(SchedulePlotView view, int width, int height) => SchedulePlot(view).GetSvgXml(width, height);

    internal static byte[] SchedulePng(SchedulePlotView view, int width, int height) =>
        SchedulePlot(view).GetImageBytes(width, height, ImageFormat.Png);

    // The legend sits under the chart, two entries a row; the chart keeps its height above it.
    internal static int DefaultHeight(SchedulePlotView view)
    {
        int entries = view.Series.Sum(s => s.Schedule is IMomentumSchedule { CyclesMomentum: true } ? 2 : 1);
        return entries > 1 ? 320 + 30 + 22 * ((entries + 1) / 2) : 320;
    }

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
        if (view.Series.Count > 1 || anyMomentum) plot.ShowLegend(Edge.Bottom);
        return plot;
    }

    internal static Plot TrainingSteps(TrainingPlotView view)
    {
        var steps = view.Steps;
        int stride = Math.Max(1, (steps.Count + ScheduleSeries.MaxPoints - 1) / ScheduleSeries.MaxPoints);
        var sampled = Enumerable.Range(0, (steps.Count + stride - 1) / stride).Select(i => steps[i * stride]).ToArray();
        var xs = sampled.Select(s => (double)s.Step).ToArray();
        var loss = sampled.Select(s => s.Loss).ToArray();
        var rates = sampled.Select(s => s.LearningRate).ToArray();
        return Lines("optimizer step", "loss", "learning rate", null,
        [
            ("loss", xs, loss, false),
            ("loss (smoothed)", xs, Smooth(steps.Select(s => s.Loss)).Where((_, i) => i % stride == 0).ToArray(), false),
            ("learning rate", xs, rates, true),
        ]);
    }

    internal static Plot TrainingEpochs(TrainingPlotView view)
    {
        var epochs = view.Epochs;
        var xs = epochs.Select(e => (double)e.Epoch).ToArray();
        var series = new List<(string, double[], double[], bool)> { ("training loss", xs, epochs.Select(e => e.TrainingLoss).ToArray(), false) };
        var validated = epochs.Where(e => e.ValidationLoss is not null).ToArray();
        if (validated.Length > 0)
            series.Add(("validation loss", validated.Select(e => (double)e.Epoch).ToArray(), validated.Select(e => e.ValidationLoss!.Value).ToArray(), false));
        return Lines("epoch", "loss", null, null, series);
    }

    // Bias-corrected exponential moving average, as the range-test and training-curve plots of fastai and timm show it.
    private static IEnumerable<double> Smooth(IEnumerable<double> values, double beta = 0.98)
    {
        double average = 0;
        int n = 0;
        foreach (var value in values)
        {
            n++;
            average = beta * average + (1 - beta) * value;
            yield return average / (1 - Math.Pow(beta, n));
        }
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
        if (count > 1) plot.ShowLegend(Edge.Bottom);
        return plot;
    }

    private static ScottPlot.Plottables.Scatter AddPoint(Plot plot, double[] xs, double[] ys)
    {
        var scatter = plot.Add.Scatter(xs, ys);
        scatter.MarkerSize = 8;
        return scatter;
    }
}
