using System.Net;
using System.Text.RegularExpressions;

namespace MLNet.LrSchedules.Interactive;

/// <summary>HTML fragments for notebook outputs.</summary>
internal static partial class Html
{
    private static int _nextPlotId;

    internal static string SchedulePlot(SchedulePlotView view)
    {
        var html = new System.Text.StringBuilder();
        html.Append("<div class=\"lrschedules-plot\">");
        html.Append(Chart(Charts.ScheduleChart(view)));
        foreach (var (label, schedule) in view.Series)
        {
            if (new LrScheduler(schedule, view.BaseLearningRate, view.Steps).Listens is { } signal)
                html.Append("<p class=\"lrschedules-note\"><i>")
                    .Append(WebUtility.HtmlEncode($"{label} reacts to the {signal.ToString().ToLowerInvariant()} signal: the plot shows its rate before any signal. Drive it with an LrScheduler to see it react."))
                    .Append("</i></p>");
            html.Append("<pre class=\"lrschedules-text\">");
            if (view.Series.Count > 1) html.Append(WebUtility.HtmlEncode(label)).Append(": ");
            html.Append(WebUtility.HtmlEncode(schedule.ToString()));
            html.Append("</pre>");
        }
        html.Append("</div>");
        return html.ToString();
    }

    internal static string Chart(Chart chart)
    {
        var html = new System.Text.StringBuilder(InlineSvg(chart.Svg));
        html.Append("<div class=\"lrschedules-legend\" style=\"font-family:sans-serif;font-size:13px;margin:0 0 8px 56px\">");
        foreach (var entry in chart.Legend)
        {
            string line = entry.RightAxis ? $"border-top:3px dotted {entry.Color}" : $"border-top:3px solid {entry.Color}";
            html.Append("<span style=\"display:inline-block;margin-right:18px;white-space:nowrap\">")
                .Append($"<span style=\"display:inline-block;width:22px;height:0;{line};vertical-align:middle;margin-right:6px\"></span>")
                .Append(WebUtility.HtmlEncode(entry.Label));
            if (entry.RightAxis) html.Append(" <i>(right axis)</i>");
            html.Append("</span>");
        }
        return html.Append("</div>").ToString();
    }

    /// <summary>
    /// Makes an SVG document fit inside an HTML page: drops the XML declaration and gives its ids a prefix unique to
    /// this plot, because several plots in one notebook share the page and the same ids would cross-link their clip paths.
    /// </summary>
    internal static string InlineSvg(string svg)
    {
        string prefix = $"lrs{Interlocked.Increment(ref _nextPlotId)}_";
        svg = XmlDeclaration().Replace(svg, "");
        svg = IdAttribute().Replace(svg, m => $"{m.Groups[1].Value}=\"{prefix}{m.Groups[2].Value}\"");
        svg = UrlReference().Replace(svg, m => $"url(#{prefix}{m.Groups[1].Value})");
        svg = HrefReference().Replace(svg, m => $"{m.Groups[1].Value}=\"#{prefix}{m.Groups[2].Value}\"");
        return svg;
    }

    [GeneratedRegex(@"<\?xml[^>]*\?>\s*")]
    private static partial Regex XmlDeclaration();

    [GeneratedRegex("\\b(id)=\"([^\"]+)\"")]
    private static partial Regex IdAttribute();

    [GeneratedRegex(@"url\(#([^)]+)\)")]
    private static partial Regex UrlReference();

    [GeneratedRegex("((?:xlink:)?href)=\"#([^\"]+)\"")]
    private static partial Regex HrefReference();
}
