using System.Text.Json;

namespace MLNet.LrSchedules.Notebooks.Tests;

/// <summary>Runs every notebook in notebooks/ top to bottom, as a new user would.</summary>
[TestClass]
public sealed class NotebookTests
{
    public TestContext TestContext { get; set; } = null!;

    private static string NotebookDirectory => Path.Combine(AppContext.BaseDirectory, "notebooks");

    public static IEnumerable<object[]> Notebooks =>
        Directory.EnumerateFiles(NotebookDirectory, "*.ipynb").Order(StringComparer.Ordinal).Select(path => new object[] { Path.GetFileName(path) });

    [TestMethod]
    [DynamicData(nameof(Notebooks))]
    public async Task Notebook_runs_top_to_bottom(string notebook)
    {
        var run = await new NotebookRunner().RunAsync(Path.Combine(NotebookDirectory, notebook), TestContext.CancellationToken);

        // The page with every output, to look at the plots a CI run produced.
        string page = Path.Combine(AppContext.BaseDirectory, "notebook-outputs", Path.ChangeExtension(notebook, ".html"));
        Directory.CreateDirectory(Path.GetDirectoryName(page)!);
        File.WriteAllText(page, run.ToHtml());
        TestContext.AddResultFile(page);
        TestContext.WriteLine($"{notebook}: {run.CellsRun.Count} C# cells, {run.Outputs.Count} outputs, {run.Outputs.Count(o => o.IsPlot)} plots in {run.Elapsed.TotalSeconds:F1} s");
        foreach (var (cell, time) in run.CellTimes) TestContext.WriteLine($"  cell {cell}: {time.TotalMilliseconds:F0} ms");
        Assert.IsTrue(run.CellsRun.Count > 0, $"{notebook} has no C# cell.");
        Assert.IsTrue(run.Outputs.Any(o => o.IsPlot), $"{notebook} showed no plot.");
    }

    [TestMethod]
    [DynamicData(nameof(Notebooks))]
    public void Notebook_is_saved_as_Polyglot_Notebooks_writes_a_csharp_notebook(string notebook)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(NotebookDirectory, notebook)));
        var root = document.RootElement;

        Assert.AreEqual(".net-csharp", root.GetProperty("metadata").GetProperty("kernelspec").GetProperty("name").GetString());
        Assert.AreEqual(4, root.GetProperty("nbformat").GetInt32());
        int index = 0;
        foreach (var cell in root.GetProperty("cells").EnumerateArray())
        {
            if (cell.GetProperty("cell_type").GetString() == "code")
            {
                Assert.AreEqual("csharp", cell.GetProperty("metadata").GetProperty("dotnet_interactive").GetProperty("language").GetString(), $"cell {index}");
                Assert.AreEqual(0, cell.GetProperty("outputs").GetArrayLength(), $"cell {index} is saved without outputs");
            }
            index++;
        }
    }
}
