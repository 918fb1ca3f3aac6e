using System.Text;

namespace MLNet.LrSchedules.Serialization;

/// <summary>The lexical pieces the text forms share (schedules, network specs): numbers and quoted strings.</summary>
/// <remarks>Each form raises its own exception: <c>error(position, problem)</c> builds it.</remarks>
internal static class TextScanner
{
    /// <summary>
    /// Reads an optionally signed decimal number with an optional fraction and exponent from <paramref name="i"/>, which
    /// it leaves after the number; true when it is an integer (no '.' and no exponent).
    /// </summary>
    public static bool ScanNumber(string text, ref int i, Func<int, string, Exception> error)
    {
        int start = i;
        if (text[i] is '-' or '+') i++;
        int digitsStart = i;
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        bool integer = true;
        int intDigits = i - digitsStart, fracDigits = 0;
        if (i < text.Length && text[i] == '.')
        {
            integer = false;
            i++;
            int fracStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            fracDigits = i - fracStart;
        }
        if (intDigits + fracDigits == 0) throw error(start, "Expected a number.");
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            integer = false;
            int exponent = i++;
            if (i < text.Length && text[i] is '+' or '-') i++;
            int expStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == expStart) throw error(exponent, "Expected digits after the exponent 'e'.");
        }
        return integer;
    }

    /// <summary>Throws when a letter or '_' follows the number that started at <paramref name="start"/> and ends at <paramref name="i"/>.</summary>
    public static void RejectLetterAfterNumber(string text, int i, int start, Func<int, string, Exception> error)
    {
        if (i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] == '_'))
            throw error(i, $"Unexpected '{text[i]}' after the number {text[start..i]}.");
    }

    /// <summary>Reads the string quoted by <c>text[i]</c> (' or "), with the escapes \\ \" \' \n \t \r; leaves <paramref name="i"/> after the closing quote.</summary>
    public static string ReadString(string text, ref int i, Func<int, string, Exception> error)
    {
        char quote = text[i];
        int start = i++;
        var builder = new StringBuilder();
        while (true)
        {
            if (i >= text.Length) throw error(start, "Unterminated string: no closing quote.");
            char c = text[i++];
            if (c == quote) return builder.ToString();
            if (c != '\\') { builder.Append(c); continue; }
            if (i >= text.Length) throw error(start, "Unterminated string: no closing quote.");
            char escaped = text[i++];
            builder.Append(escaped switch
            {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '\\' or '"' or '\'' => escaped,
                _ => throw error(i - 2, $"Unknown escape '\\{escaped}' in a string; use \\\\, \\\", \\', \\n, \\t or \\r."),
            });
        }
    }
}
