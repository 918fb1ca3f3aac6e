using Microsoft.ML;
using MLNet.LrSchedules.Tool.Training;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Tool.Tests;

[TestClass]
public sealed class TabularDataTests
{
    [TestMethod]
    [DataRow("wine.csv", TrainingTask.MulticlassClassification)]
    [DataRow("breast_cancer.csv", TrainingTask.BinaryClassification)]
    [DataRow("diabetes.csv", TrainingTask.Regression)]
    public void InferTask(string file, TrainingTask expected) =>
        Assert.AreEqual(expected, TabularData.Load(LrSched.Data(file), new DataReadOptions("label")).InferTask().Task);

    [TestMethod]
    public void Load_QuotedFields_MissingValues_TextColumns()
    {
        string path = Path.Combine(LrSched.TempDir(), "t.tsv");
        File.WriteAllLines(path, ["a\tname\ty", "1\t\"x, y\"\tyes", "\t\"z\"\tno", "3\tw\tyes"]);
        var data = TabularData.Load(path, new DataReadOptions("y", IgnoreColumns: ["name"]));
        Assert.AreEqual(TrainingTask.BinaryClassification, data.InferTask().Task);
        CollectionAssert.AreEqual(new[] { "a" }, data.FeatureNames);
        Assert.AreEqual(2f, data.Features[1][0], "the missing value is the column mean");
        CollectionAssert.AreEqual(new[] { 2, 3, 4 }, data.Lines, "1-based line numbers of the rows");
        Assert.HasCount(2, data.Notes);
        var dropped = TabularData.Load(path, new DataReadOptions("y", InvalidCells: InvalidCells.DropColumn));
        CollectionAssert.AreEqual(new[] { "a" }, dropped.FeatureNames);
        Assert.IsTrue(dropped.Notes.Any(n => n.Contains("column 'name' left out of the features: line 2 holds 'x, y'")), string.Join(" | ", dropped.Notes));
    }

    [TestMethod]
    public void SplitLine_Quotes() =>
        CollectionAssert.AreEqual(new[] { "a", "b,c", "d\"e" }, TabularData.SplitLine("a,\"b,c\",\"d\"\"e\"", ','));

    [TestMethod]
    public void Separator_FromExtensionOrHeader()
    {
        Assert.AreEqual('\t', TabularData.InferSeparator("x.tsv", "a,b"));
        Assert.AreEqual(',', TabularData.InferSeparator("x.csv", "a,b"));
        Assert.AreEqual(';', TabularData.InferSeparator("x.txt", "a;b;c"));
    }

    [TestMethod]
    public void MacroF1_FromConfusionMatrix()
    {
        var ml = new MLContext(1);
        // Labels 0,0,1,1,2 predicted 0,1,1,1,2: F1 = 2/3, 4/5, 1.
        var rows = new[] { (0u, 0u), (0u, 1u), (1u, 1u), (1u, 1u), (2u, 2u) }
            .Select(p => new Scored { Label = p.Item1, PredictedLabel = p.Item2, Score = Enumerable.Range(0, 3).Select(i => i == (int)p.Item2 ? 0.8f : 0.1f).ToArray() });
        var schema = Microsoft.ML.Data.SchemaDefinition.Create(typeof(Scored));
        var key = new Microsoft.ML.Data.KeyDataViewType(typeof(uint), 3);
        schema["Label"].ColumnType = key;
        schema["PredictedLabel"].ColumnType = key;
        schema["Score"].ColumnType = new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single, 3);
        var metrics = ml.MulticlassClassification.Evaluate(ml.Data.LoadFromEnumerable(rows, schema));
        Assert.AreEqual((2.0 / 3 + 0.8 + 1) / 3, TrainingRun.MacroF1(metrics.ConfusionMatrix), 1e-12, string.Join(" | ", metrics.ConfusionMatrix.Counts.Select(r => string.Join(",", r))));
    }

    public sealed class Scored
    {
        public uint Label { get; set; }
        public uint PredictedLabel { get; set; }
        public float[] Score { get; set; } = [];
    }
}

[TestClass]
public sealed class CompareDefaultsTests
{
    [TestMethod]
    public void DefaultSchedules_AreTheFiveFamilies()
    {
        var schedules = MLNet.LrSchedules.Tool.Commands.TrainCommands.DefaultSchedules(2e-3, 300);
        CollectionAssert.AreEqual(new[] { "constant()", "step(step_size=100, gamma=0.1)", "cosine(min=1e-5)", "one_cycle(max_lr=0.002)", "hf_warmup_stable_decay(num_warmup_steps=5%, num_decay_steps=20%)" },
            schedules.Select(s => s.Name).ToArray());
        var rate = new LrScheduler(schedules[1].Schedule.Resolve(300), 1.0);
        for (int i = 0; i < 100; i++) rate.Advance();
        Assert.AreEqual(0.1, rate.LearningRate, 1e-12);
    }
}
