namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A model file opened once and checked before anything reads it: against its seal when it has one (every byte), else
/// its zip structure and every entry's CRC-32. The stream stays open, so that what is read next (ML.NET's load, the
/// TorchMlp entries) is the file that was checked, even if another process replaces the path meanwhile.
/// </summary>
internal sealed class CheckedModelFile : IDisposable
{
    private CheckedModelFile(string path, FileStream stream, ZipLayout layout, bool isSealed)
    {
        Path = path;
        Stream = stream;
        Layout = layout;
        IsSealed = isSealed;
    }

    public string Path { get; }

    public FileStream Stream { get; }

    public ZipLayout Layout { get; }

    /// <summary>True when every byte was checked against the file's seal.</summary>
    public bool IsSealed { get; }

    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or <paramref name="maxBytes"/> is not positive.</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="TorchModelFormatException">The file is damaged or declares more than <paramref name="maxBytes"/>.</exception>
    public static CheckedModelFile Open(string path, long maxBytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (maxBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, $"Parameter 'maxBytes' must be > 0; received {maxBytes}.");
        if (Directory.Exists(path))
            throw new FileNotFoundException($"'{path}' is a folder, not a model file.", path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"No model file at '{path}'.", path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        try
        {
            var (layout, isSealed) = Check(stream, path, maxBytes);
            return new CheckedModelFile(path, stream, layout, isSealed);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Checks the model file in <paramref name="stream"/> (readable, seekable); <paramref name="path"/> names it in errors.</summary>
    /// <returns>Its layout, and whether it was checked against a seal.</returns>
    internal static (ZipLayout Layout, bool IsSealed) Check(Stream stream, string path, long maxBytes)
    {
        ZipLayout.CheckFileLength(stream.Length, path, maxBytes);
        if (ModelSeal.ReadComment(stream, path) is { } comment)
            return (ModelSeal.Verify(stream, path, maxBytes, comment), true);

        var layout = ZipLayout.Read(stream, path, maxBytes);
        // One damaged byte must not turn a sealed file into one that is merely checked: a seal entry without its comment is an error.
        if (layout.Find(ModelSeal.EntryName) is not null)
            throw ZipLayout.Bad(path, null, $"it holds a seal entry ('{ModelSeal.EntryName}') but its zip comment does not hold the seal: the comment was modified.");
        foreach (var entry in layout.Entries)
        {
            uint crc = 0;
            ZipLayout.ReadContent(stream, entry, path, chunk => crc = Crc32.Append(crc, chunk));
            if (crc != entry.Crc)
                throw ZipLayout.Bad(path, entry.Name, $"its content fails its CRC-32 check (CRC-32 {crc:x8}; the zip records {entry.Crc:x8}): the file was modified or damaged.");
        }
        return (layout, false);
    }

    /// <summary>The declared size of the entry <paramref name="name"/>, or null when the zip has none.</summary>
    public long? SizeOf(string name) => Layout.Find(name)?.Size;

    /// <summary>The content of the entry <paramref name="name"/> (whose size the caller has checked).</summary>
    public byte[] Read(string name) => ZipLayout.ReadAll(Stream, Layout.Find(name) ?? throw new KeyNotFoundException(name), Path);

    public void Dispose() => Stream.Dispose();
}
