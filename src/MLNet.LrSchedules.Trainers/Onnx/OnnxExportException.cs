namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A fitted network cannot be written as ONNX: a layer has no ONNX form, or the features it reads are not available
/// in the graph. The message names the layer (its position and kind) or the column. Thrown from
/// <c>mlContext.Model.ConvertToOnnx</c>, so that no partial graph is ever written.
/// </summary>
public sealed class OnnxExportException : NotSupportedException
{
    /// <summary>Creates the exception with a message that names what cannot be exported and why.</summary>
    public OnnxExportException(string message) : base(message) { }

    /// <summary>Creates the exception with the error that revealed the problem.</summary>
    public OnnxExportException(string message, Exception innerException) : base(message, innerException) { }
}
