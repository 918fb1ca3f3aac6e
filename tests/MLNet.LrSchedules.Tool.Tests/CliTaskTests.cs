using MLNet.LrSchedules.Tool.Commands;
using MLNet.LrSchedules.Tool.Training;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Tool.Tests;

[TestClass]
public sealed class CliTaskTests
{
    [TestMethod]
    [DataRow("multiclass", TrainingTask.MulticlassClassification)]
    [DataRow("MulticlassClassification", TrainingTask.MulticlassClassification)]
    [DataRow("Binary", TrainingTask.BinaryClassification)]
    [DataRow("binaryclassification", TrainingTask.BinaryClassification)]
    [DataRow("regression", TrainingTask.Regression)]
    public void Parse_ShortOrEnumName_AnyCase(string text, TrainingTask expected) =>
        Assert.AreEqual(expected, CliTask.Parse(text, "--task").Task);

    [TestMethod]
    public void Parse_Unknown_NamesTheOptionAndTheTasks()
    {
        var e = Assert.ThrowsExactly<CommandException>(() => CliTask.Parse("ranking", "--task"));
        Assert.AreEqual("--task: received 'ranking' (expected multiclass, binary or regression)", e.Message);
    }

    [TestMethod]
    public void For_EveryTask_RoundTrips()
    {
        foreach (var task in Enum.GetValues<TrainingTask>())
            Assert.AreEqual(task, CliTask.For(task).Task);
        CollectionAssert.AreEquivalent(Enum.GetValues<TrainingTask>(), CliTask.All.Select(t => t.Task).ToArray(), "every task is registered once");
    }

    [TestMethod]
    [DataRow(new[] { "yes", "no", "yes" }, TrainingTask.BinaryClassification)]
    [DataRow(new[] { "1", "0", "1", "0", "1" }, TrainingTask.BinaryClassification)]
    [DataRow(new[] { "cat", "dog", "cat" }, TrainingTask.MulticlassClassification)]
    [DataRow(new[] { "1", "2", "3", "1", "2", "3", "1", "2", "3", "1", "2", "3", "1", "2", "3" }, TrainingTask.MulticlassClassification)]
    [DataRow(new[] { "1.5", "2.25", "3", "4", "5" }, TrainingTask.Regression)]
    public void Infer_FirstTaskThatClaimsTheLabels(string[] labels, TrainingTask expected) =>
        Assert.AreEqual(expected, CliTask.Infer(labels).Task);

    [TestMethod]
    public void MetricNames_AreTheEngines()
    {
        Assert.AreEqual("accuracy", CliTask.For(TrainingTask.MulticlassClassification).MetricName);
        Assert.AreEqual("RMSE", CliTask.For(TrainingTask.Regression).MetricName);
        Assert.IsFalse(CliTask.For(TrainingTask.Regression).HigherIsBetter);
        Assert.IsTrue(CliTask.For(TrainingTask.BinaryClassification).HigherIsBetter);
    }
}
