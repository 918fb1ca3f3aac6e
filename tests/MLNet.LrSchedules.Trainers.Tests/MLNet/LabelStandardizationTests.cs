using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

/// <summary>
/// Regression on raw targets: the trainer learns the standardized label by default and predicts in the label's units; the
/// mean and standard deviation come from the training data (weighted), travel with the model, and serve scoring,
/// validation, resuming and fine-tuning.
/// </summary>
[TestClass]
public sealed class LabelStandardizationTests
{
    /// <summary>diabetes.csv as it is: features as scikit-learn ships them, the target in its own units (25 to 346).</summary>
    private static (IDataView Train, IDataView Test) RawDiabetes(MLContext ml)
    {
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "diabetes"));
        var normalize = ml.Transforms.NormalizeMeanVariance("Features", fixZero: false).Fit(train);
        return (ml.Data.Cache(normalize.Transform(train)), ml.Data.Cache(normalize.Transform(test)));
    }

    [TestMethod]
    public void DefaultOptions_OnARawTarget_LearnTheStandardizedLabel_AndPredictInItsUnits()
    {
        var ml = new MLContext(1);
        var (train, test) = RawDiabetes(ml);
        var model = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Seed = 1 }).Fit(train);

        var labels = train.GetColumn<float>("Label").Select(v => (double)v).ToArray();
        double mean = labels.Average();
        double std = Math.Sqrt(labels.Sum(v => (v - mean) * (v - mean)) / labels.Length);
        var s = model.Model.LabelStandardization!;
        Assert.AreEqual(mean, s.Mean, 1e-9 * mean);
        Assert.AreEqual(std, s.StandardDeviation, 1e-9 * std);

        var metrics = ml.Regression.Evaluate(model.Transform(test));
        var scores = model.Transform(test).GetColumn<float>("Score").ToArray();
        Console.WriteLine($"raw diabetes, default options: test R² {metrics.RSquared:F3}, RMSE {metrics.RootMeanSquaredError:F1}; label mean {mean:F1}, sd {std:F1}; scores {scores.Min():F0}..{scores.Max():F0}");
        Assert.IsGreaterThan(0.3, metrics.RSquared, "a raw target trains with the defaults (it gave R² -2.4 to -4.0 before standardization)");
        Assert.IsGreaterThan(mean - std, scores.Average());
        Assert.IsLessThan(mean + std, scores.Average());
    }

    [TestMethod]
    public void StandardizeLabelFalse_TrainsOnTheLabelAsItIs()
    {
        var ml = new MLContext(1);
        var (train, _) = RawDiabetes(ml);
        var model = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Seed = 1, Epochs = 2, StandardizeLabel = false }).Fit(train);
        Assert.IsNull(model.Model.LabelStandardization);
        Assert.IsNull(model.Model.Settings.LabelStandardization);
        // Classification never standardizes.
        Assert.IsFalse(new TorchNetworkBinaryOptions().StandardizesLabel);
    }

    [TestMethod]
    public void ValidationRmse_IsInTheLabelsUnits_AndTheLossesAreTheStandardizedProblems()
    {
        var ml = new MLContext(1);
        var (train, test) = RawDiabetes(ml);
        var model = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Seed = 1, Epochs = 3, ValidationSet = test }).Fit(train);

        var last = model.Model.History.Epochs[^1];
        double rmse = ml.Regression.Evaluate(model.Transform(test)).RootMeanSquaredError;
        Assert.AreEqual(rmse, last.ValidationMetric!.Value, 1e-4 * rmse, "the history's RMSE is ML.NET's RMSE of the scores");
        double sd = model.Model.LabelStandardization!.StandardDeviation;
        Assert.AreEqual(last.ValidationMetric.Value * last.ValidationMetric.Value / (sd * sd), last.ValidationLoss!.Value, 1e-4,
            "the validation loss is the standardized mean squared error");
    }

    [TestMethod]
    public void ExampleWeights_WeighTheMeanAndStandardDeviation()
    {
        var ml = new MLContext(1);
        var rows = Enumerable.Range(0, 200).Select(i => new WeightedRow
        {
            Features = [i / 200f, (i % 7) / 7f],
            Label = i < 100 ? 10f : 30f,
            Weight = i < 100 ? 3f : 1f,
        }).ToArray();
        var model = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 1, HiddenLayers = [4], ExampleWeightColumnName = "Weight", Seed = 1 })
            .Fit(ml.Data.LoadFromEnumerable(rows));

        // 300 parts of 10 and 100 of 30: mean 15, variance (300·25 + 100·225) / 400 = 75.
        var s = model.Model.LabelStandardization!;
        Assert.AreEqual(15, s.Mean, 1e-12);
        Assert.AreEqual(Math.Sqrt(75), s.StandardDeviation, 1e-12);
    }

    [TestMethod]
    public void Of_ConstantLabels_AreOnlyCentered_AndZeroWeightsAreLeftOut()
    {
        var constant = new InMemoryBatchSource([1, 2, 3, 4], [5, 5, 5, 5], 1);
        Assert.AreEqual(new LabelStandardization(5, 1), LabelStandardization.Of(constant));

        var weighted = new InMemoryBatchSource([1, 2, 3], [2, 4, 1000], 1, [1, 1, 0]);
        Assert.AreEqual(new LabelStandardization(3, 1), LabelStandardization.Of(weighted, batchSize: 2));

        var none = new InMemoryBatchSource([1, 2], [1, 2], 1, [0, 0]);
        var error = Assert.ThrowsExactly<ArgumentException>(() => LabelStandardization.Of(none));
        Assert.Contains("weights of the 2 training rows sum to 0", error.Message);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LabelStandardization(0, 0));
    }

    [TestMethod]
    public void SavedAndLoaded_ScoresAreIdentical_AndTheModelInfoShowsIt()
    {
        var ml = new MLContext(1);
        var (train, test) = RawDiabetes(ml);
        var model = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Seed = 1, Epochs = 2 }).Fit(train);
        string path = TestData.TempPath("standardized.zip");
        ml.Model.Save(model, train.Schema, path);

        var loaded = ml.Model.Load(path, out _);
        CollectionAssert.AreEqual(model.Transform(test).GetColumn<float>("Score").ToArray(), loaded.Transform(test).GetColumn<float>("Score").ToArray());
        Assert.AreEqual(model.Model.LabelStandardization, TorchModelInfo.Read(path).LabelStandardization);
        Assert.AreEqual(model.Model.LabelStandardization, ((TorchNetworkTransformer)loaded).Model.LabelStandardization);
        // Format 3: a reader of format 2 would ignore the standardization and score in the wrong units, so it must refuse the file.
        Assert.AreEqual(3, TorchModelInfo.Read(path).FormatVersion);
        var raw = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Seed = 1, Epochs = 1, StandardizeLabel = false }).Fit(train);
        ml.Model.Save(raw, train.Schema, path);
        Assert.AreEqual(2, TorchModelInfo.Read(path).FormatVersion, "without standardization the file stays readable by format-2 readers");
        File.Delete(path);
    }

    [TestMethod]
    public void ResumeAndFineTune_KeepTheSavedStandardization_ANewHeadStandardizesAfresh()
    {
        var ml = new MLContext(1);
        var (train, test) = RawDiabetes(ml);
        var model = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Seed = 1, Epochs = 2 }).Fit(train);
        var saved = model.Model.LabelStandardization!;
        // Other data: the saved statistics still define what the network's output means.
        var shifted = ml.Data.Cache(ml.Transforms.Expression("Label", "x => x + 1000", "Label").Fit(test).Transform(test));

        var extended = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 3 }).Resume(shifted, model).Model;
        Assert.AreEqual(saved, extended.LabelStandardization);
        var tuned = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 1 }).Fit(shifted, model).Model;
        Assert.AreEqual(saved, tuned.LabelStandardization);
        var newHead = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 1, ReplaceHead = true }).Fit(shifted, model).Model;
        Assert.AreEqual(saved.Mean + 1000, newHead.LabelStandardization!.Mean, 60, "a new head learns the new data's label");

        var contradiction = Assert.ThrowsExactly<ArgumentException>(() =>
            ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 1, StandardizeLabel = false }).Fit(shifted, model));
        Assert.Contains("its network learned the standardized label; the options set StandardizeLabel = false", contradiction.Message);
    }

    private sealed class WeightedRow
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }

        public float Weight { get; set; }
    }
}
