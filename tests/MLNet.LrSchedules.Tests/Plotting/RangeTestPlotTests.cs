using MLNet.LrSchedules.Plotting;
using SkiaSharp;

namespace MLNet.LrSchedules.Tests.Plotting;

[TestClass]
public sealed class RangeTestPlotTests
{
    private static readonly double[] Rates = Enumerable.Range(0, 50).Select(i => 1e-6 * Math.Pow(1e7, i / 49.0)).ToArray();
    private static readonly double[] Losses = Rates.Select(r => 2.3 - Math.Log10(r / 1e-6) * 0.2 + (r > 1 ? 50 * r : 0)).ToArray();

    [TestMethod]
    public void RendersTheCurveOnALogAxisWithMarkers()
    {
        var plot = RangeTestPlot.Create(Rates, Losses, Losses, suggestedLearningRate: 1e-3, minLossLearningRate: 1e-2);
        Assert.IsTrue(plot.LogX);
        Assert.AreEqual(2, plot.Count);
        using var bitmap = SKBitmap.Decode(plot.RenderPng());
        Assert.AreEqual(800, bitmap.Width);
        string svg = System.Text.Encoding.UTF8.GetString(plot.RenderSvg());
        StringAssert.Contains(svg, "steepest descent 0.001");
        StringAssert.Contains(svg, "min loss / 10 0.01");
        StringAssert.Contains(svg, "1e-6");

        var withoutMarkers = RangeTestPlot.Create(Rates, null, Losses);
        Assert.AreEqual(1, withoutMarkers.Count);
        CollectionAssert.AreNotEqual(plot.RenderPng(), withoutMarkers.RenderPng());
    }

    [TestMethod]
    public void LogXChangesTheImageAndDropsPointsAtOrBelowZero()
    {
        var linear = new CurvePlot().Add("a", [0.0, 1e-3, 1e-2, 1e-1, 1], [1.0, 2, 3, 4, 5]);
        var log = new CurvePlot { LogX = true }.Add("a", [0.0, 1e-3, 1e-2, 1e-1, 1], [1.0, 2, 3, 4, 5]);
        CollectionAssert.AreNotEqual(linear.RenderPng(), log.RenderPng());

        var nothing = new CurvePlot { LogX = true }.Add("zero", [0.0, -1], [1.0, 2]);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => nothing.RenderPng());
        Assert.Contains("Series 'zero' has no finite value > 0 to draw on a logarithmic axis.", e.Message);
    }

    [TestMethod]
    public void MarkerMustBeFinite()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CurvePlot().AddMarker("m", double.NaN));
        Assert.Contains("Parameter 'x' must be finite; received NaN.", e.Message);
        var marked = new CurvePlot().Add("a", [1.0, 2, 3]).AddMarker("here", 1.5);
        CollectionAssert.AreNotEqual(new CurvePlot().Add("a", [1.0, 2, 3]).RenderPng(), marked.RenderPng());
    }

    [TestMethod]
    public void RejectsSeriesOfDifferentLengths()
    {
        Assert.ThrowsExactly<ArgumentException>(() => RangeTestPlot.Create(Rates, null, Losses.Take(3).ToArray()));
    }
}
