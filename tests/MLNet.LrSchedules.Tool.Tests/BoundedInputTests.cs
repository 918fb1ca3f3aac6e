using System.Diagnostics;
using System.IO.Compression;

namespace MLNet.LrSchedules.Tool.Tests;

/// <summary>
/// Issue 8, item 5: eval streams at any documented step count in bounded memory, show costs the rows it prints, every
/// input file is size-checked before (or, for devices, while) it is read; no input makes a command hang or hold gigabytes.
/// </summary>
[TestClass]
public sealed class BoundedInputTests
{
    [TestMethod]
    [OSCondition(OperatingSystems.Linux)]
    public void Eval_AtTheLargestStepCount_StreamsInBoundedMemory()
    {
        using var child = LrSchedProcess.StartStreaming("eval");
        child.Input.WriteLine("""{"schedule": "cosine(min=0)", "baseLr": 1, "steps": 2147483647}""");
        child.Input.Close();

        var stream = child.StandardOutputStream;
        var buffer = new byte[1 << 20];
        long read = 0, peak = 0;
        var first = new byte[8];
        while (read < 64L << 20)
        {
            int n = stream.Read(buffer, 0, buffer.Length);
            Assert.IsGreaterThan(0, n, $"eval stopped early: {child.Err}");
            if (read == 0) Array.Copy(buffer, first, Math.Min(n, first.Length));
            read += n;
            peak = Math.Max(peak, child.ResidentBytes());
        }
        Assert.AreEqual("[1,1,1,", System.Text.Encoding.ASCII.GetString(first)[..7], "a cosine of 2^31 steps starts at its base rate");
        Assert.IsLessThan(300L << 20, peak, $"64 MiB of rates (of about 40 GB) written with a resident set of {peak >> 20} MiB");
        child.Kill();
    }

    [TestMethod]
    public void Show_HugeEvery_PrintsItsThreeRowsAtOnce()
    {
        var run = Task.Run(() => LrSched.Run("show", "constant()", "--steps", "9223372036854775807", "--every", "4611686018427387904"));
        Assert.IsTrue(run.Wait(TimeSpan.FromSeconds(20)), "show must not walk the skipped steps");
        var r = run.Result;
        Assert.AreEqual(0, r.Exit, r.Err);
        var steps = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[2..].Select(l => l.Trim().Split(' ')[0]).ToArray();
        CollectionAssert.AreEqual(new[] { "0", "4611686018427387904", "9223372036854775806" }, steps);

        LrSched.AssertError(LrSched.Run("show", "constant()", "--steps", "1000000000000"), "--steps 1000000000000 with --every 1: 1,000,000,000,000 rows (expected at most 1,000,000");
        LrSched.AssertError(LrSched.Run("show", "constant()", "--every", "0"), "--every: received 0 (expected an integer >= 1)");
    }

    [TestMethod]
    [OSCondition(OperatingSystems.Linux)]
    public void EndlessOrHugeInputs_StopAtTheirLimit()
    {
        var clock = Stopwatch.StartNew();
        LrSched.AssertError(LrSched.Run("show", "/dev/zero"), "/dev/zero: longer than 1 MiB (expected a schedule file (JSON or text form) of at most 1 MiB)");
        LrSched.AssertError(LrSched.Run("train", "--data", "/dev/zero", "-o", Path.Combine(LrSched.TempDir(), "m.zip")), "/dev/zero: line 1 is longer than 16,777,216 characters");
        LrSched.AssertError(LrSched.Run("eval", "/dev/zero"), "/dev/zero: line 1 is longer than 16,777,216 characters");
        Assert.IsLessThan(20.0, clock.Elapsed.TotalSeconds);

        string dir = LrSched.TempDir();
        string big = Path.Combine(dir, "big.json");
        using (var f = File.Create(big)) f.SetLength(2 << 20);
        LrSched.AssertError(LrSched.Run("show", big), "big.json: 2 MiB (expected a schedule file (JSON or text form) of at most 1 MiB)");
    }

    [TestMethod]
    public void ModelWhoseEntriesUnpackToFarMoreThanItsSize_IsRefusedBeforeUnpacking()
    {
        string dir = LrSched.TempDir();
        string bomb = Path.Combine(dir, "bomb.zip");
        using (var zip = ZipFile.Open(bomb, ZipArchiveMode.Create))
        {
            using var entry = zip.CreateEntry("TransformerChain/Transform_000/TorchMlp.history.json", CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 200; i++) entry.Write(zeros);
        }
        Assert.IsLessThan(2L << 20, new FileInfo(bomb).Length);
        var clock = Stopwatch.StartNew();
        LrSched.AssertError(LrSched.Run("inspect", bomb), "bomb.zip: its entries unpack to more than");
        LrSched.AssertError(LrSched.Run("retrain", bomb, "--continue"), "bomb.zip: its entries unpack to more than");
        Assert.IsLessThan(5.0, clock.Elapsed.TotalSeconds, "refused from the zip's directory, nothing unpacked");
    }
}
