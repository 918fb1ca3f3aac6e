namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>Checks an output path before any work starts, and writes the file atomically.</summary>
internal static class OutputFile
{
    /// <summary>
    /// The full path of <paramref name="path"/>, given with option <paramref name="option"/>, which must end with
    /// <paramref name="extension"/>, not name a folder, and not be any of <paramref name="inputs"/>.
    /// </summary>
    /// <exception cref="CommandException">The path is empty, has another extension, names a folder, or an input file.</exception>
    public static string Check(string path, string extension, string option, params string[] inputs)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new CommandException($"Option '{option}' must name a {extension} file; received an empty path.");
        if (!string.Equals(Path.GetExtension(path), extension, StringComparison.OrdinalIgnoreCase))
            throw new CommandException($"Option '{option}' must name a {extension} file; received '{path}'.");
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new CommandException($"Option '{option}' names the folder '{path}'; give a {extension} file inside it.");
        foreach (var input in inputs)
            if (string.Equals(full, Path.GetFullPath(input), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
                throw new CommandException($"Option '{option}' names the input file '{input}'; choose another output path.");
        return full;
    }

    /// <summary>
    /// Writes through a temporary file in the same folder (created if missing), then moves it into place: an interrupted
    /// or failed write never leaves a partial file, nor replaces an existing one.
    /// </summary>
    public static void WriteAtomically(string fullPath, Action<Stream> write)
    {
        string folder = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
