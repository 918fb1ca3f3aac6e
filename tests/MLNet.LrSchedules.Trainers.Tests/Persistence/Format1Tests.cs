using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Tests.MLNet;

namespace MLNet.LrSchedules.Trainers.Tests.Persistence;

/// <summary>Model files of format version 1, written by the code of commit fc6efb3 (Format1/README.md), still load, score and resume.</summary>
[TestClass]
public sealed class Format1Tests
{
    private static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Persistence", "Format1", name);

    private static float[] ExpectedScores() =>
        JsonSerializer.Deserialize<string[][]>(File.ReadAllText(PathOf("digits-mlp-scores.json")))!
            .SelectMany(row => row.Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();

    private static readonly NetworkSpec Perceptron = NetworkSpec.Mlp([16, 8], Activation.Gelu, 0.1).Resolve(64, 10);

    [TestMethod]
    public void TorchModelInfo_ReadsAFormat1File_AsTheEquivalentSpec()
    {
        var info = TorchModelInfo.Read(PathOf("digits-mlp-model.zip"));
        Assert.AreEqual(1, info.FormatVersion);
        Assert.AreEqual(Perceptron, info.Network);
        Assert.AreEqual("input(64) >> linear(16) >> gelu >> dropout(0.1) >> linear(8) >> gelu >> dropout(0.1) >> linear(10)", info.Network.ToString());
        Assert.AreEqual(TrainingTask.MulticlassClassification, info.Task);
        Assert.AreEqual(3, info.EpochsCompleted);
        Assert.AreEqual(2, TorchModelInfo.Read(PathOf("digits-mlp-checkpoint.zip")).EpochsCompleted);
    }

    [TestMethod]
    public void AFormat1Model_ScoresAsItDidWhenSaved_AndIsSavedAgainInTheCurrentFormat()
    {
        var ml = new MLContext(1);
        var data = TestData.Load(ml, "digits");
        var model = ml.Model.Load(PathOf("digits-mlp-model.zip"), out _);
        var scores = TestData.Scores(model.Transform(data)).Take(40).SelectMany(s => s).ToArray();
        CollectionAssert.AreEqual(ExpectedScores(), scores, "bit-identical scores");

        string path = TestData.TempPath("format1-resaved.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, data.Schema, path);
        var info = TorchModelInfo.Read(path);
        Assert.AreEqual(2, info.FormatVersion, "the current format for a network without label standardization");
        Assert.AreEqual(Perceptron, info.Network);
        var resaved = new MLContext().Model.Load(path, out _);
        CollectionAssert.AreEqual(scores, TestData.Scores(resaved.Transform(data)).Take(40).SelectMany(s => s).ToArray());
        File.Delete(path);
    }

    [TestMethod]
    public void AFormat1Checkpoint_Resumes_ToExactlyTheRunThatVersionFinished()
    {
        var ml = new MLContext(1);
        var data = TestData.Load(ml, "digits");
        var chain = (TransformerChain<ITransformer>)ml.Model.Load(PathOf("digits-mlp-model.zip"), out _);
        var prepared = ml.Data.Cache(new TransformerChain<ITransformer>(chain.Take(2).ToArray()).Transform(data));

        var checkpoint = (TorchNetworkTransformer)ml.Model.Load(PathOf("digits-mlp-checkpoint.zip"), out _);
        Assert.AreEqual(Perceptron, checkpoint.Model.Network);
        var resumed = ml.MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions()).Resume(prepared, checkpoint);

        Assert.AreEqual(3, resumed.Model.EpochsCompleted);
        CollectionAssert.AreEqual(ExpectedScores(), TestData.Scores(resumed.Transform(prepared)).Take(40).SelectMany(s => s).ToArray(),
            "the resumed run ends where format 1's own uninterrupted run ended");
    }
}
