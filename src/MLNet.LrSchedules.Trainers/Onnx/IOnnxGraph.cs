using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>
/// The ONNX graph being built, as the emitters see it: named variables, constant tensors and nodes. Implemented over
/// ML.NET's exporter (whose context is internal to ML.NET) in <c>MLNetInternals/MLNetOnnxGraph.cs</c>, so that nothing
/// here depends on ML.NET internals.
/// </summary>
internal interface IOnnxGraph
{
    /// <summary>The variable that holds <paramref name="column"/> at this point of the pipeline, or null when no exported step produced it.</summary>
    string? ColumnVariable(string column);

    /// <summary>A new, unique variable for an intermediate value whose shape ONNX Runtime infers.</summary>
    string Temporary(string hint);

    /// <summary>A new variable that holds <paramref name="column"/> from here on, typed as the column.</summary>
    string BindColumn(string column, DataViewType type);

    /// <summary>A float tensor constant (an initializer).</summary>
    string Constant(string hint, float[] values, long[] dims);

    /// <summary>An int64 tensor constant (an initializer).</summary>
    string Constant(string hint, long[] values, long[] dims);

    /// <summary>Adds a node of the default ONNX domain.</summary>
    void AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params OnnxAttribute[] attributes);
}

/// <summary>A node attribute: an integer, a float, a list of integers, or a <c>Cast</c> target type.</summary>
internal sealed record OnnxAttribute(string Name, object Value)
{
    public static OnnxAttribute Int(string name, long value) => new(name, value);

    public static OnnxAttribute Float(string name, float value) => new(name, value);

    public static OnnxAttribute Ints(string name, params long[] values) => new(name, values);

    /// <summary>The element type of a <c>Cast</c>'s output (<c>to</c>), given as the .NET type.</summary>
    public static OnnxAttribute To(Type type) => new("to", type);
}
