namespace MLNet.LrSchedules.Tool.Tests;

/// <summary>
/// Issue 8, item 8 (CLI): retrain --continue takes its data, split and settings from the saved run, rejects options that
/// contradict it (naming each) and data that changed; fine-tuning keeps the network's shape.
/// Item 7: validation rows are carved out of the training rows; the test rows are scored once, at the end.
/// </summary>
[TestClass]
public sealed class StrictRetrainTests
{
    private static string _dir = "";
    private static string _data = "";
    private static string _half = "";

    [ClassInitialize]
    public static void StopAfterOneEpoch(TestContext _)
    {
        _dir = LrSched.TempDir();
        _data = Path.Combine(_dir, "wine.csv");
        File.Copy(LrSched.Data("wine.csv"), _data);
        _half = Path.Combine(_dir, "half.zip");
        var r = LrSched.Run("train", "--data", _data, "--epochs", "3", "--hidden", "8", "--lr", "0.01", "--stop-after-epochs", "1", "-o", _half, "--plot", Path.Combine(_dir, "half.png"));
        Assert.AreEqual(0, r.Exit, r.Err);
        StringAssert.Contains(r.Out, "128 training, 14 validation and 36 test rows");
        Assert.DoesNotContain("Test metrics", r.Out, "a stopped run does not score the test rows");
    }

    [TestMethod]
    public void Continue_ContradictingOptions_AreEachNamed_BeforeAnyWork()
    {
        string output = Path.Combine(_dir, "contradicted.zip");
        var r = LrSched.Run("retrain", _half, "--continue", "-o", output, "--epochs", "5", "--lr", "0.1", "--hidden", "16", "--test-fraction", "0.3", "--schedule", "constant()", "--label", "alcohol");
        LrSched.AssertError(r, "half.zip: options contradict the saved run: ");
        foreach (var part in new[] { "--label alcohol (the run has label)", "--test-fraction 0.3 (the run has 0.2)", "--epochs 5 (the run has 3)", "--lr 0.1 (the run has 0.01)", "--hidden 16 (the run has 8)", "--schedule constant() (the run has warmup(" })
            StringAssert.Contains(r.Err, part);
        StringAssert.Contains(r.Err, "(expected --continue to keep the run's settings: leave them out, or fine-tune without --continue)");
        LrSched.AssertError(LrSched.Run("retrain", _half, "--continue", "-o", output, "--network", "mlp(16)"),
            "half.zip: an option contradicts the saved run: --network mlp(16) (the run has linear(8) >> relu)");
        Assert.IsFalse(File.Exists(output));
    }

    [TestMethod]
    public void Continue_TheSavedValuesRepeated_AreAccepted_AndNeedNoDataOptions()
    {
        string output = Path.Combine(_dir, "repeated.zip");
        var r = LrSched.Run("retrain", _half, "--continue", "-o", output, "--epochs", "3", "--lr", "0.01", "--hidden", "8", "--data", _data,
            "--schedule", "warmup(5%) >> cosine(min=1e-5)", "--test-fraction", "0.2", "--validation-fraction", "0.1", "--device", "cpu");
        Assert.AreEqual(0, r.Exit, r.Err);
        StringAssert.Contains(r.Out, "Continuing the run");
        StringAssert.Contains(r.Out, "Test metrics (36 rows)");
    }

    [TestMethod]
    public void Continue_DataChangedSinceTheRun_IsRefused()
    {
        string dir = LrSched.TempDir();
        string data = Path.Combine(dir, "wine.csv");
        File.Copy(LrSched.Data("wine.csv"), data);
        string model = Path.Combine(dir, "m.zip");
        Assert.AreEqual(0, LrSched.Run("train", "--data", data, "--epochs", "2", "--hidden", "8", "--stop-after-epochs", "1", "-o", model, "--plot", Path.Combine(dir, "m.png")).Exit);
        File.WriteAllLines(data, File.ReadAllLines(data).Select((l, i) => i == 5 ? l.Replace("14.", "15.") : l));
        LrSched.AssertError(LrSched.Run("retrain", model, "--continue"), "wine.csv: changed since the run started (its SHA-256 differs from the one saved in");
    }

    [TestMethod]
    public void FineTune_AnotherNetworkShape_IsRefused()
    {
        LrSched.AssertError(LrSched.Run("retrain", _half, "--hidden", "16", "-o", Path.Combine(_dir, "tuned.zip")),
            "--hidden: received '16', but the network in");
        LrSched.AssertError(LrSched.Run("retrain", _half, "--network", "mlp(16)", "-o", Path.Combine(_dir, "tuned.zip")),
            "--network: received 'mlp(16)', but the network in");
        LrSched.AssertError(LrSched.Run("retrain", _half, "-o", _half), "half.zip: --output would overwrite the input model");
    }

    [TestMethod]
    public void Compare_RanksOnValidationRows_NeverOnTest()
    {
        LrSched.AssertError(LrSched.Run("compare", "--data", _data, "--validation-fraction", "0", "--schedules", "constant()", "--plot", Path.Combine(_dir, "c.png")),
            "--validation-fraction: received 0 (expected a fraction > 0: compare ranks the schedules on validation data, never on the test rows)");
    }
}
