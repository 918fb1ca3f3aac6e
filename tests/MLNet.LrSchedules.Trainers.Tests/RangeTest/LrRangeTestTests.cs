using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Tests.MLNet;

namespace MLNet.LrSchedules.Trainers.Tests.RangeTest;

[TestClass]
public sealed class LrRangeTestTests
{
    private static IDataView? s_digits;
    private static MLContext? s_digitsContext;

    /// <summary>digits, label mapped to a key and features standardized: the data as the trainer sees it in a pipeline.</summary>
    private static IDataView Digits()
    {
        if (s_digits is null)
        {
            var ml = new MLContext(seed: 1);
            var raw = TestData.Load(ml, "digits");
            var prep = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false))
                .Fit(raw);
            s_digits = ml.Data.Cache(prep.Transform(raw));
            s_digitsContext = ml;
        }
        return s_digits;
    }

    private static TorchMlpMulticlassOptions Options() => new() { HiddenLayers = [64], BatchSize = 32, Seed = 1 };

    [TestMethod]
    public void RatesGrowExponentiallyFromStartToEnd()
    {
        var ml = new MLContext(seed: 1);
        var range = new LrRangeTestOptions { StartLearningRate = 1e-5, EndLearningRate = 1e-2, Steps = 60 };
        var result = ml.MulticlassClassification.Trainers.FindLearningRate(Digits(), Options(), range);

        Assert.AreEqual(LrRangeTestStopReason.Completed, result.StopReason);
        Assert.IsFalse(result.StoppedEarly);
        Assert.IsNull(result.StoppedAtStep);
        Assert.IsNull(result.DivergedLearningRate);
        Assert.HasCount(60, result.LearningRates);
        Assert.HasCount(60, result.Losses);
        Assert.HasCount(60, result.SmoothedLosses);
        Assert.AreEqual(1e-5, result.LearningRates[0]);
        double gamma = Math.Pow(1e-2 / 1e-5, 1.0 / 59);
        for (int i = 0; i < 60; i++)
        {
            // Exactly the exponential schedule on base rate start, and within rounding of start·(end/start)^(i/(n−1)).
            Assert.AreEqual(1e-5 * Math.Pow(gamma, i), result.LearningRates[i], 0.0, $"step {i}");
            Assert.AreEqual(1.0, result.LearningRates[i] / (1e-5 * Math.Pow(1e3, i / 59.0)), 1e-12, $"step {i}");
            Assert.AreEqual(result.RateOf(i), result.LearningRates[i], 0.0);
        }
        Assert.AreEqual(1.0, result.LearningRates[^1] / 1e-2, 1e-12);
        Assert.IsTrue(result.Losses.All(double.IsFinite));
        CollectionAssert.AreEqual(LrRangeTestResult.Smooth(result.Losses, 0.98), result.SmoothedLosses.ToArray());
        Assert.IsLessThan(result.Losses[0], result.MinSmoothedLoss, "the loss falls over 1e-5 .. 1e-2");
    }

    [TestMethod]
    public void StopsEarlyWhenTheSmoothedLossDiverges()
    {
        var ml = new MLContext(seed: 1);
        var range = new LrRangeTestOptions { StartLearningRate = 1e-3, EndLearningRate = 1e3, Steps = 150 };
        var result = ml.MulticlassClassification.Trainers.FindLearningRate(Digits(), Options(), range);

        Assert.AreEqual(LrRangeTestStopReason.Diverged, result.StopReason, result.ToString());
        Assert.IsTrue(result.StoppedEarly);
        Assert.IsLessThan(150, result.LearningRates.Count);
        Assert.AreEqual(result.LearningRates.Count - 1, result.StoppedAtStep);
        Assert.AreEqual(result.LearningRates[^1], result.DivergedLearningRate);
        // Stopped at the first point above 4× the best smoothed loss so far, not later.
        Assert.IsGreaterThan(4 * result.MinSmoothedLoss, result.SmoothedLosses[^1]);
        for (int i = 0; i < result.SmoothedLosses.Count - 1; i++)
            Assert.IsLessThanOrEqualTo(4 * result.SmoothedLosses.Take(i + 1).Min(), result.SmoothedLosses[i], $"step {i}");
        Assert.IsLessThan(result.LearningRates.Count - 1, result.MinLossIndex);
    }

    [TestMethod]
    public void StopsAtANonFiniteLossWhenTheThresholdIsOff()
    {
        var ml = new MLContext(seed: 1);
        var options = Options();
        options.Optimizer = OptimizerKind.Sgd;
        var range = new LrRangeTestOptions { StartLearningRate = 1e-2, EndLearningRate = 1e12, Steps = 100, StopOnDivergence = false };
        var result = ml.MulticlassClassification.Trainers.FindLearningRate(Digits(), options, range);

        Assert.AreEqual(LrRangeTestStopReason.NonFiniteLoss, result.StopReason, result.ToString());
        Assert.IsTrue(result.StoppedEarly);
        Assert.AreEqual(result.LearningRates.Count, result.StoppedAtStep, "the step of the NaN loss is not recorded");
        Assert.AreEqual(result.RateOf(result.StoppedAtStep!.Value), result.DivergedLearningRate);
        Assert.IsTrue(result.Losses.All(double.IsFinite));
        Assert.IsGreaterThanOrEqualTo(1e-2, result.SuggestedLearningRate);
    }

    [TestMethod]
    public void LeavesNoTrace_FitAfterTheRangeTestIsBitExact()
    {
        var options = Options();
        options.Epochs = 1;
        options.Schedule = LrSchedule.OneCycle(maxLr: 1e-2);
        var range = new LrRangeTestOptions { Steps = 40 };
        var before = Describe(options);

        byte[] Fit(bool rangeTestFirst)
        {
            var ml = new MLContext(seed: 3);
            var raw = TestData.Load(ml, "digits");
            var prep = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false)).Fit(raw);
            var data = ml.Data.Cache(prep.Transform(raw));
            if (rangeTestFirst)
            {
                var result = ml.MulticlassClassification.Trainers.FindLearningRate(data, options, range);
                Assert.IsGreaterThan(2, result.LearningRates.Count);
            }
            var model = ml.MulticlassClassification.Trainers.TorchMlp(options).Fit(data);
            // The MLContext's random generator is untouched too: a seedless shuffle draws the same order.
            var order = ml.Data.ShuffleRows(data).GetColumn<float[]>("Features").Take(5).SelectMany(f => f).ToArray();
            var scores = model.Transform(data).GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray();
            return [.. model.Model.Result.Weights, .. order.SelectMany(BitConverter.GetBytes), .. scores.SelectMany(BitConverter.GetBytes)];
        }

        CollectionAssert.AreEqual(Fit(rangeTestFirst: false), Fit(rangeTestFirst: true));
        Assert.AreEqual(before, Describe(options), "the trainer's options are unchanged");
        Assert.AreEqual(40, range.Steps);
        Assert.AreEqual(1e-6, range.StartLearningRate);
    }

    private static string Describe(TorchMlpOptions o) => string.Join("|",
        o.LearningRate, o.Epochs, o.BatchSize, string.Join(",", o.HiddenLayers), o.Schedule, o.StepScheduleEvery, o.Seed, o.Optimizer, o.Momentum,
        o.Betas, o.WeightDecay, o.EarlyStoppingPatience, o.RestoreBestWeights, o.Device, o.LabelColumnName, o.FeatureColumnName);

    [TestMethod]
    public void SuggestionLiesInTheRangeAndTrainsWell()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var prep = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false)).Fit(train);
        var options = Options();
        var prepared = prep.Transform(train);
        var result = ml.MulticlassClassification.Trainers.FindLearningRate(prepared, options);

        Console.WriteLine(result.ToString(every: 10));
        Assert.IsTrue(result.StoppedEarly, "1e-6 .. 10 diverges on digits with AdamW");
        Assert.IsTrue(result.SuggestedLearningRate >= 1e-6 && result.SuggestedLearningRate <= 10, $"suggested {result.SuggestedLearningRate}");
        Assert.IsLessThanOrEqualTo(result.MinLossIndex, result.SuggestedIndex, "the steepest descent is before the minimum");
        Assert.AreEqual(result.LearningRateAtMinLoss / 10, result.MinLossLearningRate);

        options.Epochs = 3;
        options.LearningRate = result.SuggestedLearningRate;
        var model = prep.Append(ml.MulticlassClassification.Trainers.TorchMlp(options).Fit(prepared));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Console.WriteLine($"Test accuracy after 3 epochs at the suggested rate: {metrics.MicroAccuracy:F4}");
        Assert.IsGreaterThan(0.93, metrics.MicroAccuracy, $"accuracy {metrics.MicroAccuracy} at the suggested rate {result.SuggestedLearningRate}");
    }

    [TestMethod]
    public void BinaryAndRegressionCatalogs()
    {
        var ml = new MLContext(seed: 1);
        var cancer = TestData.Load(ml, "breast_cancer", DataKind.Boolean);
        cancer = ml.Transforms.NormalizeMeanVariance("Features", fixZero: false).Fit(cancer).Transform(cancer);
        var binary = ml.BinaryClassification.Trainers.FindLearningRate(cancer, new TorchMlpBinaryOptions { Seed = 1 },
            new LrRangeTestOptions { Steps = 100 });
        Assert.IsTrue(binary.SuggestedLearningRate is >= 1e-6 and <= 10);
        Assert.IsTrue(binary.Losses.All(double.IsFinite));

        var diabetes = TestData.Load(ml, "diabetes");
        diabetes = ml.Transforms.NormalizeMeanVariance("Label", fixZero: false).Fit(diabetes).Transform(diabetes);
        var regression = ml.Regression.Trainers.FindLearningRate(diabetes, new TorchMlpRegressionOptions { Seed = 1 },
            new LrRangeTestOptions { Steps = 100 });
        Assert.IsTrue(regression.SuggestedLearningRate is >= 1e-6 and <= 10);
    }

    [TestMethod]
    public void RejectsBadOptionsWithClearMessages()
    {
        var ml = new MLContext(seed: 1);
        var data = Digits();
        void Check(LrRangeTestOptions range, string option, string text)
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.FindLearningRate(data, Options(), range));
            Assert.AreEqual(option, e.ParamName);
            Assert.Contains(text, e.Message);
        }
        Check(new() { StartLearningRate = 0 }, "StartLearningRate", "Option 'StartLearningRate' must be a finite number > 0; received 0.");
        Check(new() { StartLearningRate = double.NaN }, "StartLearningRate", "received NaN");
        Check(new() { EndLearningRate = double.PositiveInfinity }, "EndLearningRate", "Option 'EndLearningRate' must be a finite number > 0; received Infinity.");
        Check(new() { StartLearningRate = 1e-2, EndLearningRate = 1e-3 }, "EndLearningRate",
            "Option 'EndLearningRate' must be greater than StartLearningRate (0.01): the rate grows from start to end; received 0.001.");
        Check(new() { Steps = 2 }, "Steps", "Option 'Steps' must be an integer in [3, 1000000]; received 2.");
        Check(new() { Smoothing = 1 }, "Smoothing", "Option 'Smoothing' must be in [0, 1); received 1.");
        Check(new() { DivergenceThreshold = 1 }, "DivergenceThreshold", "Option 'DivergenceThreshold' must be a finite number > 1; received 1.");

        var badTrainer = Options();
        badTrainer.BatchSize = 0;
        var trainerError = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.FindLearningRate(data, badTrainer));
        Assert.Contains("Option 'BatchSize' must be an integer >= 1; received 0.", trainerError.Message);

        var missing = Options();
        missing.FeatureColumnName = "Pixels";
        var columnError = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.FindLearningRate(data, missing));
        Assert.Contains("The feature column 'Pixels'", columnError.Message);

        var raw = TestData.Load(ml, "digits");
        var notKey = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.FindLearningRate(raw, Options()));
        Assert.Contains("MapValueToKey", notKey.Message);

        Assert.ThrowsExactly<ArgumentNullException>(() => ml.MulticlassClassification.Trainers.FindLearningRate(null!, Options()));
        Assert.ThrowsExactly<ArgumentNullException>(() => ml.MulticlassClassification.Trainers.FindLearningRate(data, (TorchMlpMulticlassOptions)null!));
    }

    [TestMethod]
    public void CancelExecutionStopsTheRun()
    {
        var ml = new MLContext(seed: 1);
        MLNetInternals.MLNetHost.CancelExecution(ml);
        var e = Assert.ThrowsExactly<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.FindLearningRate(Digits(), Options()));
        Assert.Contains("CancelExecution", e.Message);

        var options = Options();
        options.CancellationToken = new CancellationToken(canceled: true);
        var byToken = Assert.ThrowsExactly<OperationCanceledException>(() => new MLContext(seed: 1).MulticlassClassification.Trainers.FindLearningRate(Digits(), options));
        Assert.Contains("TorchTrainerOptions.CancellationToken", byToken.Message);
    }

    [TestMethod]
    public void EngineLevelRun_TokenCancels_AndDivergenceAtOnceIsExplained()
    {
        var rows = 64;
        var random = new Random(5);
        var features = Enumerable.Range(0, rows * 4).Select(_ => (float)random.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, rows).Select(i => (float)(i % 2)).ToArray();
        var source = new InMemoryBatchSource(features, labels, 4);
        var settings = new EngineSettings(TrainingTask.MulticlassClassification, NetworkSpec.Mlp([8], Activation.Relu, 0).Resolve(4, 2),
            new OptimizerSettings(OptimizerKind.Sgd, Momentum: 0), new ConstantSchedule(), 0.1, 1, 16, ScheduleStepUnit.Step, 1, null, false, ComputeDevice.Cpu);

        using var canceled = new CancellationTokenSource();
        canceled.Cancel();
        Assert.ThrowsExactly<OperationCanceledException>(() => LrRangeTest.Run(settings, source, null, canceled.Token));

        // 20 steps over 4 batches per epoch: 5 epochs, exactly 20 points.
        var completed = LrRangeTest.Run(settings, source, new LrRangeTestOptions { StartLearningRate = 1e-4, EndLearningRate = 1e-2, Steps = 20 });
        Assert.HasCount(20, completed.LearningRates);
        Assert.AreEqual(LrRangeTestStopReason.Completed, completed.StopReason);

        var e = Assert.ThrowsExactly<InvalidOperationException>(() =>
            LrRangeTest.Run(settings, source, new LrRangeTestOptions { StartLearningRate = 1e30, EndLearningRate = 1e35, Steps = 10 }));
        Assert.Contains("lower StartLearningRate", e.Message);
    }

    [TestMethod]
    public void SmoothingAndSuggestions_HandComputed()
    {
        // β = 0.5: avg₁ = 0.5·4 = 2 → 2 / 0.5 = 4; avg₂ = 0.5·2 + 0.5·2 = 2 → 2 / 0.75.
        CollectionAssert.AreEqual(new[] { 4.0, 2 / 0.75 }, LrRangeTestResult.Smooth([4, 2], 0.5));
        CollectionAssert.AreEqual(new[] { 3.0, 1, 2 }, LrRangeTestResult.Smooth([3, 1, 2], 0), "β = 0: no smoothing");

        double[] curve = [5, 4.9, 4.5, 3, 2, 1.8, 1.7, 3, 9];
        // Central differences: i=2 → (3−4.9)/2 = −0.95, i=3 → (2−4.5)/2 = −1.25 (steepest), i=4 → (1.8−3)/2 = −0.6.
        Assert.AreEqual(3, LrRangeTestResult.SteepestDescent(curve, end: 6, skip: 0));
        Assert.AreEqual(4, LrRangeTestResult.SteepestDescent(curve, end: 6, skip: 4), "skips the start");
        Assert.AreEqual(0, LrRangeTestResult.SteepestDescent([1, 2, 3], end: 0, skip: 1), "a loss that only rises suggests the start");

        var options = new LrRangeTestOptions { StartLearningRate = 1e-3, EndLearningRate = 1e5, Steps = 9, Smoothing = 0 };
        var rates = Enumerable.Range(0, 9).Select(i => 1e-3 * Math.Pow(10, i)).ToArray();
        var result = LrRangeTestResult.Analyze(options, rates, curve, LrRangeTestStopReason.Completed, null);
        Assert.AreEqual(1.0, result.SuggestedLearningRate, 1e-12);
        Assert.AreEqual(1e3, result.LearningRateAtMinLoss, 1e-9);
        Assert.AreEqual(1e2, result.MinLossLearningRate, 1e-10);
        StringAssert.Contains(result.ToString(), "Suggested learning rate 1 (steepest descent); min loss / 10: 100");
    }
}
