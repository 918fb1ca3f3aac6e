namespace MLNet.LrSchedules.Serialization;

/// <summary>Locates a problem in a text form (schedules, network specs) for its error message.</summary>
internal static class TextLocation
{
    /// <summary>
    /// <paramref name="problem"/> followed by its position, line and column, and the line of <paramref name="text"/> with a
    /// caret under <paramref name="position"/> (a window of it for long lines).
    /// </summary>
    public static (string Message, int Position, int Line, int Column) Describe(string text, int position, string problem)
    {
        position = Math.Clamp(position, 0, text.Length);
        int lineStart = text.LastIndexOf('\n', Math.Max(0, position - 1)) is var n && n >= 0 && n < position ? n + 1 : 0;
        int lineEnd = text.IndexOf('\n', position);
        if (lineEnd < 0) lineEnd = text.Length;
        int line = 1;
        for (int i = 0; i < lineStart; i++) if (text[i] == '\n') line++;
        int column = position - lineStart + 1;
        int from = Math.Max(lineStart, position - 60), to = Math.Min(lineEnd, position + 60);
        string excerpt = (from > lineStart ? "…" : "") + text[from..to].Replace('\t', ' ').Replace('\r', ' ') + (to < lineEnd ? "…" : "");
        int caret = position - from + (from > lineStart ? 1 : 0);
        return ($"{problem} (position {position}, line {line}, column {column})\n  {excerpt}\n  {new string(' ', caret)}^", position, line, column);
    }
}
