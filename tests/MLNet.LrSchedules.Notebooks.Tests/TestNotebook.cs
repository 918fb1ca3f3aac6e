using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNet.LrSchedules.Notebooks.Tests;

/// <summary>Builds small notebooks in the shape Polyglot Notebooks saves, for the runner's own tests.</summary>
internal static class TestNotebook
{
    internal static (string Kind, string Source) Markdown(string text) => ("markdown", text);

    internal static (string Kind, string Source) CSharp(string code) => ("csharp", code);

    internal static (string Kind, string Source) FSharp(string code) => ("fsharp", code);

    internal static string Json(params (string Kind, string Source)[] cells)
    {
        var array = new JsonArray();
        foreach (var (kind, source) in cells)
        {
            // Polyglot Notebooks stores the source as a list of lines, each but the last ending with "\n".
            var lines = new JsonArray();
            var parts = source.Split('\n');
            for (int i = 0; i < parts.Length; i++) lines.Add(i < parts.Length - 1 ? parts[i] + "\n" : parts[i]);
            var cell = new JsonObject { ["cell_type"] = kind == "markdown" ? "markdown" : "code", ["metadata"] = new JsonObject(), ["source"] = lines };
            if (kind != "markdown")
            {
                cell["execution_count"] = null;
                cell["outputs"] = new JsonArray();
                cell["metadata"] = new JsonObject
                {
                    ["dotnet_interactive"] = new JsonObject { ["language"] = kind },
                    ["polyglot_notebook"] = new JsonObject { ["kernelName"] = kind },
                };
            }
            array.Add(cell);
        }
        var notebook = new JsonObject
        {
            ["cells"] = array,
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
                ["polyglot_notebook"] = new JsonObject { ["kernelInfo"] = new JsonObject { ["defaultKernelName"] = "csharp" } },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 2,
        };
        return notebook.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    internal static Notebook Create(params (string Kind, string Source)[] cells) => Notebook.Parse(Json(cells), "test.ipynb");

    internal static Task<NotebookRun> RunAsync(params (string Kind, string Source)[] cells) =>
        new NotebookRunner().RunAsync(Create(cells), AppContext.BaseDirectory);
}
