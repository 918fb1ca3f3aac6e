using System.Text;
using System.Xml.Linq;
using MLNet.LrSchedules.Plotting;
using SkiaSharp;

namespace MLNet.LrSchedules.Tests.Plotting;

[TestClass]
public sealed class CurvePlotTests
{
    private static CurvePlot History() => new CurvePlot("epoch", "loss") { SecondaryYLabel = "accuracy", Title = "training" }
        .Add("train loss", [2.3, 1.1, 0.7, 0.5, 0.42])
        .Add("validation loss", [0, 1, 2, 3, 4], [2.2, 1.3, 0.9, 0.8, 0.79])
        .Add("accuracy", [0.1, 0.6, 0.75, 0.81, 0.83], secondaryAxis: true);

    [TestMethod]
    public void RendersAHistoryWithASecondAxis()
    {
        var plot = History();
        Assert.AreEqual(3, plot.Count);

        using var bitmap = SKBitmap.Decode(plot.RenderPng());
        Assert.AreEqual(800, bitmap.Width);
        Assert.AreEqual(500, bitmap.Height);

        var svg = XDocument.Parse(Encoding.UTF8.GetString(plot.RenderSvg()));
        Assert.AreEqual("svg", svg.Root!.Name.LocalName);
    }

    [TestMethod]
    public void SecondAxisChangesTheImage()
    {
        var one = new CurvePlot().Add("a", [1.0, 2, 3]).Add("b", [100.0, 50, 10]);
        var two = new CurvePlot().Add("a", [1.0, 2, 3]).Add("b", [100.0, 50, 10], secondaryAxis: true);
        CollectionAssert.AreNotEqual(one.RenderPng(), two.RenderPng());
    }

    [TestMethod]
    public void LeavesOutNonFinitePoints()
    {
        var plot = new CurvePlot().Add("diverged", [1.0, 0.5, double.PositiveInfinity, double.NaN]);
        Assert.IsNotNull(SKBitmap.Decode(plot.RenderPng()));
    }

    [TestMethod]
    public void RefusesToRenderWithoutSeries()
    {
        var exception = Assert.ThrowsExactly<InvalidOperationException>(() => new CurvePlot().RenderPng());
        Assert.Contains("The plot has no series", exception.Message);
    }

    [TestMethod]
    public void RefusesSeriesOfDifferentLengths()
    {
        var exception = Assert.ThrowsExactly<ArgumentException>(() => new CurvePlot().Add("a", [0.0, 1], [1.0]));
        Assert.Contains("Parameters 'x' and 'y' must have the same length; received 2 x values and 1 y values.", exception.Message);
    }

    [TestMethod]
    public void RefusesAnEmptySeries()
    {
        var exception = Assert.ThrowsExactly<ArgumentException>(() => new CurvePlot().Add("a", Array.Empty<double>()));
        Assert.Contains("must hold at least one point", exception.Message);
    }

    [TestMethod]
    public void RefusesALogAxisWithoutPositiveValues()
    {
        var plot = new CurvePlot { LogY = true }.Add("zero", [0.0, 0.0]);
        var exception = Assert.ThrowsExactly<InvalidOperationException>(() => plot.RenderPng());
        Assert.Contains("Series 'zero' has no finite value > 0 to draw on a logarithmic axis.", exception.Message);
    }

    [TestMethod]
    public void RejectsAnUnreasonableSize()
    {
        var exception = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CurvePlot { Width = 0 });
        Assert.Contains("Parameter 'Width' must be a size in pixels in [16, 16384]; received 0.", exception.Message);
    }
}
