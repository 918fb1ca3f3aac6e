using MLNet.LrSchedules.Tool.Training;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Tool.Tests;

/// <summary>Issue 8, item 6: bad data fails before training, naming the file, the line (1-based) and the column.</summary>
[TestClass]
public sealed class BadDataTests
{
    /// <summary>wine.csv with its lines edited: <paramref name="edit"/> gets the 0-based line index and the cells.</summary>
    private static string Wine(Func<int, string[], string[]> edit)
    {
        string path = Path.Combine(LrSched.TempDir(), "bad.csv");
        File.WriteAllLines(path, File.ReadAllLines(LrSched.Data("wine.csv")).Select((line, i) => string.Join(",", edit(i, line.Split(',')))));
        return path;
    }

    private static (int Exit, string Out, string Err) Train(string data, params string[] more) =>
        LrSched.Run(["train", "--data", data, "--epochs", "1", "-o", Path.Combine(Path.GetDirectoryName(data)!, "m.zip"), "--plot", Path.Combine(Path.GetDirectoryName(data)!, "m.png"), .. more]);

    [TestMethod]
    [DataRow("abc")]
    [DataRow("inf")]
    [DataRow("Infinity")]
    [DataRow("1e39")]
    [DataRow("1.2.3")]
    public void UnparsableOrNonFiniteCell_NamesFileLineAndColumn(string cell)
    {
        // Line 17 of the file (index 16), column 'ash' (index 2).
        string data = Wine((i, cells) => { if (i == 16) cells[2] = cell; return cells; });
        var r = Train(data);
        LrSched.AssertError(r, $"bad.csv: line 17, column 'ash': '{cell}' is not a finite number (expected a number, or empty, NA, NaN, null or ? for a missing value");
        Assert.DoesNotContain("epoch", r.Out, "nothing trained");
        Assert.IsFalse(File.Exists(Path.Combine(Path.GetDirectoryName(data)!, "m.zip")));
    }

    [TestMethod]
    public void InvalidCellsOption_SaysHowToHandleThem()
    {
        string data = Wine((i, cells) => { if (i == 16) cells[2] = "abc"; return cells; });
        var missing = TabularData.Load(data, new DataReadOptions("label", InvalidCells: InvalidCells.Missing));
        Assert.HasCount(13, missing.FeatureNames);
        Assert.IsTrue(missing.Notes.Any(n => n.Contains("column 'ash': 1 invalid (--invalid-cells missing) values filled with the column mean")), string.Join(" | ", missing.Notes));
        var dropped = TabularData.Load(data, new DataReadOptions("label", InvalidCells: InvalidCells.DropColumn));
        CollectionAssert.DoesNotContain(dropped.FeatureNames, "ash");
        var ignored = TabularData.Load(data, new DataReadOptions("label", IgnoreColumns: ["ash"]));
        Assert.HasCount(12, ignored.FeatureNames);
    }

    [TestMethod]
    public void SecondColumnNamedLikeTheLabel_IsRefused()
    {
        string data = Wine((i, cells) => { if (i == 0) cells[3] = "Label"; return cells; });
        LrSched.AssertError(Train(data), "bad.csv: line 1: columns 4 and 14 are both named 'label' (expected distinct column names)");
    }

    [TestMethod]
    public void LabelWithOneClass_IsRefusedBeforeTraining()
    {
        string data = Wine((i, cells) => { if (i > 0) cells[^1] = "1"; return cells; });
        var r = Train(data);
        LrSched.AssertError(r, "bad.csv: column 'label' holds one class, '1', in all 178 rows (expected at least two classes for BinaryClassification; a numeric target needs --task regression)");
        Assert.DoesNotContain("epoch", r.Out);
    }

    [TestMethod]
    public void TooFewRowsForTheSplit_NamesTheCounts()
    {
        string path = Path.Combine(LrSched.TempDir(), "tiny.csv");
        File.WriteAllLines(path, File.ReadAllLines(LrSched.Data("wine.csv")).Take(4));
        LrSched.AssertError(Train(path, "--task", "regression"), "tiny.csv: 3 rows are too few for --test-fraction 0.2 and --validation-fraction 0.1: 1 training rows (expected at least 2 training rows besides 1 test and 1 validation rows)");
        // A class the training rows never show cannot be learned: named with its line (the last row: the fixed tail is the test part).
        string rare = Path.Combine(LrSched.TempDir(), "rare.csv");
        File.WriteAllLines(rare, ["x,label", .. Enumerable.Range(0, 19).Select(i => $"{i},{(i % 2 == 0 ? "a" : "b")}"), "19,c"]);
        var data = TabularData.Load(rare, new DataReadOptions("label"));
        var e = Assert.ThrowsExactly<MLNet.LrSchedules.Tool.Commands.CommandException>(() => data.Split(0.2, 0.1, 1, fixedTail: true, CliTask.For(TrainingTask.MulticlassClassification)));
        StringAssert.Contains(e.Message, "rare.csv: line 21, column 'label': class 'c' has no row in the training split");
    }

    [TestMethod]
    public void BadLabelForTheTask_NamesLineAndColumn()
    {
        string data = Wine((i, cells) => { if (i == 9) cells[^1] = "x"; return cells; });
        LrSched.AssertError(Train(data, "--task", "regression"), "bad.csv: line 10, column 'label': 'x' is not a finite number (expected numbers for regression)");
        string missing = Wine((i, cells) => { if (i == 9) cells[^1] = ""; return cells; });
        LrSched.AssertError(Train(missing), "bad.csv: line 10, column 'label': no label ('') (expected a label in every row)");
        string ragged = Wine((i, cells) => i == 30 ? cells[..^1] : cells);
        LrSched.AssertError(Train(ragged), "bad.csv: line 31: 13 fields (expected 14, as in the header)");
    }

    [TestMethod]
    public void Split_HoldsOutTestThenValidation_Disjoint()
    {
        var data = TabularData.Load(LrSched.Data("wine.csv"), new DataReadOptions("label"));
        var split = data.Split(0.2, 0.1, seed: 1, fixedTail: false, CliTask.For(TrainingTask.MulticlassClassification));
        Assert.HasCount(36, split.Test);
        Assert.HasCount(14, split.Validation);
        Assert.HasCount(128, split.Train);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, data.Rows).ToArray(), split.Train.Concat(split.Validation).Concat(split.Test).ToArray(), "every row once");
        var again = data.Split(0.2, 0.25, seed: 1, fixedTail: false, CliTask.For(TrainingTask.MulticlassClassification));
        CollectionAssert.AreEqual(split.Test, again.Test, "the validation fraction never moves a test row");
    }
}
