using static MLNet.LrSchedules.Notebooks.Tests.TestNotebook;

namespace MLNet.LrSchedules.Notebooks.Tests;

[TestClass]
public sealed class NotebookRunnerTests
{
    [TestMethod]
    public async Task Cells_share_state_in_order()
    {
        var run = await RunAsync(
            CSharp("var x = 20;"),
            Markdown("# between"),
            CSharp("int Twice(int v) => 2 * v;"),
            CSharp("Twice(x) + 2"));

        Assert.AreEqual("42", run.Outputs.Single().PlainText);
        Assert.AreEqual(3, run.Outputs.Single().CellIndex);
        CollectionAssert.AreEqual(new[] { 0, 2, 3 }, run.CellsRun.ToArray());
    }

    [TestMethod]
    public async Task A_throwing_cell_fails_with_its_index_and_line()
    {
        var error = await Assert.ThrowsExactlyAsync<NotebookCellException>(() => RunAsync(
            Markdown("intro"),
            CSharp("var values = new List<int>();"),
            CSharp("// the second line throws\nvar first = values.First();\nConsole.WriteLine(first);")));

        Assert.AreEqual("test.ipynb", error.Notebook);
        Assert.AreEqual(2, error.CellIndex);
        Assert.AreEqual(2, error.Line);
        Assert.AreEqual("var first = values.First();", error.SourceLine);
        StringAssert.Contains(error.Message, "test.ipynb, cell 2, line 2: System.InvalidOperationException thrown: Sequence contains no elements");
        StringAssert.Contains(error.Message, "var first = values.First();");
    }

    [TestMethod]
    public async Task A_throw_inside_a_method_reports_the_throwing_line_of_the_cell()
    {
        var error = await Assert.ThrowsExactlyAsync<NotebookCellException>(() => RunAsync(
            CSharp("void Fail()\n{\n    throw new ArgumentException(\"bad\");\n}\nFail();")));

        Assert.AreEqual(0, error.CellIndex);
        Assert.AreEqual(3, error.Line);
        StringAssert.Contains(error.Message, "System.ArgumentException thrown: bad");
    }

    [TestMethod]
    public async Task A_cell_that_does_not_compile_fails_with_its_index_line_and_diagnostic()
    {
        var error = await Assert.ThrowsExactlyAsync<NotebookCellException>(() => RunAsync(
            CSharp("var a = 1;"),
            Markdown("text"),
            CSharp("#!csharp\nvar b = a +;\n")));

        Assert.AreEqual(2, error.CellIndex);
        Assert.AreEqual(2, error.Line);
        Assert.AreEqual("var b = a +;", error.SourceLine);
        StringAssert.Contains(error.Message, "test.ipynb, cell 2, line 2: compilation failed: CS1525");
    }

    [TestMethod]
    public async Task Later_cells_do_not_run_after_a_failure()
    {
        var error = await Assert.ThrowsExactlyAsync<NotebookCellException>(() => RunAsync(
            CSharp("throw new Exception(\"stop\");"),
            CSharp("Console.WriteLine(\"never\");")));

        Assert.AreEqual(0, error.CellIndex);
    }

    [TestMethod]
    public async Task Markdown_and_other_kernels_are_skipped()
    {
        var run = await RunAsync(
            Markdown("```csharp\nthrow new Exception();\n```"),
            FSharp("let x = 1"),
            CSharp("#!fsharp\nlet y = 2"),
            CSharp("1 + 1"));

        CollectionAssert.AreEqual(new[] { 3 }, run.CellsRun.ToArray());
        Assert.AreEqual("2", run.Outputs.Single().PlainText);
    }

    [TestMethod]
    public async Task Package_references_resolve_to_the_built_libraries()
    {
        var run = await RunAsync(
            CSharp("#i \"nuget: ../artifacts/packages\"\n#r \"nuget: MLNet.LrSchedules, 0.1.0\"\n#r \"nuget: MLNet.LrSchedules.Interactive, 0.1.0\"\nusing MLNet.LrSchedules;\n"),
            CSharp("typeof(LrSchedule).Assembly.GetName().Name"));

        Assert.AreEqual("MLNet.LrSchedules", run.Outputs.Single().PlainText);
    }

    [TestMethod]
    public async Task A_reference_to_another_version_than_the_one_built_fails()
    {
        var error = await Assert.ThrowsExactlyAsync<NotebookCellException>(() => RunAsync(
            CSharp("#r \"nuget: MLNet.LrSchedules, 9.9.9\"")));

        Assert.AreEqual(1, error.Line);
        StringAssert.Contains(error.Message, "package 'MLNet.LrSchedules' is referenced at version 9.9.9, but the repository builds 0.1.0");
    }

    [TestMethod]
    public async Task A_floating_version_accepts_the_one_built()
    {
        var run = await RunAsync(CSharp("#r \"nuget: MLNet.LrSchedules, *-*\"\n1"));

        Assert.AreEqual("1", run.Outputs.Single().PlainText);
    }

    [TestMethod]
    public async Task A_package_brings_its_dependencies()
    {
        // Microsoft.ML.Data comes with the trainers' package through its Microsoft.ML dependency, as NuGet restores it.
        var run = await RunAsync(
            CSharp("#r \"nuget: MLNet.LrSchedules.Trainers, 0.1.0\"\nusing Microsoft.ML;\nnew MLContext(seed: 1).Transforms.NormalizeMinMax(\"x\").GetType().Name"));

        Assert.AreEqual("NormalizingEstimator", run.Outputs.Single().PlainText);
    }

    [TestMethod]
    public void The_package_graph_follows_dependencies_to_their_assemblies()
    {
        var graph = PackageGraph.Load(Path.Combine(AppContext.BaseDirectory, "MLNet.LrSchedules.Notebooks.Tests.deps.json"));

        var assemblies = graph.AssembliesOf("TorchSharp-cpu");

        CollectionAssert.Contains(assemblies.ToArray(), "TorchSharp");
        CollectionAssert.IsSubsetOf(new[] { "MLNet.LrSchedules.Interactive", "MLNet.LrSchedules", "MLNet.LrSchedules.Plotting", "Microsoft.DotNet.Interactive.Formatting", "ScottPlot" },
            graph.AssembliesOf("MLNet.LrSchedules.Interactive").ToArray());
        Assert.IsFalse(graph.Contains("No.Such.Package"));
    }

    [TestMethod]
    public async Task The_script_shares_the_tests_copy_of_a_referenced_assembly()
    {
        var run = await RunAsync(
            CSharp("#r \"nuget: MLNet.LrSchedules\"\ntypeof(MLNet.LrSchedules.LrSchedule).Assembly.Location"));

        Assert.AreEqual(typeof(LrSchedule).Assembly.Location, run.Outputs.Single().PlainText);
    }

    [TestMethod]
    public async Task An_unknown_package_fails_with_the_cell_and_the_reference_line()
    {
        var error = await Assert.ThrowsExactlyAsync<NotebookCellException>(() => RunAsync(
            Markdown("intro"),
            CSharp("// packages\n#r \"nuget: No.Such.Package, 1.0.0\"")));

        Assert.AreEqual(1, error.CellIndex);
        Assert.AreEqual(2, error.Line);
        StringAssert.Contains(error.Message, "package 'No.Such.Package' is not available to the notebook runner");
        Assert.AreEqual("#r \"nuget: No.Such.Package\"", error.SourceLine);
    }

    [TestMethod]
    public async Task Display_formats_with_registered_formatters_and_records_the_output()
    {
        var run = await RunAsync(
            CSharp("#r \"nuget: Microsoft.DotNet.Interactive.Formatting\"\nusing Microsoft.DotNet.Interactive.Formatting;\n" +
                   "record Point(int X, int Y);\n" +
                   "Formatter.Register<Point>((p, w) => w.Write($\"<b>{p.X},{p.Y}</b>\"), HtmlFormatter.MimeType);"),
            CSharp("display(new Point(1, 2));"));

        var output = run.Outputs.Single();
        Assert.AreEqual(1, output.CellIndex);
        Assert.AreEqual("text/html", output.MimeType);
        Assert.AreEqual("<b>1,2</b>", output.Value);
    }

    [TestMethod]
    public async Task Console_output_is_recorded_per_cell()
    {
        var run = await RunAsync(
            CSharp("Console.WriteLine(\"hello\");"),
            CSharp("Console.Write(\"world\");"));

        Assert.AreEqual(2, run.Outputs.Count);
        Assert.AreEqual(("stdout", 0, "hello" + Environment.NewLine), (run.Outputs[0].Source, run.Outputs[0].CellIndex, run.Outputs[0].Value));
        Assert.AreEqual(("stdout", 1, "world"), (run.Outputs[1].Source, run.Outputs[1].CellIndex, run.Outputs[1].Value));
    }

    [TestMethod]
    public async Task Awaits_at_the_top_level_work_as_in_the_kernel()
    {
        var run = await RunAsync(CSharp("await Task.Delay(1);\nawait Task.FromResult(5)"));

        Assert.AreEqual("5", run.Outputs.Single().PlainText);
    }

    [TestMethod]
    public void Preprocess_blanks_directives_and_keeps_line_numbers()
    {
        var (code, packages) = NotebookRunner.Preprocess("#!csharp\n#i \"nuget: ../artifacts/packages\"\n#r \"nuget: MLNet.LrSchedules, 0.1.0\"\n#r \"nuget:ScottPlot\"\nvar x = 1;");

        Assert.AreEqual("\n\n\n\nvar x = 1;", code);
        Assert.AreEqual(2, packages.Count);
        Assert.AreEqual(new NotebookRunner.PackageReference("MLNet.LrSchedules", "0.1.0", 3), packages[0]);
        Assert.AreEqual(new NotebookRunner.PackageReference("ScottPlot", null, 4), packages[1]);
    }

    [TestMethod]
    public void Parse_reads_cell_languages_from_metadata_magics_and_the_kernelspec()
    {
        const string json = """
            {
              "cells": [
                { "cell_type": "code", "metadata": {}, "source": "var a = 1;" },
                { "cell_type": "code", "metadata": { "dotnet_interactive": { "language": "fsharp" } }, "source": ["let b = 2"] },
                { "cell_type": "code", "metadata": { "polyglot_notebook": { "kernelName": "pwsh" } }, "source": ["Get-Date"] },
                { "cell_type": "code", "metadata": { "dotnet_interactive": { "language": "fsharp" } }, "source": ["#!csharp\n", "var c = 3;"] },
                { "cell_type": "markdown", "metadata": {}, "source": ["# Title"] }
              ],
              "metadata": { "kernelspec": { "display_name": ".NET (C#)", "language": "C#", "name": ".net-csharp" } },
              "nbformat": 4, "nbformat_minor": 5
            }
            """;

        var notebook = Notebook.Parse(json, "n.ipynb");

        Assert.AreEqual("csharp", notebook.DefaultLanguage);
        CollectionAssert.AreEqual(new[] { "csharp", "fsharp", "pwsh", "csharp", null }, notebook.Cells.Select(c => c.Language).ToArray());
        Assert.AreEqual("#!csharp\nvar c = 3;", notebook.Cells[3].Source);
    }

    [TestMethod]
    public void Parse_rejects_a_file_that_is_not_a_notebook()
    {
        var error = Assert.ThrowsExactly<FormatException>(() => Notebook.Parse("{\"nbformat\": 4}", "bad.ipynb"));

        Assert.AreEqual("Notebook 'bad.ipynb' has no 'cells' array.", error.Message);
    }
}
