namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A model file cannot be trusted or read: it is truncated or was modified (a byte fails its seal, an entry fails its
/// SHA-256 or CRC-32 check), it declares more data than the reader allows, or it was written by a newer format version
/// than this library reads. <see cref="FilePath"/> and <see cref="EntryName"/> say where, when known.
/// </summary>
public sealed class TorchModelFormatException : FormatException
{
    /// <summary>Creates the exception with a message that says what is wrong and what to do.</summary>
    public TorchModelFormatException(string message) : base(message) => Problem = message;

    /// <summary>Creates the exception with the error that revealed the problem.</summary>
    public TorchModelFormatException(string message, Exception innerException) : base(message, innerException) => Problem = message;

    internal TorchModelFormatException(string? filePath, string? entryName, string problem, Exception? innerException = null)
        : this(Compose(filePath, entryName, problem), filePath, entryName, problem, innerException, composed: true)
    {
    }

    private TorchModelFormatException(string message, string? filePath, string? entryName, string problem, Exception? innerException, bool composed)
        : base(message, innerException)
    {
        FilePath = filePath;
        EntryName = entryName;
        Problem = problem;
        _composed = composed;
    }

    private readonly bool _composed;

    /// <summary>The model file, as the caller named it; null when it is not known (a model read from a stream by <c>mlContext.Model.Load</c>).</summary>
    public string? FilePath { get; }

    /// <summary>
    /// The zip entry where the problem lies, by its full name in the zip (for example
    /// <c>TransformerChain/Transform_001/Model.key</c>); null when the problem is not inside one entry (the zip's end
    /// record, its comment) or concerns the file as a whole.
    /// </summary>
    public string? EntryName { get; }

    /// <summary>What is wrong, without the file and entry.</summary>
    internal string Problem { get; }

    /// <summary>The same problem, with the file named (what the library's file APIs throw for an error found by ML.NET's loader).</summary>
    internal TorchModelFormatException WithFile(string filePath)
    {
        if (FilePath is not null) return this;
        if (_composed) return new TorchModelFormatException(filePath, EntryName, Problem, InnerException);
        // A message written whole may already name the file.
        string message = Message.Contains($"'{filePath}'", StringComparison.Ordinal) ? Message : Compose(filePath, EntryName, Message);
        return new TorchModelFormatException(message, filePath, EntryName, Problem, InnerException, composed: false);
    }

    private static string Compose(string? filePath, string? entryName, string problem)
    {
        string file = filePath is null ? "The model file" : $"The model file '{filePath}'";
        return entryName is null ? $"{file}: {problem}" : $"{file}, entry '{entryName}': {problem}";
    }
}
