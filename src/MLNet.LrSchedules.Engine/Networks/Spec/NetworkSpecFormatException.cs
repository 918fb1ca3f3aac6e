namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A network spec's JSON or text form is malformed: bad syntax, an unknown layer or parameter, a value of the wrong kind, or
/// a value the layer rejects. The message names the problem and, for the text form, shows the text with a caret under the
/// offending character.
/// </summary>
public sealed class NetworkSpecFormatException : FormatException
{
    /// <summary>Creates an exception with a generic message.</summary>
    public NetworkSpecFormatException() : base("The network spec's JSON or text form is malformed.") { }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    public NetworkSpecFormatException(string message) : base(message) { }

    /// <summary>Creates an exception with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public NetworkSpecFormatException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates an exception that locates the problem in the input.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="position">0-based character offset into the input, when known.</param>
    /// <param name="line">1-based line, when known.</param>
    /// <param name="column">1-based column (characters), when known.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public NetworkSpecFormatException(string message, int? position, long? line, long? column, Exception? innerException = null)
        : base(message, innerException)
    {
        Position = position;
        Line = line;
        Column = column;
    }

    /// <summary>0-based character offset into the input where the problem was found, when known.</summary>
    public int? Position { get; }

    /// <summary>1-based line of the problem, when known.</summary>
    public long? Line { get; }

    /// <summary>1-based column (in characters) of the problem, when known.</summary>
    public long? Column { get; }
}
