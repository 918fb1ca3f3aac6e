using System.Globalization;
using System.Text;
using MLNet.LrSchedules.Tool.Commands;

namespace MLNet.LrSchedules.Tool.Files;

/// <summary>
/// The size limits of every input, checked before (or, for pipes and devices, while) it is read, so that no input can make
/// a command read without end or hold gigabytes.
/// </summary>
internal static class InputFiles
{
    /// <summary>A schedule file (JSON or text form): 1 MiB.</summary>
    public const int MaxScheduleBytes = 1 << 20;

    /// <summary>One JSON line of <c>eval</c> (metrics included): 16 Mi characters.</summary>
    public const int MaxJsonLineChars = 16 << 20;

    /// <summary>A data file, after decompression: 1 GiB.</summary>
    public const long MaxDataBytes = 1L << 30;

    /// <summary>One line of a data file: 16 Mi characters.</summary>
    public const int MaxDataLineChars = 16 << 20;

    /// <summary>A model file: 1 GiB on disk; its entries together may unpack to at most 1 GiB and 100 times the file's size plus 16 MiB.</summary>
    public const long MaxModelBytes = 1L << 30;

    /// <summary>Throws unless <paramref name="path"/> is an existing file (not a folder) of at most <paramref name="maxBytes"/> bytes (devices and pipes report 0 and are bounded while read).</summary>
    public static FileInfo RequireFile(string path, string what, long maxBytes)
    {
        if (Directory.Exists(path)) throw new CommandException($"{path}: is a folder (expected a {what})");
        var info = new FileInfo(path);
        if (!info.Exists) throw new CommandException($"{path}: no such file (expected a {what})");
        if (info.Length > maxBytes)
            throw new CommandException($"{path}: {Size(info.Length)} (expected a {what} of at most {Size(maxBytes)})");
        return info;
    }

    /// <summary>The whole text of a small file, reading at most <paramref name="maxBytes"/> + 1 bytes whatever the file claims.</summary>
    public static string ReadText(string path, string what, int maxBytes)
    {
        RequireFile(path, what, maxBytes);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        var buffer = new byte[maxBytes + 1];
        int read = 0, n;
        while (read < buffer.Length && (n = stream.Read(buffer, read, buffer.Length - read)) > 0) read += n;
        if (read > maxBytes) throw new CommandException($"{path}: longer than {Size(maxBytes)} (expected a {what} of at most {Size(maxBytes)})");
        try { return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, read).TrimStart('\uFEFF'); }
        catch (DecoderFallbackException) { throw new CommandException($"{path}: not UTF-8 text (expected a {what})"); }
    }

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} bytes"),
    };
}

/// <summary>Reads lines with a bound on each line's length and on the total read, counting line numbers (1-based).</summary>
internal sealed class LineReader(TextReader reader, string source, string what, int maxLineChars, long maxTotalChars = long.MaxValue) : IDisposable
{
    private readonly char[] _buffer = new char[64 * 1024];
    private readonly StringBuilder _line = new();
    private int _start, _end;
    private long _total;

    /// <summary>The file (or "standard input") being read, for messages.</summary>
    public string Source => source;

    /// <summary>The number of the line last returned (1-based).</summary>
    public int LineNumber { get; private set; }

    /// <summary>The next line without its terminator (\n or \r\n), or null at the end.</summary>
    public string? ReadLine()
    {
        _line.Clear();
        while (true)
        {
            if (_start == _end)
            {
                _end = reader.Read(_buffer, 0, _buffer.Length);
                _start = 0;
                if (_end == 0)
                {
                    if (_line.Length == 0) return null;
                    LineNumber++;
                    return Trim(_line.ToString());
                }
                _total += _end;
                if (_total > maxTotalChars)
                    throw new CommandException($"{source}: longer than {InputFiles.Size(maxTotalChars)} (expected a {what} of at most {InputFiles.Size(maxTotalChars)})");
            }
            int newline = Array.IndexOf(_buffer, '\n', _start, _end - _start);
            int stop = newline < 0 ? _end : newline;
            if (_line.Length + (stop - _start) > maxLineChars)
                throw new CommandException($"{source}: line {LineNumber + 1} is longer than {maxLineChars:N0} characters (expected lines of a {what} to be at most that long)");
            _line.Append(_buffer, _start, stop - _start);
            if (newline < 0) { _start = _end; continue; }
            _start = newline + 1;
            LineNumber++;
            return Trim(_line.ToString());
        }
    }

    private static string Trim(string line) => line.EndsWith('\r') ? line[..^1] : line;

    public void Dispose() => reader.Dispose();
}
