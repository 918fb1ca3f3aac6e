using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

[TestClass]
public sealed class BadInputTests
{
    private sealed class Row
    {
        [VectorType(3)] public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private sealed class KeyRow
    {
        [VectorType(3)] public float[] Features { get; set; } = [];
        [KeyType(3)] public uint Label { get; set; }
    }

    private sealed class WideKeyRow
    {
        [VectorType(3)] public float[] Features { get; set; } = [];
        [KeyType(5)] public uint Label { get; set; }
    }

    private sealed class DoubleRow
    {
        [VectorType(3)] public double[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private static IDataView Rows(MLContext ml, params (float[] Features, float Label)[] rows) =>
        ml.Data.LoadFromEnumerable(rows.Select(r => new Row { Features = r.Features, Label = r.Label }));

    private static IDataView GoodRegression(MLContext ml) =>
        Rows(ml, ([1, 2, 3], 1), ([2, 3, 4], 2), ([3, 4, 5], 3), ([4, 5, 6], 4));

    private static TorchMlpRegressionOptions Quick() => new() { Epochs = 1, BatchSize = 2, HiddenLayers = [4], Seed = 1 };

    [TestMethod]
    public void MissingFeatureColumn_IsNamed()
    {
        var ml = new MLContext(1);
        var options = Quick();
        options.FeatureColumnName = "Pixels";
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.TorchMlp(options).Fit(GoodRegression(ml)));
        Assert.Contains("The feature column 'Pixels' (option FeatureColumnName) is not in the training data", e.Message);
        Assert.Contains("'Features'", e.Message);
    }

    [TestMethod]
    public void MissingLabelColumn_IsNamed()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.TorchMlp(labelColumnName: "Target").Fit(GoodRegression(ml)));
        Assert.Contains("The label column 'Target' (option LabelColumnName) is not in the training data", e.Message);
    }

    [TestMethod]
    public void MulticlassNonKeyLabel_SaysMapValueToKey()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.TorchMlp().Fit(GoodRegression(ml)));
        Assert.Contains("Column 'Label' of the training data must be a key type for multiclass classification; received Single", e.Message);
        Assert.Contains("MapValueToKey(\"Label\")", e.Message);
    }

    [TestMethod]
    public void BinaryFloatLabel_SaysBoolean()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.BinaryClassification.Trainers.TorchMlp().Fit(GoodRegression(ml)));
        Assert.Contains("Column 'Label' of the training data must be Boolean for binary classification; received Single", e.Message);
    }

    [TestMethod]
    public void DoubleFeatures_SayFloatVector()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new DoubleRow { Features = [1, 2, 3], Label = 1 } });
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Regression.Trainers.TorchMlp(Quick()).Fit(data));
        Assert.Contains("Column 'Features' of the training data must be a known-size vector of Single (float); received a vector of Double of size 3", e.Message);
    }

    [TestMethod]
    public void EmptyData_IsRejected()
    {
        var ml = new MLContext(1);
        var empty = ml.Data.FilterRowsByColumn(GoodRegression(ml), "Label", lowerBound: 100, upperBound: 200);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Regression.Trainers.TorchMlp(Quick()).Fit(empty));
        Assert.AreEqual("The training data has no rows: there is nothing to train on.", e.Message);
    }

    [TestMethod]
    public void LabelOutsideTheKeyRange_IsAMissingLabel_NamesRow()
    {
        var ml = new MLContext(1);
        // LoadFromEnumerable takes 0-based key values and turns those outside the key's range into 0 (missing).
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new KeyRow { Features = [1, 2, 3], Label = 0 },
            new KeyRow { Features = [1, 2, 3], Label = 1 },
            new KeyRow { Features = [1, 2, 3], Label = 7 },
        });
        var e = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ml.MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions { Epochs = 1 }).Fit(data));
        Assert.AreEqual("Column 'Label' of the training data has a missing label at row 2 (key 0: a value the key mapping did not know, or an empty value).", e.Message);
    }

    [TestMethod]
    public void ValidationLabelsOfAnotherKeyRange_AreRejected()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(new[] { new KeyRow { Features = [1, 2, 3], Label = 0 }, new KeyRow { Features = [1, 2, 3], Label = 2 } });
        var validation = ml.Data.LoadFromEnumerable(new[] { new WideKeyRow { Features = [1, 2, 3], Label = 4 } });
        var options = new TorchMlpMulticlassOptions { Epochs = 1, ValidationSet = validation };
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.TorchMlp(options).Fit(train));
        Assert.StartsWith("Column 'Label' of the validation set is a key of 5 classes; the training data's has 3.", e.Message);
    }

    [TestMethod]
    [DataRow(float.NaN, "NaN")]
    [DataRow(float.PositiveInfinity, "∞")]
    public void NonFiniteFeature_NamesColumnRowAndSlot(float bad, string shown)
    {
        var ml = new MLContext(1);
        var data = Rows(ml, ([1, 2, 3], 1), ([1, 2, 3], 2), ([1, bad, 3], 3));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Regression.Trainers.TorchMlp(Quick()).Fit(data));
        Assert.StartsWith($"Column 'Features' of the training data holds {bad.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} at row 2, slot 1: features must be finite.", e.Message);
        Assert.IsNotNull(shown);
    }

    [TestMethod]
    public void NonFiniteRegressionLabel_NamesRow()
    {
        var ml = new MLContext(1);
        var data = Rows(ml, ([1, 2, 3], 1), ([1, 2, 3], float.NaN));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Regression.Trainers.TorchMlp(Quick()).Fit(data));
        Assert.AreEqual("Column 'Label' of the training data holds NaN at row 1: regression labels must be finite.", e.Message);
    }

    [TestMethod]
    public void TransformWithoutFeatures_NamesColumn()
    {
        var ml = new MLContext(1);
        var model = ml.Regression.Trainers.TorchMlp(Quick()).Fit(GoodRegression(ml));
        var other = ml.Data.LoadFromEnumerable(new[] { new { Pixels = 1f } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(other));
        Assert.Contains("The feature column 'Features' (option FeatureColumnName) is not in the input data", e.Message);
    }

    [TestMethod]
    public void DivergingRun_KeepsLastGoodWeights_NamesStepAndRate()
    {
        var ml = new MLContext(1);
        var data = TestData.Load(ml, "diabetes");
        var options = new TorchMlpRegressionOptions { Epochs = 3, LearningRate = 1e6, Optimizer = OptimizerKind.Sgd, Momentum = 0, HiddenLayers = [8], Seed = 1 };
        var e = Assert.ThrowsExactly<TorchNetworkDivergedException>(() => ml.Regression.Trainers.TorchMlp(options).Fit(data));
        Assert.Contains($"Training diverged at step {e.Step}", e.Message);
        Assert.Contains("learning rate 1000000", e.Message);
        Assert.Contains("lower the learning rate or clip gradients (the trainer option GradientClipNorm)", e.Message, "the option users set, not the engine's");
        Assert.DoesNotContain("OptimizerSettings", e.Message);
        Assert.AreEqual(1e6, e.LearningRate);
        // The last good model (the initial weights here) still scores finite values and can be saved.
        var scores = e.LastGoodModel.Transform(data).GetColumn<float>("Score").ToArray();
        Assert.IsTrue(scores.All(float.IsFinite));
        Assert.AreEqual(TrainingStopReason.Diverged, e.LastGoodModel.Model.StopReason);
    }

    private static string SavedModel(MLContext ml, out IDataView data)
    {
        data = GoodRegression(ml);
        var model = ml.Regression.Trainers.TorchMlp(Quick()).Fit(data);
        string path = TestData.TempPath("bad.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, data.Schema, path);
        return path;
    }

    [TestMethod]
    public void TruncatedModelFile_IsRejected()
    {
        var ml = new MLContext(1);
        string path = SavedModel(ml, out _);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.ThrowsExactly<TorchModelFormatException>(() => TorchModelInfo.Read(path));
        Assert.Throws<Exception>(() => new MLContext().Model.Load(path, out _));
        File.Delete(path);
    }

    private static void Rewrite(string path, string entrySuffix, Func<byte[], byte[]> change)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith(entrySuffix, StringComparison.Ordinal));
        byte[] bytes;
        using (var stream = entry.Open())
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            bytes = copy.ToArray();
        }
        string name = entry.FullName;
        entry.Delete();
        using var output = zip.CreateEntry(name).Open();
        output.Write(change(bytes));
    }

    [TestMethod]
    public void TamperedWeights_AreRejected()
    {
        var ml = new MLContext(1);
        string path = SavedModel(ml, out _);
        Rewrite(path, "/TorchMlp.weights.bin", bytes => { bytes[^5] ^= 0x40; return bytes; });
        var info = Assert.ThrowsExactly<TorchModelFormatException>(() => TorchModelInfo.Read(path));
        Assert.Contains("the entry 'TorchMlp.weights.bin' fails its SHA-256 check", info.Message);
        var load = Assert.Throws<Exception>(() => new MLContext().Model.Load(path, out _));
        Assert.Contains("fails its SHA-256 check", TestData.Find<TorchModelFormatException>(load).Message);
        File.Delete(path);
    }

    [TestMethod]
    public void NewerFormatVersion_SaysUpgrade()
    {
        var ml = new MLContext(1);
        string path = SavedModel(ml, out _);
        Rewrite(path, "/TorchMlp.manifest.json", bytes => Encoding.UTF8.GetBytes(Regex.Replace(Encoding.UTF8.GetString(bytes), "\"format_version\": \\d+", "\"format_version\": 4")));
        var info = Assert.ThrowsExactly<TorchModelFormatException>(() => TorchModelInfo.Read(path));
        Assert.Contains("was saved with TorchSharp MLP format version 4; this version of MLNet.LrSchedules.Trainers", info.Message);
        Assert.Contains("reads format versions up to 3. Upgrade the package to load it.", info.Message);
        var load = Assert.Throws<Exception>(() => new MLContext().Model.Load(path, out _));
        Assert.Contains("format version 4", TestData.Find<TorchModelFormatException>(load).Message);
        File.Delete(path);
    }
}
