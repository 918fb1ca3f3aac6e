using ScottPlot;
using SkiaSharp;

namespace MLNet.LrSchedules.Plotting;

/// <summary>
/// The font every plot uses, shipped inside this assembly: SkiaSharp's Linux build finds fonts only in the system's
/// font folders, and containers often have none, which would leave every label blank.
/// </summary>
internal static class EmbeddedFont
{
    /// <summary>The family name plots ask ScottPlot for.</summary>
    public const string Name = "DejaVu Sans";

    private static readonly Lazy<SKTypeface> Typeface = new(Load);
    private static readonly Lock Gate = new();
    private static bool _registered;

    /// <summary>Registers the font with ScottPlot once per process.</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (_registered) return;
            // Ahead of the system resolver, so a system font of the same name cannot change the output.
            Fonts.FontResolvers.Insert(0, new Resolver());
            _registered = true;
        }
    }

    /// <summary>The embedded typeface.</summary>
    public static SKTypeface Get() => Typeface.Value;

    private static SKTypeface Load()
    {
        using var stream = typeof(EmbeddedFont).Assembly.GetManifestResourceStream("MLNet.LrSchedules.Plotting.DejaVuSans.ttf")
            ?? throw new InvalidOperationException("The embedded font MLNet.LrSchedules.Plotting.DejaVuSans.ttf is missing from the assembly.");
        return SKTypeface.FromStream(stream)
            ?? throw new InvalidOperationException("The embedded font MLNet.LrSchedules.Plotting.DejaVuSans.ttf could not be read.");
    }

    private sealed class Resolver : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            string.Equals(fontName, Name, StringComparison.OrdinalIgnoreCase) ? Get() : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            string.Equals(fontName, Name, StringComparison.OrdinalIgnoreCase) ? Get() : null;
    }
}
