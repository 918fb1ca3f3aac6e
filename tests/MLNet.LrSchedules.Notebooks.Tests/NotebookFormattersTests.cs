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
        foreach (var html in new[] { TrainingPlotView.Of(Steps).ToHtml() })
            foreach (Match reference in Regex.Matches(html, "url\\(#([^)]+)\\)"))
                StringAssert.Contains(html, $"id=\"{reference.Groups[1].Value}\"");
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
