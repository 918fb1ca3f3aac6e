using Microsoft.ML;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

/// <summary>
/// <c>Resume</c> keeps the saved run's settings: an assigned option that contradicts them is an error naming it with both
/// values, an unassigned one is taken from the run, and more epochs extend it. Fine-tuning keeps the network's shape
/// unless a new head is asked for.
/// </summary>
[TestClass]
public sealed class StrictRetrainingTests
{
    private static readonly Lazy<(IDataView Train, IDataView Validation)> Digits = new(() =>
    {
        var ml = new MLContext(1);
        var (train, validation) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var prep = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false)).Fit(train);
        return (ml.Data.Cache(prep.Transform(train)), ml.Data.Cache(prep.Transform(validation)));
    });

    private static TorchMlpMulticlassOptions Options() => new()
    {
        Epochs = 4,
        BatchSize = 128,
        LearningRate = 2e-3,
        HiddenLayers = [16],
        Schedule = LrSchedule.Parse("warmup(25%) >> cosine()"),
        Seed = 3,
    };

    /// <summary>The run of <see cref="Options"/> canceled in its third epoch: the model at the end of epoch 2.</summary>
    private static TorchNetworkTransformer HalfRun()
    {
        var canceled = Assert.ThrowsExactly<TorchNetworkCanceledException>(() =>
            new MLContext(1).MulticlassClassification.Trainers.TorchMlp(TestData.CanceledAtEpoch(Options(), 3)).Fit(Digits.Value.Train));
        return canceled.LastCompletedModel!;
    }

    [TestMethod]
    public void Resume_WithContradictingOptions_NamesEachOption_WithItsValueAndTheRuns()
    {
        var half = HalfRun();
        var contradicting = new TorchMlpMulticlassOptions
        {
            Epochs = 3,
            BatchSize = 32,
            LearningRate = 0.01,
            HiddenLayers = [8],
            Schedule = LrSchedule.Parse("cosine()"),
            Optimizer = OptimizerKind.Sgd,
            Momentum = 0.5,
            Seed = 4,
            StepScheduleEvery = ScheduleStepUnit.Epoch,
            ValidationSet = Digits.Value.Validation,
        };

        var error = Assert.ThrowsExactly<ArgumentException>(() => new MLContext(1).MulticlassClassification.Trainers.TorchMlp(contradicting).Resume(Digits.Value.Train, half));

        Assert.AreEqual("checkpoint", error.ParamName);
        foreach (var expected in new[]
        {
            "Epochs = 3 (the run has 4; a run can be extended with more epochs, not shortened)",
            "BatchSize = 32 (the run has 128)",
            "LearningRate = 0.01 (the run has 0.002)",
            "Schedule = cosine() (the run has warmup(steps=12) >> cosine(t_max=36), resolved against its 48 steps)",
            "Optimizer = Sgd (the run has AdamW)",
            "Momentum = 0.5 (the run has 0.9)",
            "Seed = 4 (the run has 3)",
            "StepScheduleEvery = Epoch (the run has Step)",
            "HiddenLayers, Activation, Dropout = linear(8) >> relu (the run's network is input(64) >> linear(16) >> relu >> linear(10))",
            "ValidationSet = a data view (the run had none)",
        })
            Assert.Contains(expected, error.Message);
    }

    [TestMethod]
    public void Resume_WithFreshOptions_OrTheOriginalOnes_ContinuesTheRunExactly()
    {
        var uninterrupted = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(Options()).Fit(Digits.Value.Train).Model;
        var half = HalfRun();
        // Nothing assigned: everything from the run. The original options: everything agrees.
        var fresh = new MLContext(99).MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions()).Resume(Digits.Value.Train, half).Model;
        var same = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(Options()).Resume(Digits.Value.Train, half).Model;

        ResumeMatrixTests.AssertSameRun(uninterrupted, fresh, "fresh options");
        ResumeMatrixTests.AssertSameRun(uninterrupted, same, "the original options");
    }

    [TestMethod]
    public void Resume_OfARunThatValidated_NeedsAValidationSet()
    {
        var options = Options();
        options.ValidationSet = Digits.Value.Validation;
        var half = Assert.ThrowsExactly<TorchNetworkCanceledException>(() =>
            new MLContext(1).MulticlassClassification.Trainers.TorchMlp(TestData.CanceledAtEpoch(options, 3)).Fit(Digits.Value.Train)).LastCompletedModel!;

        var error = Assert.ThrowsExactly<ArgumentException>(() => new MLContext(1).MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions()).Resume(Digits.Value.Train, half));
        Assert.Contains("ValidationSet = null (the run scored a validation set after every epoch: set the same one)", error.Message);
    }

    [TestMethod]
    public void Resume_WithMoreEpochs_ExtendsTheRun_AsAnUninterruptedRunOfItsResolvedSchedule()
    {
        var ml = new MLContext(1);
        var two = Options();
        two.Epochs = 2;
        var finished = ml.MulticlassClassification.Trainers.TorchMlp(two).Fit(Digits.Value.Train);
        Assert.AreEqual(TrainingStopReason.Completed, finished.Model.StopReason);

        var again = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.TorchMlp(two).Resume(Digits.Value.Train, finished));
        Assert.Contains("raise Epochs", again.Message);

        // "Exact" for an extension: the schedule stays as it was resolved for 2 epochs, and the extra steps take its values
        // past that length (here PyTorch's cosine annealing, which goes on as a cosine), so the extended run is the 4-epoch
        // run given that resolved schedule.
        var four = Options();
        four.Schedule = finished.Model.Schedule;
        var uninterrupted = ml.MulticlassClassification.Trainers.TorchMlp(four).Fit(Digits.Value.Train).Model;
        var extendOptions = new TorchMlpMulticlassOptions { Epochs = 4 };
        var extended = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(extendOptions).Resume(Digits.Value.Train, finished).Model;

        Assert.AreEqual(4, extended.Settings.Epochs);
        Assert.AreEqual(4, extended.EpochsCompleted);
        CollectionAssert.AreEqual(uninterrupted.Result.Weights, extended.Result.Weights);
        CollectionAssert.AreEqual(uninterrupted.History.Steps.ToArray(), extended.History.Steps.ToArray());
        Assert.AreEqual(LrScheduleText.Format(finished.Model.Schedule), LrScheduleText.Format(extended.Schedule), "the schedule as resolved for the original run");
    }

    [TestMethod]
    public void FineTune_WithOptionsForAnotherNetwork_IsRejected_NamingThem()
    {
        var model = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(Options()).Fit(Digits.Value.Train);
        var wider = new TorchMlpMulticlassOptions { HiddenLayers = [32], Epochs = 1 };
        var error = Assert.ThrowsExactly<ArgumentException>(() => new MLContext(1).MulticlassClassification.Trainers.TorchMlp(wider).Fit(Digits.Value.Train, model));
        Assert.Contains("its network's body is 'linear(16) >> relu'; the options (HiddenLayers, Activation, Dropout) describe 'linear(32) >> relu'", error.Message);

        // The same body, assigned explicitly, is accepted; left unassigned, the model's network is kept.
        var same = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions { HiddenLayers = [16], Epochs = 1 }).Fit(Digits.Value.Train, model);
        Assert.AreEqual(model.Model.Network, same.Model.Network);
    }

    [TestMethod]
    public void FineTune_OnAnotherClassCount_NeedsReplaceHead_ThenKeepsTheBodyAndLearnsTheNewClasses()
    {
        var ml = new MLContext(1);
        var model = ml.MulticlassClassification.Trainers.TorchMlp(Options()).Fit(Digits.Value.Train);
        // Three digits only, normalized as the model's data was: a label key of 3 classes.
        var (raw, rawValidation) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var three = ml.Data.FilterRowsByColumn(raw, "Label", 0, 3);
        var normalize = ml.Transforms.NormalizeMeanVariance("Features", fixZero: false).Fit(raw);
        var key = ml.Transforms.Conversion.MapValueToKey("Label").Fit(three);
        var train = ml.Data.Cache(key.Transform(normalize.Transform(three)));
        var validation = key.Transform(normalize.Transform(ml.Data.FilterRowsByColumn(rawValidation, "Label", 0, 3)));

        var options = new TorchMlpMulticlassOptions { Epochs = 3, LearningRate = 3e-3, BatchSize = 32, Seed = 2 };
        var error = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.TorchMlp(options).Fit(train, model));
        Assert.Contains("its head gives 10 outputs; the data's 'Label' column needs 3. Set ReplaceHead = true", error.Message);

        options.ReplaceHead = true;
        var tuned = ml.MulticlassClassification.Trainers.TorchMlp(options).Fit(train, model);
        Assert.AreEqual("input(64) >> linear(16) >> relu >> linear(3)", tuned.Model.Network.ToString());
        double accuracy = ml.MulticlassClassification.Evaluate(tuned.Transform(validation)).MicroAccuracy;
        Assert.IsGreaterThan(0.9, accuracy, $"three digits through the trained body, accuracy {accuracy}");
    }

    [TestMethod]
    public void WithNewHead_KeepsEveryBodyWeight_AndInitializesTheHeadAsANewNetworkOfTheSeed()
    {
        var model = new MLContext(1).MulticlassClassification.Trainers.TorchMlp(Options()).Fit(Digits.Value.Train).Model;
        var network = SavedRun.Body(model.Network).Resolve(64, 3);

        byte[] merged = SequentialNetwork.WithNewHead(network, model.Result.Weights, seed: 2);

        using var result = new SequentialNetwork(network, 0);
        result.LoadWeights(merged);
        using var trained = new SequentialNetwork(model.Network, 0);
        trained.LoadWeights(model.Result.Weights);
        using var fresh = new SequentialNetwork(network, 2);
        var got = result.state_dict();
        CollectionAssert.AreEqual(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }, got.Keys.ToArray());
        foreach (var name in new[] { "0.weight", "0.bias" })
            CollectionAssert.AreEqual(Values(trained.state_dict()[name]), Values(got[name]), $"{name}: the trained body's");
        foreach (var name in new[] { "2.weight", "2.bias" })
            CollectionAssert.AreEqual(Values(fresh.state_dict()[name]), Values(got[name]), $"{name}: a new network's of seed 2");
        Assert.AreEqual(3, got["2.bias"].shape[0]);
    }

    private static float[] Values(TorchSharp.torch.Tensor tensor) => tensor.data<float>().ToArray();
}
