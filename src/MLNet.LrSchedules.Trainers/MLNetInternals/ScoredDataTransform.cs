#pragma warning disable CS0618 // ML.NET internals, used on purpose in this folder only (README.md).
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;
using MLNet.LrSchedules.Trainers.Onnx;

namespace MLNet.LrSchedules.Trainers.MLNetInternals;

/// <summary>
/// The input data with the prediction columns added, computed lazily row by row; what
/// <see cref="TorchNetworkTransformer.Transform"/> returns. It is an ML.NET data transform that can save itself as ONNX
/// because ML.NET's <c>ConvertToOnnx</c> walks back from the scored data through <c>IDataTransform.Source</c> and
/// exports each step that is an <c>ITransformCanSaveOnnx</c> (both internal to ML.NET): a plain data view ends the
/// walk, and the export then silently held none of the pipeline before it.
/// </summary>
internal sealed class ScoredDataTransform(ScoringMapper mapper, TorchNetworkModel model, IDataView input) : ITransformCanSaveOnnx
{
    public IDataView Source => input;

    public bool CanShuffle => input.CanShuffle;

    public DataViewSchema Schema => mapper.OutputSchema;

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        var inputCursor = input.GetRowCursor(mapper.GetDependencies(needed), rand);
        return mapper.GetCursor(inputCursor, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    // Always true, even for a network with a layer that has no ONNX form: ML.NET would otherwise stop its walk here with
    // only a warning and write a graph without the network. SaveAsOnnx throws instead, naming the layer.
    bool ICanSaveOnnx.CanSaveOnnx(OnnxContext ctx) => true;

    void ISaveAsOnnx.SaveAsOnnx(OnnxContext ctx) => TorchNetworkOnnx.Export(new MLNetOnnxGraph(ctx), model);

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("Scored data is not saved on its own: save the fitted transformer (or the whole model) with mlContext.Model.Save.");
}
