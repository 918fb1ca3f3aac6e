using System.Text;
using MLNet.LrSchedules.Plotting;

namespace MLNet.LrSchedules.Interactive;

/// <summary>One legend entry of a notebook chart.</summary>
internal sealed record LegendEntry(string Label, string Color, bool RightAxis);

/// <summary>An SVG chart without its own legend, and the legend the page draws under it.</summary>
internal sealed record Chart(string Svg, IReadOnlyList<LegendEntry> Legend);

/// <summary>Draws the notebook charts with the library's plots (<see cref="SchedulePlot"/>, <see cref="CurvePlot"/>).</summary>
/// <remarks>
/// In a notebook the legend is HTML under the chart rather than a box inside it, where it would hide the curves of
/// a busy comparison. The chart draws its series in ScottPlot's default palette, in the order they are added.
/// </remarks>
internal static class Charts
{
    // Enough points for a smooth curve in a 640-pixel chart; longer runs are sampled.
    private const int MaxPoints = 2000;

    internal const int Width = 640;
    internal const int Height = 320;

    // ScottPlot's default palette (Category10), which CurvePlot leaves in place.
    internal static readonly string[] Palette =
        ["#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF"];

    /// <summary>A standalone document: the library's schedule plot with its legend inside.</summary>
    internal static CurvePlot StandaloneSchedulePlot(SchedulePlotView view, int width, int height)
    {
        var options = new SchedulePlotOptions { Width = width, Height = height, Title = view.Title, ShowMomentum = true, MaxPoints = MaxPoints };
        var plot = SchedulePlot.Create(view.Series, view.BaseLearningRate, view.Steps, options);
        plot.XLabel = "optimizer step";
        plot.YLabel = RateLabel(view);
        return plot;
    }

    internal static Chart ScheduleChart(SchedulePlotView view)
    {
        var plot = new CurvePlot("optimizer step", RateLabel(view)) { Width = Width, Height = Height, Title = view.Title };
        var series = new List<(string Label, bool Right)>();
        foreach (var (label, schedule) in view.Series)
        {
            var (steps, rates) = SchedulePlot.Sample(schedule, view.BaseLearningRate, view.Steps, MaxPoints);
            plot.Add("", steps, rates);
            series.Add((label, false));
            var resolved = schedule.IsResolved ? schedule : schedule.Resolve(view.Steps);
            if (resolved is IMomentumSchedule { CyclesMomentum: true } momentum)
            {
                plot.Add("", steps, steps.Select(step => momentum.GetMomentum((long)step)).ToArray(), secondaryAxis: true);
                plot.SecondaryYLabel = "momentum";
                series.Add((view.Series.Count == 1 ? "momentum" : label + " momentum", true));
            }
        }
        return Render(plot, series);
    }

    internal static Chart TrainingStepsChart(TrainingPlotView view)
    {
        var steps = view.Steps;
        int stride = Math.Max(1, (steps.Count + MaxPoints - 1) / MaxPoints);
        var sampled = Enumerable.Range(0, (steps.Count + stride - 1) / stride).Select(i => i * stride).ToArray();
        var smoothed = Smooth(steps.Select(s => s.Loss)).ToArray();
        var xs = sampled.Select(i => (double)steps[i].Step).ToArray();
        var plot = new CurvePlot("optimizer step", "loss") { Width = Width, Height = Height, Title = view.Title, SecondaryYLabel = "learning rate" }
            .Add("", xs, sampled.Select(i => steps[i].Loss).ToArray())
            .Add("", xs, sampled.Select(i => smoothed[i]).ToArray())
            .Add("", xs, sampled.Select(i => steps[i].LearningRate).ToArray(), secondaryAxis: true);
        return Render(plot, [("loss", false), ("loss (smoothed)", false), ("learning rate", true)]);
    }

    internal static Chart TrainingEpochsChart(TrainingPlotView view)
    {
        var epochs = view.Epochs;
        var plot = new CurvePlot("epoch", "loss") { Width = Width, Height = 280 }
            .Add("", epochs.Select(e => (double)e.Epoch).ToArray(), epochs.Select(e => e.TrainingLoss).ToArray());
        var series = new List<(string, bool)> { ("training loss", false) };
        var validated = epochs.Where(e => e.ValidationLoss is not null).ToArray();
        if (validated.Length > 0)
        {
            plot.Add("", validated.Select(e => (double)e.Epoch).ToArray(), validated.Select(e => e.ValidationLoss!.Value).ToArray());
            series.Add(("validation loss", false));
        }
        var measured = epochs.Where(e => e.ValidationMetric is not null).ToArray();
        if (measured.Length > 0)
        {
            plot.Add("", measured.Select(e => (double)e.Epoch).ToArray(), measured.Select(e => e.ValidationMetric!.Value).ToArray(), secondaryAxis: true);
            plot.SecondaryYLabel = "metric";
            series.Add(("validation metric", true));
        }
        return Render(plot, series);
    }

    private static Chart Render(CurvePlot plot, IReadOnlyList<(string Label, bool Right)> series) =>
        new(Encoding.UTF8.GetString(plot.RenderSvg()),
            series.Select((s, i) => new LegendEntry(s.Label, Palette[i % Palette.Length], s.Right)).ToArray());

    private static string RateLabel(SchedulePlotView view) =>
        view.BaseLearningRate == 1.0 ? "learning rate (base 1)" : $"learning rate (base {view.BaseLearningRate:G4})";

    // Bias-corrected exponential moving average, as fastai's and timm's training-curve plots smooth a noisy loss.
    private static IEnumerable<double> Smooth(IEnumerable<double> values, double beta = 0.98)
    {
        double average = 0;
        int n = 0;
        foreach (var value in values)
        {
            // A diverged step (NaN, infinity) would poison every later average: it is drawn raw and skipped here.
            if (double.IsFinite(value))
            {
                n++;
                average = beta * average + (1 - beta) * value;
            }
            yield return n == 0 ? double.NaN : average / (1 - Math.Pow(beta, n));
        }
    }
}
