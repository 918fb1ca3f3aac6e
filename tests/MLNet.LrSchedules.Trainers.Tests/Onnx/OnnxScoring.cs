using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLNet.LrSchedules.Trainers.Tests.MLNet;

namespace MLNet.LrSchedules.Trainers.Tests.Onnx;

/// <summary>
/// Reads prediction columns row by row as doubles (a Boolean as 0/1, a key as its number), from ML.NET's own scoring,
/// from ONNX Runtime run directly on the exported file, and from ML.NET's ApplyOnnxModel.
/// </summary>
internal static class OnnxScoring
{
    /// <summary>
    /// Exports <paramref name="model"/> (fitted on <paramref name="train"/>) with ML.NET's <c>ConvertToOnnx</c>, checks the
    /// graph's inputs are the raw data columns (the prediction columns are outputs, not inputs), and compares each of
    /// <paramref name="columns"/> on every row of <paramref name="test"/>, through ONNX Runtime and through ApplyOnnxModel,
    /// against ML.NET, within <see cref="Parity.RelativeBound"/>. Returns ONNX Runtime's figures by column.
    /// </summary>
    public static Dictionary<string, Parity> CheckParity(TestContext context, MLContext ml, ITransformer model, IDataView train, IDataView test, string[] columns)
    {
        string path = TestData.TempPath("model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            using (var stream = File.Create(path))
                ml.Model.ConvertToOnnx(model, train, stream);

            var expected = FromDataView(model.Transform(test), columns);
            var (direct, inputNames, outputNames) = WithOnnxRuntime(path, test);
            CollectionAssert.AreEquivalent(new[] { "Features", "Label" }, inputNames, "the graph reads the raw columns, nothing else");
            foreach (var column in columns)
                CollectionAssert.Contains(outputNames, column + ".output");

            string[] onnxOutputs = columns.Select(c => c + ".output").ToArray();
            var applied = WithApplyOnnxModel(ml, path, test, inputNames, onnxOutputs);

            var result = new Dictionary<string, Parity>();
            foreach (var column in columns)
            {
                var viaRuntime = Parity.Of(column, expected[column], direct[column + ".output"]);
                var viaApply = Parity.Of(column + " (ApplyOnnxModel)", expected[column], applied[column + ".output"]);
                context.WriteLine(viaRuntime.ToString());
                context.WriteLine(viaApply.ToString());
                Assert.IsLessThanOrEqualTo(Parity.RelativeBound, viaRuntime.MaxRelative, viaRuntime.ToString());
                Assert.IsLessThanOrEqualTo(Parity.RelativeBound, viaApply.MaxRelative, viaApply.ToString());
                result[column] = viaRuntime;
            }
            return result;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The columns of <paramref name="scored"/>, one double[] per row.</summary>
    public static Dictionary<string, double[][]> FromDataView(IDataView scored, params string[] columns) =>
        columns.ToDictionary(c => c, c => Read(scored, scored.Schema[c]));

    /// <summary>Runs the ONNX file on every row of <paramref name="data"/> in one batch, feeding each graph input from the column of its name.</summary>
    public static (Dictionary<string, double[][]> Outputs, string[] InputNames, string[] OutputNames) WithOnnxRuntime(string onnxPath, IDataView data)
    {
        using var session = new InferenceSession(onnxPath);
        var inputNames = session.InputMetadata.Keys.ToArray();
        var outputNames = session.OutputMetadata.Keys.ToArray();
        var inputs = inputNames.Select(name => InputTensor(data, name)).ToList();
        try
        {
            using var options = new RunOptions();
            using var results = session.Run(options, inputNames, inputs, outputNames);
            var outputs = new Dictionary<string, double[][]>();
            for (int i = 0; i < outputNames.Length; i++)
                if (ToRows(results[i]) is { } rows) outputs[outputNames[i]] = rows;
            return (outputs, inputNames, outputNames);
        }
        finally
        {
            foreach (var input in inputs) input.Dispose();
        }
    }

    /// <summary>
    /// Scores <paramref name="data"/> with <c>ApplyOnnxModel</c> (Microsoft.ML.OnnxTransformer) and reads <paramref name="outputs"/>,
    /// keyed by graph output name. ApplyOnnxModel names each column after its graph output less ML.NET's ".output" suffix.
    /// </summary>
    public static Dictionary<string, double[][]> WithApplyOnnxModel(MLContext ml, string onnxPath, IDataView data, string[] inputs, string[] outputs)
    {
        using var onnx = ml.Transforms.ApplyOnnxModel(outputs, inputs, onnxPath).Fit(data);
        var scored = onnx.Transform(data);
        return outputs.ToDictionary(o => o, o => FromDataView(scored, o.EndsWith(".output", StringComparison.Ordinal) ? o[..^".output".Length] : o).Single().Value);
    }

    private static OrtValue InputTensor(IDataView data, string name)
    {
        var column = data.Schema.GetColumnOrNull(name) ?? throw new AssertFailedException($"The ONNX graph takes an input '{name}' that the data lacks.");
        var rows = Read(data, column);
        long[] shape = [rows.Length, rows[0].Length];
        if (ItemType(column.Type) == BooleanDataViewType.Instance)
            return OrtValue.CreateTensorValueFromMemory(rows.SelectMany(r => r).Select(v => v != 0).ToArray(), shape);
        return OrtValue.CreateTensorValueFromMemory(rows.SelectMany(r => r).Select(v => (float)v).ToArray(), shape);
    }

    private static DataViewType ItemType(DataViewType type) => type is VectorDataViewType vector ? vector.ItemType : type;

    private static double[][]? ToRows(OrtValue value)
    {
        if (!value.IsTensor) return null;
        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape;
        long rowCount = shape.Length == 0 ? 1 : shape[0];
        double[] flat = info.ElementDataType switch
        {
            TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.UInt32 => value.GetTensorDataAsSpan<uint>().ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.Int64 => value.GetTensorDataAsSpan<long>().ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.Bool => value.GetTensorDataAsSpan<bool>().ToArray().Select(v => v ? 1.0 : 0.0).ToArray(),
            _ => [],
        };
        if (flat.Length == 0 || rowCount == 0) return null;
        int width = (int)(flat.Length / rowCount);
        return Enumerable.Range(0, (int)rowCount).Select(r => flat.AsSpan(r * width, width).ToArray()).ToArray();
    }

    private static double[][] Read(IDataView data, DataViewSchema.Column column)
    {
        var item = ItemType(column.Type);
        bool vector = column.Type is VectorDataViewType;
        if (item == NumberDataViewType.Single)
            return vector ? data.GetColumn<VBuffer<float>>(column).Select(v => v.DenseValues().Select(x => (double)x).ToArray()).ToArray()
                          : data.GetColumn<float>(column).Select(x => new[] { (double)x }).ToArray();
        if (item == BooleanDataViewType.Instance)
            return vector ? data.GetColumn<VBuffer<bool>>(column).Select(v => v.DenseValues().Select(x => x ? 1.0 : 0.0).ToArray()).ToArray()
                          : data.GetColumn<bool>(column).Select(x => new[] { x ? 1.0 : 0.0 }).ToArray();
        if (item is KeyDataViewType || item == NumberDataViewType.UInt32)
            return vector ? data.GetColumn<VBuffer<uint>>(column).Select(v => v.DenseValues().Select(x => (double)x).ToArray()).ToArray()
                          : data.GetColumn<uint>(column).Select(x => new[] { (double)x }).ToArray();
        throw new AssertFailedException($"Column '{column.Name}' has type {column.Type}, which these tests do not read.");
    }
}

/// <summary>The largest differences between two sets of rows, and the relative bound the ONNX export promises.</summary>
internal sealed record Parity(string Output, int Rows, double MaxRelative, double MaxAbsolute)
{
    /// <summary>The bound of the export: every value within 1e-5 of ML.NET's, relative to its magnitude.</summary>
    public const double RelativeBound = 1e-5;

    /// <summary>
    /// |a − b| / max(|a|, |b|) per value, 0 where both are 0. Fails at once on a row count or width mismatch.
    /// </summary>
    public static Parity Of(string output, double[][] expected, double[][] actual)
    {
        Assert.HasCount(expected.Length, actual, $"{output}: row count");
        double relative = 0, absolute = 0;
        for (int r = 0; r < expected.Length; r++)
        {
            Assert.HasCount(expected[r].Length, actual[r], $"{output}: width of row {r}");
            for (int i = 0; i < expected[r].Length; i++)
            {
                double a = expected[r][i], b = actual[r][i], diff = Math.Abs(a - b), scale = Math.Max(Math.Abs(a), Math.Abs(b));
                absolute = Math.Max(absolute, diff);
                if (diff > 0) relative = Math.Max(relative, diff / scale);
            }
        }
        return new Parity(output, expected.Length, relative, absolute);
    }

    public override string ToString() => $"{Output}: {Rows} rows, max relative difference {MaxRelative:E2}, max absolute {MaxAbsolute:E2}";
}
