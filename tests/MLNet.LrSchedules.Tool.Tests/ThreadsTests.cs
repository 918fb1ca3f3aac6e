using System.Text.Json;

namespace MLNet.LrSchedules.Tool.Tests;

[TestClass]
public sealed class ThreadsTests
{
    [TestMethod]
    public void Train_Threads_IsUsedAndSavedWithTheRun()
    {
        string dir = LrSched.TempDir();
        string model = Path.Combine(dir, "wine.zip");
        var r = LrSched.Run("train", "--data", LrSched.Data("wine.csv"), "--epochs", "1", "--hidden", "8", "--threads", "2", "-o", model, "--plot", Path.Combine(dir, "wine.png"));
        Assert.AreEqual(0, r.Exit, r.Err);
        StringAssert.Contains(r.Out, "on 2 CPU threads");

        var inspect = LrSched.Run("inspect", model, "--json");
        Assert.AreEqual(0, inspect.Exit, inspect.Err);
        using var doc = JsonDocument.Parse(inspect.Out);
        Assert.AreEqual(2, doc.RootElement.GetProperty("training").GetProperty("number_of_threads").GetInt32());
        StringAssert.Contains(LrSched.Run("inspect", model).Out, "2 CPU threads");
    }

    [TestMethod]
    public void Train_Threads_OutOfRange_IsOneLineError()
    {
        string dir = LrSched.TempDir();
        var r = LrSched.Run("train", "--data", LrSched.Data("wine.csv"), "--threads", "0", "-o", Path.Combine(dir, "m.zip"), "--plot", Path.Combine(dir, "m.png"));
        LrSched.AssertError(r, "--threads: received 0 (expected an integer >= 1)");
    }

    /// <summary>
    /// libgomp reads its spin count once, when libtorch loads it: only a real process shows what it got. OMP_DISPLAY_ENV=verbose
    /// makes libgomp print its settings to stderr as it loads.
    /// </summary>
    [TestMethod]
    public void Process_OpenMpWaitsBriefly_UnlessTheUserChose()
    {
        string dir = LrSched.TempDir();
        string[] args = ["train", "--data", LrSched.Data("wine.csv"), "--epochs", "1", "--hidden", "4", "--threads", "2", "-o", Path.Combine(dir, "m.zip"), "--plot", Path.Combine(dir, "m.png")];
        var ours = new Dictionary<string, string?> { ["OMP_DISPLAY_ENV"] = "verbose", ["GOMP_SPINCOUNT"] = null, ["OMP_WAIT_POLICY"] = null, ["KMP_BLOCKTIME"] = null };
        using (var child = LrSchedProcess.StartWith(ours, args))
        {
            Assert.AreEqual(0, child.WaitForExit(), child.Err);
            StringAssert.Contains(child.Err, "GOMP_SPINCOUNT = '1000'");
        }

        var users = new Dictionary<string, string?>(ours) { ["GOMP_SPINCOUNT"] = "7" };
        using (var child = LrSchedProcess.StartWith(users, [.. args[..^4], "-o", Path.Combine(dir, "u.zip"), "--plot", Path.Combine(dir, "u.png")]))
        {
            Assert.AreEqual(0, child.WaitForExit(), child.Err);
            StringAssert.Contains(child.Err, "GOMP_SPINCOUNT = '7'");
        }
    }
}
