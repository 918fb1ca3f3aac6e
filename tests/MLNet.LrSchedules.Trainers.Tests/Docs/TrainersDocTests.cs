using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms;
using MLNet.LrSchedules.Trainers.Tests.MLNet;

namespace MLNet.LrSchedules.Trainers.Tests.Docs;

/// <summary>
/// The code of docs/TRAINERS.md's ONNX and feature-importance sections is this file's code: each block marked
/// <c>&lt;!-- snippet: name --&gt;</c> in the document must equal the lines between <c>// snippet: name</c> and
/// <c>// end snippet</c> here, which compile and run on digits.
/// </summary>
[TestClass]
public sealed partial class TrainersDocTests
{
    private static readonly string DocPath = Path.Combine(AppContext.BaseDirectory, "Docs", "TRAINERS.md");
    private static readonly string SourcePath = Path.Combine(AppContext.BaseDirectory, "Docs", "TrainersDocTests.cs");

    // Trained once for both snippet tests.
    private static readonly Lazy<(MLContext Ml, TransformerChain<KeyToValueMappingTransformer> Model, IDataView Train, IDataView Test)> DigitsModel = new(TrainDigits);

    private static (MLContext Ml, TransformerChain<KeyToValueMappingTransformer> Model, IDataView Train, IDataView Test) Digits() => DigitsModel.Value;

    private static (MLContext Ml, TransformerChain<KeyToValueMappingTransformer> Model, IDataView Train, IDataView Test) TrainDigits()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false))
            .Append(ml.MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions { Epochs = 3, HiddenLayers = [32], Seed = 1 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedValue", "PredictedLabel"))
            .Fit(train);
        return (ml, model, train, test);
    }

    [TestMethod]
    public void OnnxExport_Snippets_Run()
    {
        var (ml, model, train, test) = Digits();
        // The snippets write and read digits.onnx in the current folder, as a user's program would.
        string folder = Path.GetDirectoryName(TestData.TempPath("x"))!;
        Directory.CreateDirectory(folder);
        string previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = folder;
        try
        {
            RunOnnxSnippets(ml, model, train, test);
        }
        finally
        {
            File.Delete(Path.Combine(folder, "digits.onnx"));
            Environment.CurrentDirectory = previous;
        }
    }

    private static void RunOnnxSnippets(MLContext ml, TransformerChain<KeyToValueMappingTransformer> model, IDataView train, IDataView test)
    {
        int rows = 3;
        float[] pixels = test.GetColumn<float[]>("Features").Take(rows).SelectMany(r => r).ToArray();

        // snippet: onnx-export
        using (var stream = File.Create("digits.onnx"))
            ml.Model.ConvertToOnnx(model, train, stream);
        // end snippet

        // snippet: onnx-apply
        var onnx = ml.Transforms.ApplyOnnxModel(
            outputColumnNames: ["Score.output", "PredictedLabel.output"],
            inputColumnNames: ["Features", "Label"],
            modelFile: "digits.onnx").Fit(test);
        var scored = onnx.Transform(test);   // columns Score and PredictedLabel
        // end snippet

        // snippet: onnx-runtime
        using var session = new InferenceSession("digits.onnx");
        using var features = OrtValue.CreateTensorValueFromMemory(pixels, [rows, 64]);
        using var labels = OrtValue.CreateTensorValueFromMemory(new float[rows], [rows, 1]);   // read by MapValueToKey only
        using var options = new RunOptions();
        using var results = session.Run(options, ["Features", "Label"], [features, labels], ["Score.output", "PredictedLabel.output"]);
        ReadOnlySpan<float> probabilities = results[0].GetTensorDataAsSpan<float>();   // rows × 10
        ReadOnlySpan<uint> keys = results[1].GetTensorDataAsSpan<uint>();               // 1-based class keys
        // end snippet

        var mlnet = model.Transform(test);
        var expected = mlnet.GetColumn<VBuffer<float>>("Score").Take(rows).SelectMany(v => v.DenseValues()).ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], probabilities[i], 1e-5 * Math.Abs(expected[i]));
        var predicted = mlnet.GetColumn<uint>("PredictedLabel").ToArray();
        CollectionAssert.AreEqual(predicted[..rows], keys.ToArray());
        CollectionAssert.AreEqual(predicted, scored.GetColumn<VBuffer<uint>>("PredictedLabel").Select(v => v.GetValues()[0]).ToArray());
    }

    [TestMethod]
    public void FeatureImportance_Snippet_Runs()
    {
        var (ml, model, _, fullTest) = Digits();
        // A third of the test split: the snippet permutes every pixel four times (1 + 3 permutations).
        var test = ml.Data.TakeRows(fullTest, 120);

        // snippet: pfi
        // The data as the network reads it: the test split through the steps before the network.
        var network = model.OfType<TorchNetworkTransformer>().Single();
        var prepared = new TransformerChain<ITransformer>(model.TakeWhile(t => t != network).ToArray()).Transform(test);

        // The network itself: one entry per feature slot, in slot order.
        ImmutableArray<MulticlassClassificationMetricsStatistics> perSlot =
            ml.MulticlassClassification.PermutationFeatureImportance(network, prepared);

        // The whole model: ML.NET finds the network in the chain; entries keyed by slot name.
        ImmutableDictionary<string, MulticlassClassificationMetricsStatistics> byName =
            ml.MulticlassClassification.PermutationFeatureImportance(model, prepared, permutationCount: 3);
        foreach (var (pixel, change) in byName.OrderBy(p => p.Value.MacroAccuracy.Mean).Take(5))
            Console.WriteLine($"{pixel}: macro accuracy {change.MacroAccuracy.Mean:+0.000;-0.000} ± {change.MacroAccuracy.StandardDeviation:0.000}");
        // end snippet

        var top = byName.OrderBy(p => p.Value.MacroAccuracy.Mean).Take(5).Select(p => p.Key).ToList();
        Assert.HasCount(64, perSlot);
        Assert.HasCount(64, byName);
        Assert.HasCount(5, top);
        Assert.IsLessThan(0, byName[top[0]].MacroAccuracy.Mean);
    }

    [TestMethod]
    public void CheckpointPipeline_Snippets_Run()
    {
        var ml = new MLContext(seed: 1);
        var (rawTrain, _) = TestData.Split(ml, TestData.Load(ml, "digits"));
        string folder = Path.GetDirectoryName(TestData.TempPath("x"))!;
        Directory.CreateDirectory(folder);
        string previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = folder;
        try
        {
            // snippet: checkpoint-pipeline
            var preprocessing = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.NormalizeMeanVariance("Features")).Fit(rawTrain);
            var options = new TorchMlpMulticlassOptions
            {
                Epochs = 3,
                CheckpointEveryEpochs = 1,
                CheckpointPath = "run.checkpoint.zip",
                CheckpointPipeline = new CheckpointPipeline(preprocessing, rawTrain.Schema),
            };
            // end snippet

            // The crash: a cancellation during epoch 2, after epoch 1's checkpoint.
            TestData.CanceledAtEpoch(options, 2);
            Assert.Throws<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.TorchMlp(options).Fit(preprocessing.Transform(rawTrain)));

            // snippet: checkpoint-resume
            var checkpoint = ml.Model.Load("run.checkpoint.zip", out var inputSchema);
            TransformerChain<ITransformer> resumed = ml.MulticlassClassification.Trainers
                .TorchMlp(new TorchMlpMulticlassOptions { CheckpointEveryEpochs = 1, CheckpointPath = "run.checkpoint.zip" })
                .Resume(rawTrain, checkpoint);
            ml.Model.Save(resumed, inputSchema, "model.zip");
            // end snippet

            Assert.AreEqual(3, TorchModelInfo.Read("model.zip").EpochsCompleted);
        }
        finally
        {
            File.Delete(Path.Combine(folder, "run.checkpoint.zip"));
            File.Delete(Path.Combine(folder, "model.zip"));
            Environment.CurrentDirectory = previous;
        }
    }

    [TestMethod]
    public void Cancellation_Snippet_Runs()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var prepared = ml.Data.Cache(ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false)).Fit(train).Transform(train));

        TorchNetworkTransformer Train(CancellationToken shutdown)
        {
            // snippet: cancellation
            // shutdown: a token the application cancels (Ctrl+C, a host's stopping token, a time limit)
            var options = new TorchMlpMulticlassOptions { Epochs = 5, CancellationToken = shutdown };
            TorchNetworkTransformer model;
            try
            {
                model = ml.MulticlassClassification.Trainers.TorchMlp(options).Fit(prepared);
            }
            catch (TorchNetworkCanceledException canceled) when (canceled.LastCompletedModel is { } partial)
            {
                ml.Model.Save(partial, prepared.Schema, "partial.zip");   // later, loaded: Resume(prepared, loaded) continues the run exactly
                throw;
            }
            // end snippet
            return model;
        }

        // Not canceled: the run completes. Canceled before it starts: nothing to save (the partial path is CancellationTests').
        Assert.AreEqual(5, Train(CancellationToken.None).Model.EpochsCompleted);
        var canceled = Assert.ThrowsExactly<TorchNetworkCanceledException>(() => Train(new CancellationToken(canceled: true)));
        Assert.IsNull(canceled.LastCompletedModel);
    }

    [TestMethod]
    public void Doc_Snippets_AreThisFilesCode()
    {
        string doc = File.ReadAllText(DocPath);
        var source = Snippets(File.ReadAllText(SourcePath));
        var blocks = DocSnippet().Matches(doc).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["code"].Value.TrimEnd());
        CollectionAssert.AreEquivalent(source.Keys.ToArray(), blocks.Keys.ToArray(), "every snippet is in the document once, and only these");
        foreach (var (name, code) in source)
            Assert.AreEqual(code, blocks[name], $"docs/TRAINERS.md snippet '{name}' differs from Docs/TrainersDocTests.cs");
    }

    /// <summary>The lines between the markers, without their common indentation.</summary>
    private static Dictionary<string, string> Snippets(string source)
    {
        var result = new Dictionary<string, string>();
        foreach (Match m in SourceSnippet().Matches(source))
        {
            var lines = m.Groups["code"].Value.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            int indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
            result[m.Groups["name"].Value] = string.Join("\n", lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
        }
        return result;
    }

    [GeneratedRegex(@"^[ \t]*// snippet: (?<name>[\w-]+)\r?\n(?<code>.*?)^[ \t]*// end snippet", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex SourceSnippet();

    [GeneratedRegex(@"<!-- snippet: (?<name>[\w-]+) -->\r?\n```csharp\r?\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex DocSnippet();
}
