using Microsoft.ML;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Saves ML.NET model files sealed against any change, and loads and checks them before ML.NET reads a byte:
/// <c>mlContext.Model.SaveSealed(model, schema, path)</c> and <c>mlContext.Model.LoadVerified(path, out schema)</c>.
/// </summary>
/// <remarks>
/// <para>
/// A sealed file is an ordinary ML.NET model file (<c>mlContext.Model.Load</c> reads it) with one more zip entry,
/// <c>MLNet.LrSchedules.seal.json</c>, listing the SHA-256 of every other entry's content, local header and compressed
/// data, and directory record, and a zip comment holding the SHA-256 of the seal and of the whole file. Any changed,
/// missing or added byte is rejected by <see cref="LoadVerified"/>, <see cref="Verify"/> and
/// <see cref="TorchModelInfo.Read"/> with a <see cref="TorchModelFormatException"/> that names the file and the entry.
/// </para>
/// <para>
/// Files saved with plain <c>mlContext.Model.Save</c> have no seal: the readers check their zip structure, every
/// entry's CRC-32 and the SHA-256 manifest of the TorchSharp network's own entries. docs/TRAINERS.md lists what each
/// path checks.
/// </para>
/// </remarks>
public static class TorchModelFile
{
    /// <summary>
    /// The most the readers accept unless told otherwise: 1 GiB, for the file and for the sum of its entries' declared
    /// (uncompressed) sizes. A file that declares more is refused before anything is decompressed.
    /// </summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>
    /// Saves <paramref name="model"/> and the schema of its input like <c>mlContext.Model.Save</c>, seals the file, and
    /// puts it in place atomically: it is written to a temporary file in the same folder, flushed to disk, and renamed
    /// over <paramref name="filePath"/>, so that a crash leaves either the previous file or the new one, never a part.
    /// </summary>
    /// <param name="catalog"><c>mlContext.Model</c>.</param>
    /// <param name="model">The fitted pipeline or transformer.</param>
    /// <param name="inputSchema">The schema of the model's input (saved as ML.NET saves it), or null.</param>
    /// <param name="filePath">The model file to write; its folder must exist.</param>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> or <paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is empty.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="filePath"/> does not exist.</exception>
    /// <exception cref="IOException"><paramref name="filePath"/> is a folder, or the file cannot be written.</exception>
    public static void SaveSealed(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        Write(filePath, stream => catalog.Save(model, inputSchema, stream), beforeCommit: null);
    }

    /// <summary>
    /// Loads the model file at <paramref name="filePath"/> like <c>mlContext.Model.Load</c>, after checking it: every
    /// byte against its seal (a file saved with <see cref="SaveSealed"/>), or its zip structure, every entry's CRC-32 and
    /// the TorchSharp networks' manifests (a file saved with plain <c>mlContext.Model.Save</c>). The file is opened once,
    /// so what ML.NET reads is what was checked.
    /// </summary>
    /// <param name="catalog"><c>mlContext.Model</c>.</param>
    /// <param name="filePath">The model file.</param>
    /// <param name="inputSchema">The schema of the model's input, or null when the file has none.</param>
    /// <param name="maxBytes">The most the file, and the sum of its entries' declared sizes, may hold.</param>
    /// <returns>The model, as <c>mlContext.Model.Load</c> returns it.</returns>
    /// <exception cref="FileNotFoundException">No file at <paramref name="filePath"/>.</exception>
    /// <exception cref="TorchModelFormatException">
    /// The file is damaged or was modified (<see cref="TorchModelFormatException.EntryName"/> says where), declares more
    /// than <paramref name="maxBytes"/>, was written by a newer format version, or ML.NET cannot load it; never an
    /// exception wrapped by ML.NET's reflection.
    /// </exception>
    public static ITransformer LoadVerified(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema? inputSchema, long maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        using var file = CheckedModelFile.Open(filePath, maxBytes);
        if (!file.IsSealed) CheckNetworks(file, maxBytes);
        file.Stream.Position = 0;
        using (ModelLoadScope.Enter(maxBytes, fileChecked: true))
        {
            try
            {
                var model = catalog.Load(file.Stream, out var schema);
                inputSchema = schema;
                return model;
            }
            catch (Exception e) when (IsLoadError(e))
            {
                throw LoadError(e, filePath);
            }
        }
    }

    /// <summary>
    /// Checks the model file at <paramref name="filePath"/> without loading it: what <see cref="LoadVerified"/> checks
    /// before ML.NET reads it.
    /// </summary>
    /// <param name="filePath">The model file.</param>
    /// <param name="maxBytes">The most the file, and the sum of its entries' declared sizes, may hold.</param>
    /// <returns>
    /// True when the file is sealed and every byte matched the seal; false when it has no seal (saved with plain
    /// <c>mlContext.Model.Save</c>) and its zip structure, every entry's CRC-32 and the TorchSharp networks' manifests
    /// were checked.
    /// </returns>
    /// <exception cref="FileNotFoundException">No file at <paramref name="filePath"/>.</exception>
    /// <exception cref="TorchModelFormatException">The file is damaged, was modified, or declares more than <paramref name="maxBytes"/>.</exception>
    public static bool Verify(string filePath, long maxBytes = DefaultMaxBytes)
    {
        using var file = CheckedModelFile.Open(filePath, maxBytes);
        if (!file.IsSealed) CheckNetworks(file, maxBytes);
        return file.IsSealed;
    }

    /// <summary>
    /// Writes a sealed model file atomically: <paramref name="save"/> writes ML.NET's zip into a temporary file next to
    /// <paramref name="filePath"/>, which is sealed, flushed to disk and renamed over <paramref name="filePath"/>.
    /// <paramref name="beforeCommit"/> runs right before the rename (tests simulate a crash there).
    /// </summary>
    internal static void Write(string filePath, Action<Stream> save, Action<Stream>? beforeCommit)
    {
        string full = Path.GetFullPath(filePath);
        if (Directory.Exists(full))
            throw new IOException($"Cannot save the model to '{filePath}': it is a folder.");
        string directory = Path.GetDirectoryName(full) ?? throw new IOException($"Cannot save the model to '{filePath}': it names no file.");
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Cannot save the model to '{filePath}': the folder '{directory}' does not exist.");
        // Same folder as the target, so that the final move is a rename on one file system, not a copy.
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            {
                save(stream);
                ModelSeal.Seal(stream, filePath);
                stream.Flush(flushToDisk: true);
                beforeCommit?.Invoke(stream);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>A file without a seal: the TorchSharp networks' own entries are checked against their manifests.</summary>
    private static void CheckNetworks(CheckedModelFile file, long maxBytes)
    {
        foreach (var directory in TorchModelEntries.Directories(file.Layout.Entries.Select(e => e.Name)))
            TorchModelEntries.ReadListed(file.Path, directory, name => file.SizeOf(directory + name), name => file.Read(directory + name), maxBytes);
    }

    // What ML.NET's load throws for a file it cannot read. I/O failures (a full temporary folder) are not about the file's format.
    private static bool IsLoadError(Exception e) =>
        e is not (OutOfMemoryException or UnauthorizedAccessException) && (e is not IOException || e is EndOfStreamException);

    /// <summary>
    /// ML.NET instantiates loaders by reflection and wraps what they throw (TargetInvocationException, "Error during class
    /// instantiation"): the loader's own <see cref="TorchModelFormatException"/> is taken out, anything else becomes one.
    /// </summary>
    private static TorchModelFormatException LoadError(Exception error, string filePath)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is TorchModelFormatException format)
                return format.WithFile(filePath);
        }
        // The innermost error says what was wrong; the wrappers only say where ML.NET caught it.
        var root = error;
        while (root.InnerException is not null)
            root = root.InnerException;
        return new TorchModelFormatException(filePath, null, $"ML.NET cannot load it ({root.GetType().Name}: {root.Message}).", root);
    }
}
