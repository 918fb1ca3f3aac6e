#pragma warning disable CS0618 // ML.NET internals, used on purpose in this folder only (README.md).
using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;
using MLNet.LrSchedules.Trainers.Onnx;

namespace MLNet.LrSchedules.Trainers.MLNetInternals;

/// <summary>
/// <see cref="IOnnxGraph"/> over ML.NET's <c>OnnxContext</c> (internal to Microsoft.ML.Data; implemented by
/// Microsoft.ML.OnnxConverter), the graph that <c>ConvertToOnnx</c> hands to each exportable step.
/// </summary>
internal sealed class MLNetOnnxGraph(OnnxContext ctx) : IOnnxGraph
{
    // Prefixes the names of our intermediate values and constants in the graph.
    private const string Prefix = "TorchNetwork.";

    public string? ColumnVariable(string column) => ctx.ContainsColumn(column) ? ctx.GetVariableName(column) : null;

    public string Temporary(string hint) => Unmapped(hint, key => ctx.AddIntermediateVariable(null, key, skip: true));

    public string BindColumn(string column, DataViewType type) => ctx.AddIntermediateVariable(type, column);

    public string Constant(string hint, float[] values, long[] dims) => Unmapped(hint, key => ctx.AddInitializer(values, dims, key));

    public string Constant(string hint, long[] values, long[] dims) => Unmapped(hint, key => ctx.AddInitializer(values, dims, key));

    public void AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params OnnxAttribute[] attributes)
    {
        // The default ONNX domain is "": ML.NET's CreateNode assumes ai.onnx.ml when given none.
        var node = ctx.CreateNode(opType, inputs, outputs, ctx.GetNodeName(Prefix + opType), "");
        foreach (var attribute in attributes)
        {
            switch (attribute.Value)
            {
                case long value: node.AddAttribute(attribute.Name, value); break;
                case float value: node.AddAttribute(attribute.Name, (double)value); break;
                case long[] values: node.AddAttribute(attribute.Name, values); break;
                case Type type: node.AddAttribute(attribute.Name, type); break;
                default: throw new ArgumentException($"Attribute '{attribute.Name}' of an ONNX {opType} node has a value of unsupported type {attribute.Value.GetType().Name}.", nameof(attributes));
            }
        }
    }

    /// <summary>
    /// A new variable that is not a data-view column. ML.NET's context records every new variable as the column of the
    /// name it is given: the name is chosen so that it shadows no real column, and the record is dropped at once (the
    /// variable name stays reserved).
    /// </summary>
    private string Unmapped(string hint, Func<string, string> create)
    {
        string key = Prefix + hint;
        for (int i = 1; ctx.ContainsColumn(key); i++) key = $"{Prefix}{hint}.{i}";
        string variable = create(key);
        ctx.RemoveColumn(key, removeVariable: false);
        return variable;
    }
}
