using System.Collections.Immutable;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

/// <summary>
/// ML.NET's PermutationFeatureImportance on fitted networks, through both overloads: the last transformer (typed as
/// <c>ISingleFeaturePredictionTransformer&lt;TorchNetworkModel&gt;</c>) and the whole model (ML.NET finds the network in the chain).
/// Both run with identically seeded contexts, so they permute the same way and must agree exactly. The data given to
/// both is the test split as the network sees it (after the normalizer), as ML.NET's whole-model overload expects.
/// </summary>
[TestClass]
public sealed class PermutationFeatureImportanceTests
{
    // One permutation keeps the test fast (each scores the 349 test rows once per pixel); single pixels of digits matter
    // little each, so the ranking below the first few is noise at this count.
    private const int PfiPermutations = 1;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Multiclass_Digits_BothOverloads_RankPixels()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions { Epochs = 4, HiddenLayers = [32], LearningRate = 3e-3, Seed = 1 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedValue", "PredictedLabel"))
            .Fit(train);
        var (network, prepared) = NetworkAndItsInput(model, test);

        var byTransformer = new MLContext(seed: 7).MulticlassClassification.PermutationFeatureImportance(network, prepared, permutationCount: PfiPermutations);
        var byModel = new MLContext(seed: 7).MulticlassClassification.PermutationFeatureImportance(model, prepared, permutationCount: PfiPermutations);

        var names = SlotNames(prepared);
        Assert.HasCount(64, byTransformer);
        CollectionAssert.AreEquivalent(names, byModel.Keys.ToArray());
        for (int i = 0; i < names.Length; i++)
        {
            Assert.AreEqual(byTransformer[i].MacroAccuracy.Mean, byModel[names[i]].MacroAccuracy.Mean, $"{names[i]}: both overloads permute alike");
            Assert.AreEqual(byTransformer[i].LogLoss.Mean, byModel[names[i]].LogLoss.Mean, $"{names[i]}: both overloads permute alike");
        }
        // pixel_0_0 is 0 in every image: permuting it changes nothing.
        Assert.AreEqual(0, byModel["pixel_0_0"].MacroAccuracy.Mean);
        Assert.AreEqual(0, byModel["pixel_0_0"].LogLoss.Mean);

        var top = byModel.OrderBy(p => p.Value.MacroAccuracy.Mean).Take(5).ToList();
        TestContext.WriteLine($"Digits, top 5 pixels by mean decrease of macro accuracy over {PfiPermutations} permutation(s) (± standard deviation; log-loss change beside):");
        foreach (var (name, statistics) in top)
            TestContext.WriteLine($"  {name}: macro accuracy {statistics.MacroAccuracy.Mean:+0.0000;-0.0000} ± {statistics.MacroAccuracy.StandardDeviation:0.0000}, log-loss {statistics.LogLoss.Mean:+0.0000;-0.0000}");
        var byLogLoss = byModel.OrderByDescending(p => p.Value.LogLoss.Mean).Take(5);
        TestContext.WriteLine($"By mean increase of log-loss: {string.Join(", ", byLogLoss.Select(p => $"{p.Key} {p.Value.LogLoss.Mean:+0.0000;-0.0000}"))}");
        foreach (var (name, statistics) in top)
        {
            Assert.IsLessThan(0, statistics.MacroAccuracy.Mean, $"permuting {name} lowers macro accuracy");
            Assert.IsGreaterThan(0, statistics.LogLoss.Mean, $"and raises the log-loss");
        }
    }

    [TestMethod]
    public void Binary_BreastCancer_BothOverloads()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "breast_cancer", DataKind.Boolean));
        var model = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.BinaryClassification.Trainers.TorchMlp(new TorchMlpBinaryOptions { Epochs = 10, HiddenLayers = [16], LearningRate = 5e-3, Seed = 3 }))
            .Fit(train);
        var (network, prepared) = NetworkAndItsInput(model, test);

        var byTransformer = new MLContext(seed: 7).BinaryClassification.PermutationFeatureImportance(network, prepared);
        // The whole-model overload of binary classification evaluates without calibration (ML.NET's naming); AUC is the same either way.
        var byModel = new MLContext(seed: 7).BinaryClassification.PermutationFeatureImportanceNonCalibrated(model, prepared);

        AssertAgree(SlotNames(prepared), byTransformer, byModel, s => s.AreaUnderRocCurve.Mean);
        var top = byModel.MinBy(p => p.Value.AreaUnderRocCurve.Mean);
        TestContext.WriteLine($"Breast cancer, most important feature: {top.Key} (AUC {top.Value.AreaUnderRocCurve.Mean:+0.0000;-0.0000})");
        Assert.IsLessThan(0, top.Value.AreaUnderRocCurve.Mean);
    }

    [TestMethod]
    public void Regression_Diabetes_BothOverloads()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "diabetes"));
        var model = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.Transforms.NormalizeMeanVariance("Label"))
            .Append(ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 20, HiddenLayers = [32], LearningRate = 3e-3, Seed = 5 }))
            .Fit(train);
        var (network, prepared) = NetworkAndItsInput(model, test);

        var byTransformer = new MLContext(seed: 7).Regression.PermutationFeatureImportance(network, prepared);
        var byModel = new MLContext(seed: 7).Regression.PermutationFeatureImportance(model, prepared);

        AssertAgree(SlotNames(prepared), byTransformer, byModel, s => s.RSquared.Mean);
        var top = byModel.MinBy(p => p.Value.RSquared.Mean);
        TestContext.WriteLine($"Diabetes, most important feature: {top.Key} (R² {top.Value.RSquared.Mean:+0.0000;-0.0000})");
        // bmi and s5 are the strongest single predictors of this data set.
        CollectionAssert.Contains(new[] { "bmi", "s5" }, top.Key);
        Assert.IsLessThan(-0.05, top.Value.RSquared.Mean);
    }

    /// <summary>The network (the chain's last prediction transformer) and <paramref name="data"/> as the network sees it.</summary>
    private static (TorchNetworkTransformer Network, IDataView Prepared) NetworkAndItsInput(IEnumerable<ITransformer> model, IDataView data)
    {
        var steps = model.ToList();
        int index = steps.FindLastIndex(t => t is TorchNetworkTransformer);
        var prepared = new TransformerChain<ITransformer>(steps.Take(index).ToArray()).Transform(data);
        return ((TorchNetworkTransformer)steps[index], prepared);
    }

    private static string[] SlotNames(IDataView data)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        data.Schema["Features"].GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    private static void AssertAgree<T>(string[] names, ImmutableArray<T> byTransformer, ImmutableDictionary<string, T> byModel, Func<T, double> metric)
    {
        Assert.HasCount(names.Length, byTransformer);
        CollectionAssert.AreEquivalent(names, byModel.Keys.ToArray());
        for (int i = 0; i < names.Length; i++)
            Assert.AreEqual(metric(byTransformer[i]), metric(byModel[names[i]]), $"{names[i]}: both overloads permute alike");
    }
}
