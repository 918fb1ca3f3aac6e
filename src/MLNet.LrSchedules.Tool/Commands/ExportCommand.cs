using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Tool.Files;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary><c>lrsched export</c>: a saved model, the whole pipeline, as one ONNX graph (ML.NET's <c>ConvertToOnnx</c>).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "An ML.NET model file (the whole pipeline, as 'lrsched train' writes it)." };
        var output = new Option<string?>("--output", "-o") { Description = "The ONNX file to write (default: the model's path with .onnx); written atomically." };
        var command = new Command("export", "Write a saved model (preprocessing, the network, its prediction columns) as one ONNX graph, for ONNX Runtime or ApplyOnnxModel.") { model, output };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            string modelPath = r.GetValue(model)!;
            string target = r.GetValue(output) ?? Path.ChangeExtension(modelPath, ".onnx");
            using var claim = OutputClaim.Take([new InputFile(modelPath, "model")], new OutputFile(target, "--output", ".onnx"));
            var ml = new MLContext();
            var (loaded, inputSchema) = ModelFiles.Load(ml, modelPath);
            // ConvertToOnnx takes the data the model reads; the graph's inputs are that data's columns.
            AtomicFile.Write(target, stream => ml.Model.ConvertToOnnx(loaded, new EmptyDataView(inputSchema), stream));
            target = Path.GetFullPath(target);

            var outputs = loaded.GetOutputSchema(inputSchema).Where(c => !c.IsHidden);
            Console.WriteLine($"Wrote {target} ({new FileInfo(target).Length:N0} bytes)");
            Console.WriteLine($"  inputs:  {string.Join(", ", inputSchema.Where(c => !c.IsHidden).Select(c => $"{c.Name} ({c.Type})"))}");
            Console.WriteLine($"  outputs: {string.Join(", ", outputs.Select(c => $"{c.Name}.output ({c.Type})"))}");
        }));
        return command;
    }

    /// <summary>No rows, the model's input schema: all that the exporter reads.</summary>
    private sealed class EmptyDataView(DataViewSchema schema) : IDataView
    {
        public bool CanShuffle => false;

        public DataViewSchema Schema => schema;

        public long? GetRowCount() => 0;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(schema);

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(schema)];

        private sealed class Cursor(DataViewSchema schema) : DataViewRowCursor
        {
            public override DataViewSchema Schema => schema;
            public override long Position => -1;
            public override long Batch => 0;
            public override bool MoveNext() => false;
            public override bool IsColumnActive(DataViewSchema.Column column) => true;
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
                throw new InvalidOperationException("The export's input data has no rows to read.");
            public override ValueGetter<DataViewRowId> GetIdGetter() =>
                throw new InvalidOperationException("The export's input data has no rows to read.");
        }
    }
}
