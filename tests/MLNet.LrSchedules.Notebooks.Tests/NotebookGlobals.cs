using Microsoft.DotNet.Interactive.Formatting;

namespace MLNet.LrSchedules.Notebooks.Tests;

/// <summary>What a cell showed: a displayed value, a cell's result, or console output.</summary>
/// <param name="CellIndex">The cell that produced it.</param>
/// <param name="MimeType">"text/html", "text/plain", ...</param>
/// <param name="Value">The formatted value.</param>
/// <param name="Source">The .NET type displayed, or "stdout".</param>
/// <param name="PlainText">The value formatted as text/plain, for assertions that do not care about markup.</param>
public sealed record NotebookOutput(int CellIndex, string MimeType, string Value, string Source, string PlainText)
{
    /// <summary>True when the output holds a chart: an inline SVG or an embedded image.</summary>
    public bool IsPlot => Value.Contains("<svg", StringComparison.Ordinal) || Value.Contains("data:image/", StringComparison.Ordinal);
}

/// <summary>
/// The globals of every cell, standing in for what the C# kernel brings into scope
/// (<c>using static Microsoft.DotNet.Interactive.Kernel</c>): <c>display(value)</c>.
/// </summary>
public sealed class NotebookGlobals
{
    private readonly List<NotebookOutput> _outputs;

    internal NotebookGlobals(List<NotebookOutput> outputs) => _outputs = outputs;

    internal int CurrentCell { get; set; }

    /// <summary>Displays <paramref name="value"/> with its preferred MIME type (or the ones given), as the kernel does.</summary>
    public NotebookOutput display(object? value, params string[] mimeTypes)
    {
        string mimeType = mimeTypes is { Length: > 0 } ? mimeTypes[0] : PreferredMimeType(value);
        var output = value is null
            ? new NotebookOutput(CurrentCell, mimeType, "<null>", "null", "<null>")
            : new NotebookOutput(CurrentCell, mimeType, value.ToDisplayString(mimeType), value.GetType().FullName!, value.ToDisplayString(PlainTextFormatter.MimeType));
        _outputs.Add(output);
        return output;
    }

    internal static string PreferredMimeType(object? value) =>
        value is null or string ? PlainTextFormatter.MimeType : Formatter.GetPreferredMimeTypesFor(value.GetType()).FirstOrDefault() ?? HtmlFormatter.MimeType;
}
