using System.Text.Json;

namespace MLNet.LrSchedules.Notebooks.Tests;

/// <summary>One cell of a notebook.</summary>
/// <param name="Index">Position among all the notebook's cells (markdown included), 0-based, as editors count them.</param>
/// <param name="Kind">"code", "markdown" or "raw".</param>
/// <param name="Language">The kernel a code cell runs in ("csharp", "fsharp", "pwsh", ...); null for other cells.</param>
/// <param name="Source">The cell's text.</param>
public sealed record NotebookCell(int Index, string Kind, string? Language, string Source)
{
    /// <summary>True for a code cell that the C# kernel runs.</summary>
    public bool IsCSharp => Kind == "code" && Language == "csharp";
}

/// <summary>A Jupyter notebook (.ipynb) as Polyglot Notebooks writes it.</summary>
public sealed class Notebook
{
    private static readonly Dictionary<string, string> KernelAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["csharp"] = "csharp", ["c#"] = "csharp", ["cs"] = "csharp",
        ["fsharp"] = "fsharp", ["f#"] = "fsharp", ["fs"] = "fsharp",
        ["pwsh"] = "pwsh", ["powershell"] = "pwsh",
        ["javascript"] = "javascript", ["js"] = "javascript",
        ["html"] = "html", ["markdown"] = "markdown", ["md"] = "markdown",
        ["sql"] = "sql", ["kql"] = "kql", ["mermaid"] = "mermaid", ["value"] = "value",
    };

    private Notebook(string name, string defaultLanguage, IReadOnlyList<NotebookCell> cells)
    {
        Name = name;
        DefaultLanguage = defaultLanguage;
        Cells = cells;
    }

    /// <summary>The notebook's file name.</summary>
    public string Name { get; }

    /// <summary>The kernel of cells that name none.</summary>
    public string DefaultLanguage { get; }

    /// <summary>All cells, in order.</summary>
    public IReadOnlyList<NotebookCell> Cells { get; }

    /// <summary>Reads a notebook file.</summary>
    public static Notebook Load(string path) => Parse(File.ReadAllText(path), Path.GetFileName(path));

    /// <summary>Parses notebook JSON.</summary>
    /// <exception cref="FormatException">The text is not a notebook.</exception>
    public static Notebook Parse(string json, string name)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new FormatException($"Notebook '{name}' is not valid JSON: {e.Message}", e); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("cells", out var cells) || cells.ValueKind != JsonValueKind.Array)
                throw new FormatException($"Notebook '{name}' has no 'cells' array.");
            string defaultLanguage = DefaultLanguageOf(root);
            var parsed = new List<NotebookCell>();
            int index = 0;
            foreach (var cell in cells.EnumerateArray())
            {
                string kind = cell.TryGetProperty("cell_type", out var type) ? type.GetString() ?? "code" : "code";
                string source = SourceOf(cell);
                string? language = kind == "code" ? LanguageOf(cell, source, defaultLanguage) : null;
                parsed.Add(new NotebookCell(index++, kind, language, source));
            }
            return new Notebook(name, defaultLanguage, parsed);
        }
    }

    private static string DefaultLanguageOf(JsonElement root)
    {
        if (root.TryGetProperty("metadata", out var metadata))
        {
            if (metadata.TryGetProperty("polyglot_notebook", out var polyglot)
                && polyglot.TryGetProperty("kernelInfo", out var kernelInfo)
                && kernelInfo.TryGetProperty("defaultKernelName", out var defaultKernel)
                && Normalize(defaultKernel.GetString()) is { } fromPolyglot)
                return fromPolyglot;
            if (metadata.TryGetProperty("kernelspec", out var kernelspec))
            {
                // ".net-csharp", ".net-fsharp", ".net-pwsh"
                if (kernelspec.TryGetProperty("name", out var kernelName) && kernelName.GetString() is { } spec
                    && spec.StartsWith(".net-", StringComparison.Ordinal) && Normalize(spec[5..]) is { } fromSpec)
                    return fromSpec;
                if (kernelspec.TryGetProperty("language", out var language) && Normalize(language.GetString()) is { } fromLanguage)
                    return fromLanguage;
            }
        }
        return "csharp";
    }

    private static string LanguageOf(JsonElement cell, string source, string defaultLanguage)
    {
        // A leading magic like #!fsharp switches the cell's kernel whatever its metadata says.
        string firstLine = source.TrimStart().Split('\n', 2)[0].Trim();
        if (firstLine.StartsWith("#!", StringComparison.Ordinal) && Normalize(firstLine[2..]) is { } fromMagic)
            return fromMagic;
        if (cell.TryGetProperty("metadata", out var metadata))
        {
            if (metadata.TryGetProperty("dotnet_interactive", out var dotnet)
                && dotnet.TryGetProperty("language", out var language) && Normalize(language.GetString()) is { } fromDotnet)
                return fromDotnet;
            if (metadata.TryGetProperty("polyglot_notebook", out var polyglot)
                && polyglot.TryGetProperty("kernelName", out var kernel) && Normalize(kernel.GetString()) is { } fromPolyglot)
                return fromPolyglot;
        }
        return defaultLanguage;
    }

    private static string? Normalize(string? kernel) =>
        kernel is not null && KernelAliases.TryGetValue(kernel.Trim(), out var name) ? name : null;

    private static string SourceOf(JsonElement cell)
    {
        if (!cell.TryGetProperty("source", out var source)) return "";
        return source.ValueKind switch
        {
            JsonValueKind.String => source.GetString() ?? "",
            JsonValueKind.Array => string.Concat(source.EnumerateArray().Select(line => line.GetString())),
            _ => "",
        };
    }
}
