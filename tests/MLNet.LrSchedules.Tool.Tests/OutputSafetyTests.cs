using System.Diagnostics;

namespace MLNet.LrSchedules.Tool.Tests;

/// <summary>
/// Issue 8, item 4: every output is checked (a file, in a folder that exists or can be created, distinct from the other
/// outputs and from every input after resolving symbolic links) before any work, written atomically, and locked against a
/// second writer; a failing command leaves earlier files as they were.
/// </summary>
[TestClass]
public sealed class OutputSafetyTests
{
    private static string[] Train(string data, string model, string plot, params string[] more) =>
        ["train", "--data", data, "--epochs", "1", "--hidden", "8", "-o", model, "--plot", plot, .. more];

    [TestMethod]
    public void OutputEqualToTheData_IsRefused_AndTheDataIsUntouched()
    {
        string dir = LrSched.TempDir();
        string data = Path.Combine(dir, "wine.csv");
        File.Copy(LrSched.Data("wine.csv"), data);
        byte[] before = File.ReadAllBytes(data);
        LrSched.AssertError(LrSched.Run(Train(data, data, Path.Combine(dir, "p.png"))), "wine.csv: --output would overwrite the input --data (expected an output distinct from every input)");
        LrSched.AssertError(LrSched.Run(Train(data, Path.Combine(dir, "sub", "..", "wine.csv"), Path.Combine(dir, "p.png"))), "would overwrite the input --data");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(data));
        CollectionAssert.AreEqual(new[] { "wine.csv" }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).ToArray(), "nothing written, no lock left");
    }

    [TestMethod]
    [OSCondition(OperatingSystems.Linux | OperatingSystems.OSX)]
    public void OutputReachedThroughASymbolicLink_IsTheSameFile()
    {
        string dir = LrSched.TempDir();
        string data = Path.Combine(dir, "wine.csv");
        File.Copy(LrSched.Data("wine.csv"), data);
        File.CreateSymbolicLink(Path.Combine(dir, "link.csv"), data);
        Directory.CreateSymbolicLink(Path.Combine(dir, "alias"), dir);
        LrSched.AssertError(LrSched.Run(Train(Path.Combine(dir, "link.csv"), data, Path.Combine(dir, "p.png"))), "would overwrite the input --data");
        LrSched.AssertError(LrSched.Run(Train(data, Path.Combine(dir, "alias", "wine.csv"), Path.Combine(dir, "p.png"))), "would overwrite the input --data");
        LrSched.AssertError(LrSched.Run(Train(data, Path.Combine(dir, "m.zip"), Path.Combine(dir, "alias", "m.zip"))), "not a .png or .svg file name");
        LrSched.AssertError(LrSched.Run(Train(data, Path.Combine(dir, "m.png"), Path.Combine(dir, "alias", "m.png"))), "named by both --output and --plot (expected distinct output files)");
    }

    [TestMethod]
    public void BadPlotPath_FailsBeforeTraining_AndLeavesTheOldModel()
    {
        string dir = LrSched.TempDir();
        string model = Path.Combine(dir, "m.zip");
        var first = LrSched.Run(Train(LrSched.Data("wine.csv"), model, Path.Combine(dir, "new", "sub", "m.png")));
        Assert.AreEqual(0, first.Exit, first.Err);
        LrSched.AssertPng(Path.Combine(dir, "new", "sub", "m.png"));
        byte[] before = File.ReadAllBytes(model);

        Directory.CreateDirectory(Path.Combine(dir, "folder.png"));
        File.WriteAllText(Path.Combine(dir, "file"), "not a folder");
        var folder = LrSched.Run(Train(LrSched.Data("wine.csv"), model, Path.Combine(dir, "folder.png")));
        LrSched.AssertError(folder, "folder.png: is a folder (expected --plot to name a file)");
        Assert.DoesNotContain("epoch", folder.Out, "refused before training");
        LrSched.AssertError(LrSched.Run(Train(LrSched.Data("wine.csv"), model, Path.Combine(dir, "file", "m.png"))), "is a file, not a folder");
        LrSched.AssertError(LrSched.Run(Train(LrSched.Data("wine.csv"), model, Path.Combine(dir, "m.txt"))), "m.txt: not a .png or .svg file name");
        // A run that fails after training started (divergence) leaves the model too.
        LrSched.AssertError(LrSched.Run(Train(LrSched.Data("diabetes.csv"), model, Path.Combine(dir, "d.png"), "--optimizer", "sgd", "--lr", "10")), "diverged");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(model));
        Assert.IsEmpty(Directory.GetFiles(dir, ".*"), "no temporary or lock file is left behind");
    }

    [TestMethod]
    [OSCondition(OperatingSystems.Linux | OperatingSystems.OSX)]
    public void InspectPlot_OverTheModelItself_IsRefused()
    {
        string dir = LrSched.TempDir();
        string model = Path.Combine(dir, "m.zip");
        Assert.AreEqual(0, LrSched.Run(Train(LrSched.Data("wine.csv"), model, Path.Combine(dir, "m.png"))).Exit);
        File.CreateSymbolicLink(Path.Combine(dir, "history.png"), model);
        byte[] before = File.ReadAllBytes(model);
        LrSched.AssertError(LrSched.Run("inspect", model, "--plot", Path.Combine(dir, "history.png")), "--plot would overwrite the input model");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(model));
    }

    [TestMethod]
    [OSCondition(OperatingSystems.Linux)]
    public void TwoWritersOfOneOutput_TheSecondFailsAtOnce_AndAKilledHolderReleasesTheLock()
    {
        string dir = LrSched.TempDir();
        string model = Path.Combine(dir, "run.zip"), plot = Path.Combine(dir, "run.png");
        using (var first = LrSchedProcess.Start("step:2", Train(LrSched.Data("wine.csv"), model, plot)))
        {
            first.WaitForPause();
            var clock = Stopwatch.StartNew();
            var second = LrSched.Run(Train(LrSched.Data("wine.csv"), model, Path.Combine(dir, "other.png")));
            clock.Stop();
            LrSched.AssertError(second, "run.zip: another lrsched process is writing it");
            Assert.IsLessThan(10.0, clock.Elapsed.TotalSeconds, "fails at once, without waiting for the holder");
            LrSched.AssertError(LrSched.Run(Train(LrSched.Data("wine.csv"), Path.Combine(dir, "other.zip"), plot)), "run.png: another lrsched process is writing it");
            Assert.IsFalse(File.Exists(model), "neither wrote the model");
            first.Kill();
        }
        var after = LrSched.Run(Train(LrSched.Data("wine.csv"), model, plot));
        Assert.AreEqual(0, after.Exit, after.Err);
        Assert.IsEmpty(Directory.GetFiles(dir, ".*"), "the stale lock files of the killed process are gone too");
    }

    [TestMethod]
    public void ScheduleCommands_WriteAtomically_AndNeverOverTheirInput()
    {
        string dir = LrSched.TempDir();
        string schedule = Path.Combine(dir, "s.json");
        File.WriteAllText(schedule, """{"type":"cosine","t_max":100}""");
        LrSched.AssertError(LrSched.Run("plot", schedule, "-o", Path.Combine(dir, "s.txt")), "not a .png or .svg file name");
        var r = LrSched.Run("plot", schedule, "-o", Path.Combine(dir, "out", "s.svg"));
        Assert.AreEqual(0, r.Exit, r.Err);
        StringAssert.StartsWith(File.ReadAllText(Path.Combine(dir, "out", "s.svg")).TrimStart(), "<");
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(dir, "out"), ".*"));
    }
}
