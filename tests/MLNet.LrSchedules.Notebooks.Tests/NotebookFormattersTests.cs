using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive.Formatting;
using MLNet.LrSchedules.Interactive;
using MLNet.LrSchedules.Trainers;
using static MLNet.LrSchedules.Notebooks.Tests.TestNotebook;

namespace MLNet.LrSchedules.Notebooks.Tests;

[TestClass]
public sealed class NotebookFormattersTests
{
    private static readonly StepRecord[] Steps =
        Enumerable.Range(0, 50).Select(i => new StepRecord(i, i / 10, 0.1 * (1 - i / 50.0), 2.0 / (1 + i))).ToArray();

    private static readonly EpochRecord[] Epochs =
        Enumerable.Range(0, 5).Select(e => new EpochRecord(e, 1.0 / (1 + e), 1.2 / (1 + e), null, TimeSpan.FromSeconds(1))).ToArray();

    [TestInitialize]
    public void Reset() => Formatter.ResetToDefault();

    [TestMethod]
    public void A_schedule_displays_as_a_chart_with_its_legend_and_text_form()
    {
        NotebookFormatters.Register();

        string html = LrSchedule.CosineAnnealing(tMax: 500, etaMin: 0.1).ToDisplayString(HtmlFormatter.MimeType);

        Assert.AreEqual(1, Regex.Matches(html, "<svg").Count);
        StringAssert.Contains(html, "<pre class=\"lrschedules-text\">cosine(t_max=500, eta_min=0.1)</pre>");
        StringAssert.Contains(html, "class=\"lrschedules-legend\"");
        // The chart spans the cosine's own length.
        Assert.MatchesRegex(">\\s*500\\s*</text>", html);
    }

    [TestMethod]
    public void A_reactive_schedule_says_its_plot_is_the_rate_before_any_signal()
    {
        string html = LrSchedule.Parse("warmup(100) >> plateau(factor=0.5)").Plot(steps: 500).ToHtml();

        StringAssert.Contains(html, "reacts to the metric signal: the plot shows its rate before any signal.");
        Assert.DoesNotContain("reacts to", LrSchedule.Step(10).Plot().ToHtml());
    }

    [TestMethod]
    public void A_schedule_shows_as_its_text_form_in_plain_text()
    {
        NotebookFormatters.Register();

        Assert.AreEqual("step(step_size=10)", LrSchedule.Step(10).ToDisplayString(PlainTextFormatter.MimeType));
    }

    [TestMethod]
    public void The_legend_colors_are_the_colors_the_chart_draws_its_lines_in()
    {
        var view = SchedulePlotView.Compare(
            ("a", LrSchedule.Step(100)), ("b", LrSchedule.Exponential(0.99)), ("c", LrSchedule.OneCycle(0.1, totalSteps: 1000)));

        string html = view.ToHtml();

        var legend = Regex.Matches(html, "border-top:3px (?:solid|dotted) (#[0-9A-F]{6})").Select(m => m.Groups[1].Value).ToArray();
        var lines = Regex.Matches(html, "stroke=\"(#[0-9A-F]{6})\" stroke-width=\"2\"").Select(m => m.Groups[1].Value).Distinct().ToArray();
        CollectionAssert.AreEqual(lines, legend);
        Assert.AreEqual(4, legend.Length, "a, b, c and c's momentum");
        StringAssert.Contains(html, "c momentum <i>(right axis)</i>");
    }

    [TestMethod]
    public void A_plot_view_resolves_fractional_durations_against_its_window()
    {
        var view = LrSchedule.HfCosine(numWarmupSteps: Duration.Fraction(0.1)).Plot(steps: 2000, baseLearningRate: 0.5, title: "t");

        Assert.AreEqual(2000, view.Steps);
        StringAssert.Contains(view.ToHtml(), "learning rate (base 0.5)");
        StringAssert.StartsWith(view.ToSvg(), "<?xml");
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, view.ToPng(200, 100).Take(4).ToArray());
    }

    [TestMethod]
    public void A_plot_view_rejects_an_empty_window()
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Step(10).Plot(steps: 0));

        StringAssert.Contains(error.Message, "Parameter 'steps' must be > 0; received 0.");
    }

    [TestMethod]
    public void A_training_history_displays_as_its_plots()
    {
        NotebookFormatters.Register();

        string html = new TrainingHistory(Steps, Epochs).ToDisplayString(HtmlFormatter.MimeType);

        Assert.AreEqual(2, Regex.Matches(html, "<svg").Count);
        StringAssert.Contains(html, "50 steps, 5 epochs");
    }

    [TestMethod]
    public void A_diverged_loss_leaves_the_plot_drawable()
    {
        var steps = Steps.Select(s => s.Step < 45 ? s : s with { Loss = s.Step == 45 ? double.NaN : double.PositiveInfinity }).ToArray();

        StringAssert.Contains(TrainingPlotView.Of(steps).ToHtml(), "<svg");
    }

    [TestMethod]
    public void A_training_view_displays_as_step_and_epoch_charts_with_a_summary()
    {
        NotebookFormatters.Register();

        string html = TrainingPlotView.Of(Steps, Epochs).ToDisplayString(HtmlFormatter.MimeType);

        Assert.AreEqual(2, Regex.Matches(html, "<svg").Count);
        StringAssert.Contains(html, "50 steps, 5 epochs; last loss 0.04 at learning rate 0.002; last validation loss 0.24");
        Assert.DoesNotContain("<?xml", html);
    }

    [TestMethod]
    public void A_training_view_without_epochs_shows_only_the_step_chart()
    {
        string html = TrainingPlotView.Of(Steps).ToHtml();

        Assert.AreEqual(1, Regex.Matches(html, "<svg").Count);
    }

    [TestMethod]
    public void An_empty_training_view_says_so()
    {
        string html = TrainingPlotView.Of([]).ToHtml();

        Assert.AreEqual(0, Regex.Matches(html, "<svg").Count);
        StringAssert.Contains(html, "No training recorded.");
    }

    [TestMethod]
    public void Plots_on_one_page_never_share_an_element_id()
    {
        // Both charts come from identical SVG documents; the page must still see distinct clip-path ids.
        var ids = new[] { TrainingPlotView.Of(Steps).ToHtml(), TrainingPlotView.Of(Steps).ToHtml() }
            .SelectMany(html => Regex.Matches(html, "\\bid=\"([^\"]+)\"").Select(m => m.Groups[1].Value))
            .ToArray();

        Assert.AreEqual(ids.Length, ids.Distinct().Count());
        string page = TrainingPlotView.Of(Steps).ToHtml();
        var references = Regex.Matches(page, "url\\(#([^)]+)\\)");
        Assert.IsNotEmpty(references);
        foreach (Match reference in references)
            StringAssert.Contains(page, $"id=\"{reference.Groups[1].Value}\"");
    }

    [TestMethod]
    public async Task Referencing_the_package_in_a_notebook_registers_the_formatters_through_its_extension()
    {
        // The notebook never calls Register(): the package's extension.dib does, as in Polyglot Notebooks.
        var run = await RunAsync(
            CSharp("#r \"nuget: MLNet.LrSchedules.Interactive, 0.1.0\"\n#r \"nuget: MLNet.LrSchedules.Trainers, 0.1.0\"\n" +
                   "using MLNet.LrSchedules.Interactive;\nusing MLNet.LrSchedules.Trainers;"),
            CSharp("var steps = Enumerable.Range(0, 10).Select(i => new StepRecord(i, 0, 0.1, 1.0 / (i + 1)));\n" +
                   "TrainingPlotView.Of(steps)"));

        var output = run.Outputs.Single();
        Assert.AreEqual(1, output.CellIndex);
        Assert.AreEqual("text/html", output.MimeType);
        Assert.IsTrue(output.IsPlot);
    }
}
