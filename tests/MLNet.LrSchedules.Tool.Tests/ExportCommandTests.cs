using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using MLNet.LrSchedules.Tool.Training;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Tool.Tests;

[TestClass]
public sealed class ExportCommandTests
{
    public TestContext TestContext { get; set; } = null!;

    private static string _dir = "";
    private static string _model = "";

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        _dir = LrSched.TempDir();
        _model = Path.Combine(_dir, "wine.zip");
        var train = LrSched.Run("train", "--data", LrSched.Data("wine.csv"), "--epochs", "2", "--hidden", "8", "-o", _model, "--plot", Path.Combine(_dir, "wine.png"));
        Assert.AreEqual(0, train.Exit, train.Err);
    }

    [TestMethod]
    public void Export_WritesAGraphThatOnnxRuntimeScoresAsMLNetDoes()
    {
        string onnx = Path.Combine(_dir, "out", "wine.onnx");
        var r = LrSched.Run("export", _model, "-o", onnx);
        Assert.AreEqual(0, r.Exit, r.Err);
        StringAssert.Contains(r.Out, $"Wrote {onnx}");
        StringAssert.Contains(r.Out, "inputs:  Label (Single), Features (Vector<Single, 13>)");
        StringAssert.Contains(r.Out, "Score.output (Vector<Single, 3>)");
        Assert.IsEmpty(Directory.GetFiles(Path.GetDirectoryName(onnx)!, ".*"), "no temporary file is left behind");

        AssertOnnxScoresAsMLNet(_model, onnx, "wine.csv", classes: 3);
    }

    /// <summary>
    /// A convolutional network (conv2d, batch norm, max and average pooling, flatten) on digits read as 1×8×8 images, in the
    /// pipeline lrsched writes (label keys, standardization, the network; saved sealed), exported by <c>lrsched export</c>.
    /// </summary>
    [TestMethod]
    public void Export_Cnn_WritesAGraphThatOnnxRuntimeScoresAsMLNetDoes()
    {
        string dir = LrSched.TempDir();
        string modelPath = Path.Combine(dir, "digits-cnn.zip");
        var ml = new MLContext(seed: 1);
        var table = TabularData.Load(LrSched.Data("digits.csv"), new DataReadOptions("label"));
        var task = CliTask.For(TrainingTask.MulticlassClassification);
        var split = table.Split(0.2, 0, seed: 1, fixedTail: false, task);
        var prepared = TrainingRun.Prepare(ml, table, task, split, recipe: null);
        var network = ml.MulticlassClassification.Trainers.TorchNetwork(new TorchNetworkMulticlassOptions
        {
            Network = NetworkSpec.Parse(
                "reshape(1, 8, 8) >> conv2d(8, kernel=3, padding=1) >> batchnorm2d >> relu >> maxpool2d(2) >> avgpool2d(3, stride=1, padding=1) >> flatten"),
            Epochs = 1, BatchSize = 64, Seed = 1,
        }).Fit(prepared.Train);
        ml.Model.SaveSealed(TrainingRun.Chain(prepared.Preprocess, network), prepared.RawTrain.Schema, modelPath);

        string onnx = Path.Combine(dir, "digits-cnn.onnx");
        var r = LrSched.Run("export", modelPath, "-o", onnx);
        Assert.AreEqual(0, r.Exit, r.Err);
        StringAssert.Contains(r.Out, "inputs:  Label (Single), Features (Vector<Single, 64>)");
        StringAssert.Contains(r.Out, "Score.output (Vector<Single, 10>)");
        AssertOnnxScoresAsMLNet(modelPath, onnx, "digits.csv", classes: 10);
    }

    /// <summary>Every row of <paramref name="dataFile"/> as the model reads it, scored by ML.NET and by ONNX Runtime on the exported file.</summary>
    private void AssertOnnxScoresAsMLNet(string modelPath, string onnx, string dataFile, int classes)
    {
        var ml = new MLContext();
        var model = ml.Model.Load(modelPath, out var schema);
        var table = TabularData.Load(LrSched.Data(dataFile), new DataReadOptions("label"));
        var data = table.ToDataView(ml, Enumerable.Range(0, table.Labels.Length), CliTask.For(TrainingTask.MulticlassClassification), schema["Label"].Type);
        var expected = model.Transform(data).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        var predicted = model.Transform(data).GetColumn<uint>("PredictedLabel").ToArray();

        using var session = new InferenceSession(onnx);
        var features = data.GetColumn<float[]>("Features").ToArray();
        var labels = data.GetColumn<float>("Label").ToArray();
        using var featureTensor = OrtValue.CreateTensorValueFromMemory(features.SelectMany(f => f).ToArray(), [features.Length, features[0].Length]);
        using var labelTensor = OrtValue.CreateTensorValueFromMemory(labels, [labels.Length, 1]);
        using var options = new RunOptions();
        using var results = session.Run(options, ["Features", "Label"], [featureTensor, labelTensor], ["Score.output", "PredictedLabel.output"]);
        var scores = results[0].GetTensorDataAsSpan<float>().ToArray();
        var keys = results[1].GetTensorDataAsSpan<uint>().ToArray();

        double worst = 0;
        for (int row = 0; row < expected.Length; row++)
            for (int c = 0; c < classes; c++)
            {
                double a = expected[row][c], b = scores[row * classes + c];
                if (a != b) worst = Math.Max(worst, Math.Abs(a - b) / Math.Max(Math.Abs(a), Math.Abs(b)));
            }
        TestContext.WriteLine($"{dataFile}: largest relative difference of Score over {expected.Length} rows {worst:E2}");
        Assert.IsLessThanOrEqualTo(1e-5, worst, $"largest relative difference of Score over {expected.Length} rows");
        CollectionAssert.AreEqual(predicted, keys);
    }

    [TestMethod]
    public void Export_DefaultsToTheModelPathWithOnnx()
    {
        string copy = Path.Combine(LrSched.TempDir(), "copy.zip");
        File.Copy(_model, copy);
        var r = LrSched.Run("export", copy);
        Assert.AreEqual(0, r.Exit, r.Err);
        Assert.IsTrue(File.Exists(Path.ChangeExtension(copy, ".onnx")));
    }

    [TestMethod]
    public void Export_RejectsBadPaths_BeforeWritingAnything()
    {
        string dir = LrSched.TempDir();
        LrSched.AssertError(LrSched.Run("export", _model, "-o", Path.Combine(dir, "model.txt")), "model.txt: not a .onnx file name (expected --output to end with .onnx)");
        Directory.CreateDirectory(Path.Combine(dir, "folder.onnx"));
        LrSched.AssertError(LrSched.Run("export", _model, "-o", Path.Combine(dir, "folder.onnx")), "folder.onnx: is a folder (expected --output to name a file)");
        LrSched.AssertError(LrSched.Run("export", Path.Combine(dir, "missing.zip")), "missing.zip: no such file (expected a model file)");
        string notAModel = Path.Combine(dir, "not-a-model.zip");
        File.WriteAllText(notAModel, "text");
        LrSched.AssertError(LrSched.Run("export", notAModel, "-o", Path.Combine(dir, "x.onnx")), "not-a-model.zip: cannot be read: ");
        Assert.IsEmpty(Directory.GetFiles(dir, "*.onnx"));
        Assert.IsEmpty(Directory.GetFiles(dir, ".*"));
    }
}
