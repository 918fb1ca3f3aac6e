namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A model file's TorchSharp MLP part cannot be read: the file is truncated or was modified (an entry fails its
/// SHA-256 check), or it was written by a newer format version than this library reads.
/// </summary>
public sealed class TorchModelFormatException : FormatException
{
    /// <summary>Creates the exception with a message that says what is wrong and what to do.</summary>
    public TorchModelFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with the error that revealed the problem.</summary>
    public TorchModelFormatException(string message, Exception innerException) : base(message, innerException) { }
}
