using System.IO.Compression;
using System.Text.Json;

namespace MLNet.LrSchedules.Tool.Tests;

/// <summary>
/// Issue 8, item 1: lrsched killed (SIGKILL) or stopped (SIGTERM) at chosen moments of <c>train -o run.zip</c> — mid-epoch,
/// during a checkpoint write, during the final save — and then <c>lrsched retrain run.zip --continue</c> ends with the
/// uninterrupted run's weights and test metrics, bit for bit, and no hidden file left. Real child processes.
/// </summary>
[TestClass]
[OSCondition(OperatingSystems.Linux)]
public sealed class CrashRecoveryTests
{
    private static string _referenceDir = "";
    private static (int Exit, string Out, string Err) _reference;

    /// <summary>wine.csv: 128 training rows in batches of 32, so 4 steps per epoch, 16 in all.</summary>
    private static string[] TrainArgs(string dir) =>
        ["train", "--data", LrSched.Data("wine.csv"), "--epochs", "4", "--hidden", "8", "--checkpoint-interval", "0", "-o", Path.Combine(dir, "run.zip"), "--plot", Path.Combine(dir, "run.png")];

    [ClassInitialize]
    public static void TrainUninterrupted(TestContext _)
    {
        _referenceDir = LrSched.TempDir();
        _reference = LrSched.Run(TrainArgs(_referenceDir));
        Assert.AreEqual(0, _reference.Exit, _reference.Err);
    }

    [TestMethod]
    public void SigkillMidEpoch_ContinueResumesFromTheCheckpoint_AsTheUninterruptedRun()
    {
        string dir = LrSched.TempDir();
        using (var child = LrSchedProcess.Start("step:10", TrainArgs(dir)))
        {
            child.WaitForPause();
            child.Kill();
        }
        Assert.IsFalse(File.Exists(Path.Combine(dir, "run.zip")));
        Assert.AreEqual(2, EpochsCompleted(Checkpoint(dir)), "the checkpoint of epoch 2, a whole pipeline");

        // A new run into the same file would destroy the only copy of that progress.
        var again = LrSched.Run(TrainArgs(dir));
        LrSched.AssertError(again, "an interrupted run left its checkpoint");
        StringAssert.Contains(again.Err, "epoch 2 of 4");

        var resumed = LrSched.Run("retrain", Path.Combine(dir, "run.zip"), "--continue");
        Assert.AreEqual(0, resumed.Exit, resumed.Err);
        StringAssert.Contains(resumed.Out, $"Continuing the run in {Checkpoint(dir)}: epoch 3 of 4");
        AssertSameAsUninterrupted(dir, resumed.Out);
    }

    [TestMethod]
    public void Sigterm_SavesAResumableModel_AndAKillDuringTheContinuedRunResumesFromItsNewerCheckpoint()
    {
        string dir = LrSched.TempDir();
        string model = Path.Combine(dir, "run.zip");
        using (var child = LrSchedProcess.Start("step:10", TrainArgs(dir)))
        {
            child.WaitForPause();
            child.Signal(LrSchedProcess.SIGTERM);
            Assert.AreEqual(0, child.WaitForExit(), child.Err);
            StringAssert.Contains(child.Out, "Stopped after epoch 2 of 4");
            StringAssert.Contains(child.Err, "Interrupted (SIGTERM)");
        }
        Assert.AreEqual(2, EpochsCompleted(model));
        CollectionAssert.AreEqual(Array.Empty<string>(), HiddenFiles(dir), "SIGTERM: the checkpoint became the model");

        // The continued run is killed in epoch 4: its checkpoint (epoch 3) is newer than run.zip (epoch 2).
        using (var child = LrSchedProcess.Start("step:14", "retrain", model, "--continue", "--checkpoint-interval", "0"))
        {
            child.WaitForPause();
            child.Kill();
        }
        Assert.AreEqual(2, EpochsCompleted(model));
        Assert.AreEqual(3, EpochsCompleted(Checkpoint(dir)));

        var resumed = LrSched.Run("retrain", model, "--continue");
        Assert.AreEqual(0, resumed.Exit, resumed.Err);
        StringAssert.Contains(resumed.Out, $"Continuing the run in {Checkpoint(dir)}: epoch 4 of 4");
        AssertSameAsUninterrupted(dir, resumed.Out);
    }

    [TestMethod]
    public void SigkillDuringACheckpointWrite_LeavesThePreviousCheckpoint_ContinueCleansUp()
    {
        string dir = LrSched.TempDir();
        string checkpoint = Checkpoint(dir);
        string caught;
        using (var child = LrSchedProcess.Start(null, TrainArgs(dir)))
        {
            caught = KillWhileWriting(child, dir, $".{Path.GetFileName(checkpoint)}.*.tmp", () => File.Exists(checkpoint));
        }
        Assert.IsTrue(File.Exists(caught), "the half-written temporary file is what a kill mid-write leaves");
        int epochs = EpochsCompleted(checkpoint);
        Assert.IsTrue(epochs is >= 1 and < 4, $"the previous checkpoint is intact: epoch {epochs}");
        Assert.IsFalse(File.Exists(Path.Combine(dir, "run.zip")));

        var resumed = LrSched.Run("retrain", Path.Combine(dir, "run.zip"), "--continue");
        Assert.AreEqual(0, resumed.Exit, resumed.Err);
        StringAssert.Contains(resumed.Out, $"epoch {epochs + 1} of 4");
        AssertSameAsUninterrupted(dir, resumed.Out);
    }

    [TestMethod]
    public void SigkillDuringTheFinalSave_BeforeTheRename_ContinueFinishesFromTheLastCheckpoint()
    {
        string dir = LrSched.TempDir();
        string caught;
        using (var child = LrSchedProcess.Start(null, TrainArgs(dir)))
        {
            caught = KillWhileWriting(child, dir, ".run.zip.*.tmp", () => true);
        }
        Assert.IsTrue(File.Exists(caught), "the half-saved model");
        Assert.IsFalse(File.Exists(Path.Combine(dir, "run.zip")));
        Assert.AreEqual(4, EpochsCompleted(Checkpoint(dir)), "the checkpoint is removed only after the model is in place");

        var finished = LrSched.Run("retrain", Path.Combine(dir, "run.zip"), "--continue");
        Assert.AreEqual(0, finished.Exit, finished.Err);
        StringAssert.Contains(finished.Out, "Finishing the run saved in");
        AssertSameAsUninterrupted(dir, finished.Out);
    }

    [TestMethod]
    public void SigkillAfterTheFinalRename_ContinueOnlyRemovesTheLeftoverCheckpoint()
    {
        string dir = LrSched.TempDir();
        using (var child = LrSchedProcess.Start("after-rename:run.zip", TrainArgs(dir)))
        {
            child.WaitForPause();
            StringAssert.Contains(child.Out, "Test metrics");
            child.Kill();
        }
        Assert.AreEqual(4, EpochsCompleted(Path.Combine(dir, "run.zip")));
        Assert.IsTrue(File.Exists(Checkpoint(dir)));

        var done = LrSched.Run("retrain", Path.Combine(dir, "run.zip"), "--continue");
        Assert.AreEqual(0, done.Exit, done.Err);
        StringAssert.Contains(done.Out, "removed the checkpoint a killed save left behind");
        AssertSameAsUninterrupted(dir, metricsOutput: null);
    }

    /// <summary>
    /// Freezes the child (SIGSTOP) the moment a temporary file matching <paramref name="pattern"/> appears, and kills it
    /// if the file is still there (the write is in progress) and <paramref name="ready"/> holds; otherwise lets it go on
    /// to the next such write. Returns the temporary file the kill cut.
    /// </summary>
    private static string KillWhileWriting(LrSchedProcess child, string dir, string pattern, Func<bool> ready)
    {
        string? caught = null;
        using var watcher = new FileSystemWatcher(dir, pattern);
        watcher.Created += (_, e) =>
        {
            if (caught is not null) return;
            child.Signal(LrSchedProcess.SIGSTOP);
            if (File.Exists(e.FullPath) && ready()) caught = e.FullPath;
            else child.Signal(LrSchedProcess.SIGCONT);
        };
        watcher.EnableRaisingEvents = true;
        Assert.IsTrue(child.WaitFor(() => caught is not null, 120), $"no write of {pattern} was caught in progress.\nstdout: {child.Out}\nstderr: {child.Err}");
        child.Kill();
        return caught!;
    }

    private static string Checkpoint(string dir) => Path.Combine(dir, ".run.zip.checkpoint");

    private static int EpochsCompleted(string model)
    {
        var r = LrSched.Run("inspect", model, "--json");
        Assert.AreEqual(0, r.Exit, r.Err);
        return JsonDocument.Parse(r.Out).RootElement.GetProperty("training").GetProperty("epochs_completed").GetInt32();
    }

    /// <summary>Same network weights, optimizer state and scheduler state, byte for byte; the same test metrics; nothing hidden left in the folder.</summary>
    private static void AssertSameAsUninterrupted(string dir, string? metricsOutput)
    {
        var expected = NetworkEntries(Path.Combine(_referenceDir, "run.zip"));
        var actual = NetworkEntries(Path.Combine(dir, "run.zip"));
        foreach (var (name, bytes) in expected)
            CollectionAssert.AreEqual(bytes, actual[name], $"{name} differs from the uninterrupted run's");
        if (metricsOutput is not null) Assert.AreEqual(Metrics(_reference.Out), Metrics(metricsOutput));
        CollectionAssert.AreEqual(Array.Empty<string>(), HiddenFiles(dir), "no checkpoint, lock or temporary file survives");
        Assert.IsTrue(File.Exists(Path.Combine(dir, "run.png")));
    }

    private static Dictionary<string, byte[]> NetworkEntries(string model)
    {
        using var zip = ZipFile.OpenRead(model);
        return zip.Entries
            .Where(e => e.Name is "TorchMlp.weights.bin" or "TorchMlp.optimizer_state.bin" or "TorchMlp.scheduler_state.json")
            .ToDictionary(e => e.Name, e =>
            {
                using var stream = e.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            });
    }

    private static string Metrics(string output) => output[output.IndexOf("Test metrics", StringComparison.Ordinal)..output.IndexOf("Wrote", StringComparison.Ordinal)];

    private static string[] HiddenFiles(string dir) => Directory.GetFiles(dir, ".*").Select(Path.GetFileName).ToArray()!;
}
