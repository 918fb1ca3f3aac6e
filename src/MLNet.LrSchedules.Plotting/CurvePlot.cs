using System.Globalization;
using System.Text;
using ScottPlot;

namespace MLNet.LrSchedules.Plotting;

/// <summary>
/// A line plot of named x/y series, for learning-rate schedules and training histories (loss, metric, rate per step
/// or epoch), with an optional second y-axis on the right. Saves PNG or SVG, or renders to bytes for notebooks.
/// </summary>
/// <remarks>
/// Build it up with <see cref="Add(string, IReadOnlyList{double}, IReadOnlyList{double}, bool)"/>, then
/// <see cref="Save"/> or render. Non-finite points (a diverged loss) are left out, and so are points &lt;= 0 on a
/// logarithmic axis (<see cref="LogX"/>, <see cref="LogY"/>). Text uses a font embedded in this assembly, so output does not depend on installed fonts.
/// Not thread-safe while being built; each render is independent.
/// </remarks>
public sealed class CurvePlot
{
    private readonly List<Curve> _curves = [];
    private readonly List<Marker> _markers = [];
    private int _width = 800;
    private int _height = 500;

    /// <summary>Creates an empty plot with the given axis labels.</summary>
    public CurvePlot(string xLabel = "step", string yLabel = "value")
    {
        XLabel = xLabel ?? throw new ArgumentNullException(nameof(xLabel));
        YLabel = yLabel ?? throw new ArgumentNullException(nameof(yLabel));
    }

    /// <summary>The x-axis label.</summary>
    public string XLabel { get; set; }

    /// <summary>The left y-axis label.</summary>
    public string YLabel { get; set; }

    /// <summary>The right y-axis label, used when a series is on the second axis.</summary>
    public string? SecondaryYLabel { get; set; }

    /// <summary>A title above the plot, or null for none.</summary>
    public string? Title { get; set; }

    /// <summary>Draws the left y-axis on a logarithmic (base 10) scale.</summary>
    public bool LogY { get; set; }

    /// <summary>Draws the x-axis on a logarithmic (base 10) scale, for example learning rates in a range test.</summary>
    public bool LogX { get; set; }

    /// <summary>Image width in pixels (default 800).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not in [16, 16384].</exception>
    public int Width { get => _width; set => _width = PixelSize(value, nameof(Width)); }

    /// <summary>Image height in pixels (default 500).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not in [16, 16384].</exception>
    public int Height { get => _height; set => _height = PixelSize(value, nameof(Height)); }

    /// <summary>The number of series added.</summary>
    public int Count => _curves.Count;

    /// <summary>Adds a series with explicit x values.</summary>
    /// <param name="label">The legend entry.</param>
    /// <param name="x">The x values (steps, epochs, ...).</param>
    /// <param name="y">The y values, one per x value.</param>
    /// <param name="secondaryAxis">Plot against the right y-axis (for a second quantity: momentum, accuracy, ...).</param>
    /// <returns>This plot, to chain calls.</returns>
    /// <exception cref="ArgumentException">The series are empty or of different lengths.</exception>
    public CurvePlot Add(string label, IReadOnlyList<double> x, IReadOnlyList<double> y, bool secondaryAxis = false)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
            throw new ArgumentException($"Parameters 'x' and 'y' must have the same length; received {x.Count} x values and {y.Count} y values.", nameof(y));
        if (y.Count == 0)
            throw new ArgumentException($"Parameter 'y' must hold at least one point; received an empty series for '{label}'.", nameof(y));
        _curves.Add(new Curve(label, x.ToArray(), y.ToArray(), secondaryAxis));
        return this;
    }

    /// <summary>Adds a series whose x values are 0, 1, 2, ... (steps or epochs).</summary>
    /// <returns>This plot, to chain calls.</returns>
    /// <exception cref="ArgumentException">The series is empty.</exception>
    public CurvePlot Add(string label, IReadOnlyList<double> y, bool secondaryAxis = false)
    {
        ArgumentNullException.ThrowIfNull(y);
        var x = new double[y.Count];
        for (int i = 0; i < x.Length; i++) x[i] = i;
        return Add(label, x, y, secondaryAxis);
    }

    /// <summary>Adds a vertical line at <paramref name="x"/> with a legend entry, to mark a value (a suggested learning rate, an epoch).</summary>
    /// <param name="label">The legend entry.</param>
    /// <param name="x">Where the line is drawn: finite, and &gt; 0 when <see cref="LogX"/> is set.</param>
    /// <returns>This plot, to chain calls.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="x"/> is not finite.</exception>
    public CurvePlot AddMarker(string label, double x)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (!double.IsFinite(x))
            throw new ArgumentOutOfRangeException(nameof(x), x, $"Parameter 'x' must be finite; received {x.ToString(CultureInfo.InvariantCulture)}.");
        _markers.Add(new Marker(label, x));
        return this;
    }

    /// <summary>Saves the plot; the extension of <paramref name="path"/> picks the format: .png or .svg.</summary>
    /// <exception cref="ArgumentException">The extension is neither .png nor .svg.</exception>
    /// <exception cref="InvalidOperationException">No series was added.</exception>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = FormatOf(path) == ImageFormat.Png ? RenderPng() : RenderSvg();
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>The plot as a PNG image.</summary>
    /// <exception cref="InvalidOperationException">No series was added.</exception>
    public byte[] RenderPng() => Build().GetImageBytes(Width, Height, ImageFormat.Png);

    /// <summary>The plot as an SVG document, UTF-8 encoded.</summary>
    /// <exception cref="InvalidOperationException">No series was added.</exception>
    public byte[] RenderSvg() => Encoding.UTF8.GetBytes(Build().GetSvgXml(Width, Height));

    internal static ImageFormat FormatOf(string path)
    {
        string extension = Path.GetExtension(path);
        if (extension.Equals(".png", StringComparison.OrdinalIgnoreCase)) return ImageFormat.Png;
        if (extension.Equals(".svg", StringComparison.OrdinalIgnoreCase)) return ImageFormat.Svg;
        throw new ArgumentException($"Parameter 'path' must end in .png or .svg; received '{path}'.", nameof(path));
    }

    private Plot Build()
    {
        if (_curves.Count == 0)
            throw new InvalidOperationException("The plot has no series: add at least one with Add(label, ...) before saving or rendering.");
        EmbeddedFont.Register();
        var plot = new Plot();
        double minLog = double.PositiveInfinity, maxLog = double.NegativeInfinity;
        double minLogX = double.PositiveInfinity, maxLogX = double.NegativeInfinity;
        foreach (var curve in _curves)
        {
            bool log = LogY && !curve.Secondary;
            var (xs, ys) = Visible(curve, LogX, log);
            if (log)
                foreach (double y in ys) { minLog = Math.Min(minLog, y); maxLog = Math.Max(maxLog, y); }
            if (LogX)
                foreach (double x in xs) { minLogX = Math.Min(minLogX, x); maxLogX = Math.Max(maxLogX, x); }
            var line = plot.Add.ScatterLine(xs, ys);
            line.LegendText = curve.Label;
            line.LineWidth = 2;
            if (curve.Secondary) line.Axes.YAxis = plot.Axes.Right;
        }
        foreach (var marker in _markers)
        {
            if (LogX && !(marker.X > 0)) continue;
            var line = plot.Add.VerticalLine(LogX ? Math.Log10(marker.X) : marker.X, width: 1.5f, pattern: LinePattern.Dashed);
            line.LegendText = marker.Label;
        }

        plot.XLabel(XLabel);
        plot.YLabel(YLabel);
        if (_curves.Any(c => c.Secondary)) plot.Axes.Right.Label.Text = SecondaryYLabel ?? "";
        if (Title is not null) plot.Title(Title);
        if (LogY) plot.Axes.Left.TickGenerator = LogTicks(maxLog - minLog >= 1);
        if (LogX) plot.Axes.Bottom.TickGenerator = LogTicks(maxLogX - minLogX >= 1);
        if (_curves.Count > 1 || _curves[0].Label.Length > 0 || _markers.Count > 0) plot.ShowLegend();
        plot.Font.Set(EmbeddedFont.Name);
        return plot;
    }

    // ScottPlot has no log axis: the data is plotted as log10(y) and the ticks are labelled with 10^tick.
    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks(bool decadesOnly) => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = decadesOnly,
        LabelFormatter = decadesOnly
            ? v => Math.Round(v) == 0 ? "1" : "1e" + Math.Round(v).ToString(CultureInfo.InvariantCulture)
            : v => Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture),
    };

    private static (double[] X, double[] Y) Visible(Curve curve, bool logX, bool logY)
    {
        var xs = new List<double>(curve.X.Length);
        var ys = new List<double>(curve.Y.Length);
        for (int i = 0; i < curve.Y.Length; i++)
        {
            double x = curve.X[i], y = curve.Y[i];
            if (!double.IsFinite(x) || !double.IsFinite(y) || (logX && x <= 0) || (logY && y <= 0)) continue;
            xs.Add(logX ? Math.Log10(x) : x);
            ys.Add(logY ? Math.Log10(y) : y);
        }
        if (ys.Count == 0)
            throw new InvalidOperationException(logX || logY
                ? $"Series '{curve.Label}' has no finite value > 0 to draw on a logarithmic axis."
                : $"Series '{curve.Label}' has no finite value to draw.");
        return (xs.ToArray(), ys.ToArray());
    }

    private static int PixelSize(int value, string name) =>
        value is >= 16 and <= 16384 ? value
            : throw new ArgumentOutOfRangeException(name, value, $"Parameter '{name}' must be a size in pixels in [16, 16384]; received {value}.");

    private sealed record Curve(string Label, double[] X, double[] Y, bool Secondary);

    private sealed record Marker(string Label, double X);
}
