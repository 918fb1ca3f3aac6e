using System.IO.Compression;

namespace MLNet.LrSchedules.Tool.Tests;

/// <summary>Issue 8, item 9: every failure is one line, <c>error: &lt;file or option&gt;: &lt;what is wrong&gt; (&lt;what was expected&gt;)</c>, exit code 1, no stack trace unless LRSCHED_DEBUG=1.</summary>
[TestClass]
public sealed class ErrorMessageTests
{
    private static string _model = "";

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        string dir = LrSched.TempDir();
        _model = Path.Combine(dir, "m.zip");
        var r = LrSched.Run("train", "--data", LrSched.Data("wine.csv"), "--epochs", "2", "--hidden", "8", "--stop-after-epochs", "1", "-o", _model, "--plot", Path.Combine(dir, "m.png"));
        Assert.AreEqual(0, r.Exit, r.Err);
    }

    /// <summary>Exactly one line on stderr.</summary>
    private static void AssertOneLine((int Exit, string Out, string Err) r, string expected)
    {
        LrSched.AssertError(r, expected);
        Assert.HasCount(1, r.Err.TrimEnd('\n').Split('\n'), r.Err);
        Assert.DoesNotContain("Actual value was", r.Err);
        Assert.DoesNotContain("Exception", r.Err);
    }

    [TestMethod]
    public void CommandLineThatDoesNotParse_IsOneLine_NotTheHelp()
    {
        AssertOneLine(LrSched.Run("train", "--epochs", "abc"), "error: --epochs: received 'abc' (expected an integer; see 'lrsched train --help')");
        AssertOneLine(LrSched.Run("find-lr", "--optimizer", "bogus"), "--optimizer: received 'bogus' (expected one of Sgd, Adam, AdamW, RmsProp, Adagrad");
        AssertOneLine(LrSched.Run("nosuch"), "Unrecognized command or argument 'nosuch'");
    }

    [TestMethod]
    public void ScheduleErrors_AreOneLine()
    {
        AssertOneLine(LrSched.Run("show", "cosine(t_max=-3)"), "error: schedule 'cosine(t_max=-3)': Invalid value '-3' for 't_max' of 'cosine'");
        AssertOneLine(LrSched.Run("show", "cosine("), "found the end of the text. (position 7, line 1, column 8)");
        string missing = Path.Combine(LrSched.TempDir(), "nope", "s.json");
        AssertOneLine(LrSched.Run("show", missing), $"error: {missing}: no such file (expected a schedule");
        AssertOneLine(LrSched.Run("show", "constant()", "--base-lr", "-1"), "error: --base-lr: received -1 (expected a finite number >= 0)");
    }

    [TestMethod]
    public void EvalErrors_NameTheLine_AndRejectRepeatedOrUnknownKeys()
    {
        string input = Path.Combine(LrSched.TempDir(), "in.jsonl");
        void Eval(string line, string expected)
        {
            File.WriteAllLines(input, ["""{"schedule": "constant()", "baseLr": 1, "steps": 2}""", line]);
            var r = LrSched.Run("eval", input);
            AssertOneLine(r, $"error: {input}: line 2: {expected}");
            Assert.AreEqual("[1,1]\n", r.Out, "the good line was written, nothing of the bad one");
        }
        Eval("""{"schedule": "exponential(gamma=10)", "baseLr": 1, "steps": 400}""", "the learning rate at step 309 is Infinity (expected finite rates");
        Eval("""{"schedule": "constant()", "baseLr": 1, "steps": 2, "steps": 3}""", "property 'steps' appears twice (expected each property once)");
        Eval("""{"schedule": {"type": "cosine", "t_max": 3, "t_max": 4}, "baseLr": 1, "steps": 2}""", "property 'schedule.t_max' appears twice");
        Eval("""{"schedule": "constant()", "baseLr": 1, "step": 2}""", "unknown property 'step' (expected only 'schedule', 'baseLr' (or 'base_lr'), 'steps' and 'metrics')");
        Eval("""{"schedule": "constant()", "baseLr": 1, "base_lr": 1, "steps": 2}""", "both 'baseLr' and 'base_lr' (expected one of them)");
        Eval("""{"schedule": "constant()", "baseLr": 1, "steps": 2147483648}""", "property 'steps' is 2147483648 (expected an integer in [1, 2147483647])");
        Eval("""{"schedule": "constant()", "baseLr": 1, "steps": 2, "metrics": [1, 2, 3]}""", "property 'metrics' holds 3 values (expected at most one per step: 2)");
        Eval("""{"schedule": "constant()", "baseLr": 1e400, "steps": 2}""", "property 'baseLr' is Infinity (expected a finite number >= 0)");
        Eval("""{"schedule": "cosine(""", "malformed JSON:");
    }

    [TestMethod]
    public void DamagedModelFiles_AreOneLineNamingTheFile_InEveryCommandThatOpensThem()
    {
        string dir = LrSched.TempDir();
        string truncated = Path.Combine(dir, "truncated.zip");
        var bytes = File.ReadAllBytes(_model);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        string modified = Path.Combine(dir, "modified.zip");
        File.Copy(_model, modified);
        using (var zip = ZipFile.Open(modified, ZipArchiveMode.Update))
        {
            var entry = zip.Entries.Single(e => e.Name == "TorchMlp.weights.bin");
            byte[] weights;
            using (var s = entry.Open()) { using var m = new MemoryStream(); s.CopyTo(m); weights = m.ToArray(); }
            weights[^5] ^= 0x40;
            entry.Delete();
            using var replaced = zip.CreateEntry(entry.FullName).Open();
            replaced.Write(weights);
        }

        foreach (var (file, expected) in new[] { (truncated, "truncated.zip"), (modified, "TorchMlp.weights.bin") })
        {
            AssertOneLine(LrSched.Run("inspect", file), expected);
            AssertOneLine(LrSched.Run("retrain", file, "--continue", "-o", Path.Combine(dir, "out.zip")), expected);
            AssertOneLine(LrSched.Run("retrain", file, "--data", LrSched.Data("wine.csv"), "-o", Path.Combine(dir, "out.zip")), expected);
            AssertOneLine(LrSched.Run("export", file, "-o", Path.Combine(dir, "out.onnx")), expected);
        }
        var modifiedError = LrSched.Run("retrain", modified, "--continue", "-o", Path.Combine(dir, "out.zip")).Err;
        StringAssert.StartsWith(modifiedError, $"error: ", modifiedError);
        StringAssert.Contains(modifiedError, modified, "the file is named, not a TargetInvocationException");
        Assert.IsFalse(File.Exists(Path.Combine(dir, "out.zip")));
        Assert.IsFalse(File.Exists(Path.Combine(dir, "out.onnx")));
    }

    [TestMethod]
    [DoNotParallelize] // sets LRSCHED_DEBUG for the whole test process
    public void Debug_PrintsTheStackTrace()
    {
        Environment.SetEnvironmentVariable("LRSCHED_DEBUG", "1");
        try
        {
            var r = LrSched.Run("show", "cosine(t_max=-3)");
            Assert.AreEqual(1, r.Exit);
            StringAssert.StartsWith(r.Err, "error: ");
            StringAssert.Contains(r.Err, "   at ");
        }
        finally { Environment.SetEnvironmentVariable("LRSCHED_DEBUG", null); }
    }
}
