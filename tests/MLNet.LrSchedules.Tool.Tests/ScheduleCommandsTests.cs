using System.Text.Json;

namespace MLNet.LrSchedules.Tool.Tests;

[TestClass]
public sealed class ScheduleCommandsTests
{
    [TestMethod]
    public void Plot_WritesPng()
    {
        string path = Path.Combine(LrSched.TempDir(), "s.png");
        var r = LrSched.Run("plot", "warmup(5%) >> cosine(min=1e-5)", "--steps", "200", "-o", path);
        Assert.AreEqual(0, r.Exit, r.Err);
        LrSched.AssertPng(path);
    }

    [TestMethod]
    public void Show_PrintsResolvedScheduleAndRates()
    {
        var r = LrSched.Run("show", "step(step_size=2, gamma=0.5)", "--base-lr", "1", "--steps", "5");
        Assert.AreEqual(0, r.Exit, r.Err);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.AreEqual("step(step_size=2, gamma=0.5)", lines[0]);
        CollectionAssert.AreEqual(new[] { "0  1", "1  1", "2  0.5", "3  0.5", "4  0.25" }, lines[2..].Select(l => string.Join("  ", l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToArray());
    }

    [TestMethod]
    public void Eval_JsonLines_IncludingReactiveScheduleWithMetrics()
    {
        string input = Path.Combine(LrSched.TempDir(), "in.jsonl");
        File.WriteAllLines(input,
        [
            """{"schedule": "step(step_size=2, gamma=0.1)", "baseLr": 1, "steps": 4}""",
            "",
            """{"schedule": "plateau(patience=1, factor=0.5)", "baseLr": 1, "steps": 5, "metrics": [1, 1, 1, 1, 1]}""",
        ]);
        var r = LrSched.Run("eval", input);
        Assert.AreEqual(0, r.Exit, r.Err);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(2, lines);
        CollectionAssert.AreEqual(new[] { 1, 1, 0.1, 0.1 }, JsonSerializer.Deserialize<double[]>(lines[0])!.Select(v => Math.Round(v, 12)).ToArray());
        var plateau = JsonSerializer.Deserialize<double[]>(lines[1])!;
        Assert.HasCount(5, plateau);
        Assert.AreEqual(1.0, plateau[0]);
        Assert.IsLessThan(1.0, plateau[^1], "a metric that never improves must reduce the rate");
    }

    [TestMethod]
    public void Eval_ErrorLine_NamesTheLine()
    {
        string input = Path.Combine(LrSched.TempDir(), "bad.jsonl");
        File.WriteAllLines(input, ["""{"schedule": "constant()", "baseLr": 1, "steps": 2}""", """{"schedule": "nope(", "baseLr": 1, "steps": 2}"""]);
        var r = LrSched.Run("eval", input);
        LrSched.AssertError(r, "line 2:");
        Assert.StartsWith("[1,1]", r.Out);
    }

    [TestMethod]
    public void Show_BadSchedule_IsOneError()
    {
        LrSched.AssertError(LrSched.Run("show", "cosine(t_max=-3)"), "t_max");
    }
}
