using System.Buffers.Binary;
using System.Text;
using System.Xml.Linq;
using MLNet.LrSchedules.Plotting;
using SkiaSharp;

namespace MLNet.LrSchedules.Tests.Plotting;

[TestClass]
public sealed class SchedulePlotTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private string _directory = "";

    [TestInitialize]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("schedule-plot-tests-").FullName;

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static SKBitmap DecodePng(byte[] png)
    {
        CollectionAssert.AreEqual(PngSignature, png.Take(8).ToArray(), "PNG signature");
        var bitmap = SKBitmap.Decode(png);
        Assert.IsNotNull(bitmap, "the PNG decodes");
        return bitmap;
    }

    // Share of pixels that are not (near) white: 0 for a blank image.
    private static double InkShare(SKBitmap bitmap, int top = 0, int bottom = -1)
    {
        if (bottom < 0) bottom = bitmap.Height;
        int ink = 0;
        for (int y = top; y < bottom; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red + c.Green + c.Blue < 600) ink++;
            }
        return (double)ink / (bitmap.Width * (bottom - top));
    }

    private static XDocument ParseSvg(byte[] svg)
    {
        var document = XDocument.Parse(Encoding.UTF8.GetString(svg));
        Assert.AreEqual(Svg + "svg", document.Root!.Name);
        return document;
    }

    private static int LineElements(XDocument document) =>
        document.Descendants().Count(e => e.Name == Svg + "path" || e.Name == Svg + "polyline");

    [TestMethod]
    public void SavesAValidNonTrivialPng()
    {
        string path = PathOf("linear.png");
        SchedulePlot.Save(new TestLinearDecay(1000), 0.1, 1000, path);

        byte[] png = File.ReadAllBytes(path);
        Assert.AreEqual(800, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), "IHDR width");
        Assert.AreEqual(500, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)), "IHDR height");
        using var bitmap = DecodePng(png);
        Assert.AreEqual(800, bitmap.Width);
        Assert.AreEqual(500, bitmap.Height);
        double ink = InkShare(bitmap);
        Assert.IsGreaterThan(0.005, ink, "axes, ticks, labels and the line are drawn");
        Assert.IsLessThan(0.5, ink, "the background is white");
    }

    [TestMethod]
    public void SavesAValidSvgWithTheCurve()
    {
        string path = PathOf("linear.svg");
        SchedulePlot.Save(new TestLinearDecay(1000), 0.1, 1000, path, new SchedulePlotOptions { Width = 640, Height = 400 });

        var document = ParseSvg(File.ReadAllBytes(path));
        Assert.AreEqual("640", document.Root!.Attribute("width")?.Value);
        Assert.AreEqual("400", document.Root!.Attribute("height")?.Value);
        Assert.IsGreaterThan(3, LineElements(document), "frame, ticks and the curve");
        Assert.IsGreaterThan(2000L, new FileInfo(path).Length);
    }

    [TestMethod]
    public void ExtensionPicksTheFormatCaseInsensitively()
    {
        SchedulePlot.Save(new TestLinearDecay(100), 1, 100, PathOf("upper.PNG"));
        SchedulePlot.Save(new TestLinearDecay(100), 1, 100, PathOf("upper.SVG"));
        CollectionAssert.AreEqual(PngSignature, File.ReadAllBytes(PathOf("upper.PNG")).Take(8).ToArray());
        ParseSvg(File.ReadAllBytes(PathOf("upper.SVG")));
    }

    [TestMethod]
    public void RejectsAnUnknownExtension()
    {
        var exception = Assert.ThrowsExactly<ArgumentException>(() => SchedulePlot.Save(new TestLinearDecay(100), 1, 100, PathOf("plot.jpg")));
        Assert.Contains("must end in .png or .svg", exception.Message);
        Assert.Contains("plot.jpg", exception.Message);
        Assert.IsFalse(File.Exists(PathOf("plot.jpg")));
    }

    [TestMethod]
    public void RejectsAnEmptyRun()
    {
        var exception = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SchedulePlot.RenderPng(new TestLinearDecay(100), 1, 0));
        Assert.Contains("Parameter 'steps' must be a number of optimizer steps >= 1; received 0.", exception.Message);
    }

    [TestMethod]
    public void PlotsSeveralLabelledSchedulesOnOnePlot()
    {
        (string, LrSchedule)[] schedules = [("linear", new TestLinearDecay(500)), ("exponential", new TestExponentialDecay(0.995))];

        var plot = SchedulePlot.Create(schedules, 0.1, 500);
        Assert.AreEqual(2, plot.Count);

        byte[] svg = SchedulePlot.RenderSvg(schedules, 0.1, 500);
        var single = ParseSvg(SchedulePlot.RenderSvg(new TestLinearDecay(500), 0.1, 500));
        var document = ParseSvg(svg);
        Assert.IsGreaterThan(LineElements(single), LineElements(document), "the second curve adds a line");
        var texts = document.Descendants(Svg + "text").Select(t => t.Value.Trim()).ToList();
        CollectionAssert.Contains(texts, "linear", "legend");
        CollectionAssert.Contains(texts, "exponential", "legend");
        CollectionAssert.Contains(texts, "step", "x-axis label");
        CollectionAssert.Contains(texts, "learning rate", "y-axis label");

        using var bitmap = DecodePng(SchedulePlot.RenderPng(schedules, 0.1, 500));
        Assert.IsGreaterThan(0.005, InkShare(bitmap));
    }

    [TestMethod]
    public void RejectsAnEmptyListOfSchedules()
    {
        var exception = Assert.ThrowsExactly<ArgumentException>(() => SchedulePlot.RenderPng([], 0.1, 10));
        Assert.Contains("Parameter 'schedules' must hold at least one schedule; received none.", exception.Message);
    }

    [TestMethod]
    public void DrawsText()
    {
        // The font ships inside the assembly, so a title draws glyphs on any machine, with or without fonts installed.
        // Without a title the frame starts 15 pixels from the top; the title's glyphs fill that band.
        using var without = DecodePng(SchedulePlot.RenderPng(new TestLinearDecay(100), 1, 100));
        using var with = DecodePng(SchedulePlot.RenderPng(new TestLinearDecay(100), 1, 100, new SchedulePlotOptions { Title = "MMMM WWWW learning rate" }));
        Assert.AreEqual(0, InkShare(without, 0, 14));
        Assert.IsGreaterThan(0.01, InkShare(with, 0, 14));
    }

    [TestMethod]
    public void LogAxisSkipsZeroRatesAndDiffersFromLinear()
    {
        // The linear decay reaches 0 at its last steps; a log axis must leave those out rather than fail.
        var linear = SchedulePlot.RenderPng(new TestLinearDecay(100), 0.1, 200);
        var log = SchedulePlot.RenderPng(new TestLinearDecay(100), 0.1, 200, new SchedulePlotOptions { LogY = true });
        using var bitmap = DecodePng(log);
        Assert.IsGreaterThan(0.005, InkShare(bitmap));
        CollectionAssert.AreNotEqual(linear, log);

        ParseSvg(SchedulePlot.RenderSvg(new TestExponentialDecay(0.9), 1, 200, new SchedulePlotOptions { LogY = true }));
    }

    [TestMethod]
    public void SamplesEveryStepOfAShortRun()
    {
        var (steps, rates) = SchedulePlot.Sample(new TestLinearDecay(10), 2.0, 10);
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => (double)i).ToArray(), steps);
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => 2.0 * (1 - i / 10.0)).ToArray(), rates);
    }

    [TestMethod]
    public void SamplesALongRunEvenlyIncludingBothEnds()
    {
        var (steps, rates) = SchedulePlot.Sample(new TestLinearDecay(1_000_000), 1.0, 1_000_000, maxPoints: 1001);
        Assert.HasCount(1001, steps);
        Assert.AreEqual(0, steps[0]);
        Assert.AreEqual(999_999, steps[^1]);
        Assert.AreEqual(999_999 / 2.0, steps[500], 0.5);
        Assert.AreEqual(1e-6, rates[^1], 1e-15);
    }

    [TestMethod]
    public void ResolvesFractionalDurationsAgainstTheRun()
    {
        var schedule = new SequenceSchedule([new TestExponentialDecay(1.0), new TestLinearDecay(50)], [Duration.Fraction(0.5)]);
        var (_, rates) = SchedulePlot.Sample(schedule, 1.0, 100);
        Assert.AreEqual(1.0, rates[49]);
        Assert.AreEqual(1.0, rates[50]);
        Assert.AreEqual(0.5, rates[75], 1e-12);
    }

    [TestMethod]
    public void DrawsMomentumOnASecondAxisWhenAsked()
    {
        Assert.AreEqual(1, SchedulePlot.Create(new TestOneCycleMomentum(100), 0.1, 100).Count);
        var plot = SchedulePlot.Create(new TestOneCycleMomentum(100), 0.1, 100, new SchedulePlotOptions { ShowMomentum = true });
        Assert.AreEqual(2, plot.Count);
        Assert.AreEqual("momentum", plot.SecondaryYLabel);
        using var bitmap = DecodePng(plot.RenderPng());
        Assert.IsGreaterThan(0.005, InkShare(bitmap));
    }

    [TestMethod]
    public void SavesPrecomputedRates()
    {
        // A reactive run's recorded rates: halved twice on plateaus.
        double[] rates = [.. Enumerable.Repeat(0.1, 30), .. Enumerable.Repeat(0.05, 30), .. Enumerable.Repeat(0.025, 40)];
        SchedulePlot.SaveRates(rates, PathOf("plateau.svg"));
        SchedulePlot.SaveRates(rates, PathOf("plateau.png"), new SchedulePlotOptions { LogY = true });
        Assert.IsGreaterThan(0, LineElements(ParseSvg(File.ReadAllBytes(PathOf("plateau.svg")))));
        using var bitmap = DecodePng(File.ReadAllBytes(PathOf("plateau.png")));
        Assert.IsGreaterThan(0.005, InkShare(bitmap));
    }
}
