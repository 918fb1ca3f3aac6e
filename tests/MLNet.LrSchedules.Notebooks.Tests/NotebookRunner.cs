using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace MLNet.LrSchedules.Notebooks.Tests;

/// <summary>A cell failed to compile or threw.</summary>
public sealed class NotebookCellException(string notebook, int cellIndex, int? line, string? sourceLine, string message, Exception? inner)
    : Exception(Describe(notebook, cellIndex, line, sourceLine, message), inner)
{
    /// <summary>The notebook's file name.</summary>
    public string Notebook { get; } = notebook;

    /// <summary>The failing cell's index among all cells (0-based).</summary>
    public int CellIndex { get; } = cellIndex;

    /// <summary>The failing line within the cell (1-based), when known.</summary>
    public int? Line { get; } = line;

    /// <summary>The text of that line.</summary>
    public string? SourceLine { get; } = sourceLine;

    private static string Describe(string notebook, int cellIndex, int? line, string? sourceLine, string message) =>
        line is null
            ? $"{notebook}, cell {cellIndex}: {message}"
            : $"{notebook}, cell {cellIndex}, line {line}: {message}{Environment.NewLine}    {sourceLine?.Trim()}";
}

/// <summary>The outcome of a notebook run.</summary>
/// <param name="Notebook">The notebook.</param>
/// <param name="Outputs">Everything the cells displayed, in order.</param>
/// <param name="CellsRun">Indexes of the C# cells that ran.</param>
/// <param name="Elapsed">Wall time of the whole run.</param>
/// <param name="CellTimes">Wall time of each C# cell that ran, by cell index.</param>
public sealed record NotebookRun(Notebook Notebook, IReadOnlyList<NotebookOutput> Outputs, IReadOnlyList<int> CellsRun, TimeSpan Elapsed,
    IReadOnlyDictionary<int, TimeSpan> CellTimes)
{
    /// <summary>The notebook with its outputs as one HTML page, to look at what a run showed.</summary>
    public string ToHtml()
    {
        var html = new StringBuilder($"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{System.Net.WebUtility.HtmlEncode(Notebook.Name)}</title></head><body>");
        foreach (var cell in Notebook.Cells)
        {
            string tag = cell.Kind == "markdown" ? "pre style=\"color:#555\"" : "pre style=\"background:#f4f4f4\"";
            html.Append($"<{tag}>{System.Net.WebUtility.HtmlEncode(cell.Source)}</pre>");
            if (CellTimes.TryGetValue(cell.Index, out var time)) html.Append($"<small>cell {cell.Index}: {time.TotalMilliseconds:F0} ms</small>");
            foreach (var output in Outputs.Where(o => o.CellIndex == cell.Index))
                html.Append(output.MimeType == "text/html" ? output.Value : $"<pre>{System.Net.WebUtility.HtmlEncode(output.Value)}</pre>");
        }
        return html.Append("</body></html>").ToString();
    }
}

/// <summary>
/// Runs a notebook's C# cells in order with Roslyn scripting, the engine of the .NET Interactive C# kernel, each cell
/// continuing the previous one's state. Package references (<c>#r "nuget: Id, Version"</c>) resolve to the assemblies
/// next to this test assembly, with their dependencies (see <see cref="PackageGraph"/>); the version is not checked,
/// since the notebooks reference this repository's own build. Package sources (<c>#i</c>) and other kernel magics are ignored.
/// </summary>
public sealed partial class NotebookRunner
{
    /// <summary>Namespaces the C# kernel imports into every submission.</summary>
    public static readonly IReadOnlyList<string> DefaultImports =
        ["System", "System.Text", "System.Collections", "System.Collections.Generic", "System.Linq", "System.Threading.Tasks"];

    private static readonly object ConsoleGate = new();

    // The kernel compiles against the whole shared framework; so do we, once per process.
    private static readonly Lazy<MetadataReference[]> FrameworkReferences = new(() =>
        Directory.EnumerateFiles(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Where(IsManagedAssembly)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    private static bool IsManagedAssembly(string path)
    {
        try { AssemblyName.GetAssemblyName(path); return true; }
        catch (BadImageFormatException) { return false; }
    }

    private readonly string _assemblyDirectory;
    private readonly string _extensionDirectory;
    private readonly PackageGraph _packages;

    /// <summary>
    /// A runner that resolves packages to the assemblies in <paramref name="assemblyDirectory"/> (default: this test's
    /// output folder), following the package graph of this test assembly's .deps.json.
    /// </summary>
    public NotebookRunner(string? assemblyDirectory = null)
    {
        _assemblyDirectory = assemblyDirectory ?? AppContext.BaseDirectory;
        _extensionDirectory = Path.Combine(_assemblyDirectory, "extensions");
        _packages = PackageGraph.Load(Path.Combine(_assemblyDirectory, typeof(NotebookRunner).Assembly.GetName().Name + ".deps.json"));
    }

    /// <summary>The longest a cell may run; a cell that runs longer fails.</summary>
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Runs every C# cell of the notebook at <paramref name="path"/>.</summary>
    public Task<NotebookRun> RunAsync(string path, CancellationToken cancellation = default) =>
        RunAsync(Notebook.Load(path), Path.GetDirectoryName(Path.GetFullPath(path))!, cancellation);

    /// <summary>Runs every C# cell of <paramref name="notebook"/>, with <paramref name="workingDirectory"/> as the current directory.</summary>
    /// <exception cref="NotebookCellException">A cell failed to compile or threw; names the cell and line.</exception>
    public Task<NotebookRun> RunAsync(Notebook notebook, string workingDirectory, CancellationToken cancellation = default) =>
        // Off the caller's thread: cells run synchronously, one after another, under the process-wide console lock.
        Task.Run(() => Run(notebook, workingDirectory, cancellation), cancellation);

    private NotebookRun Run(Notebook notebook, string workingDirectory, CancellationToken cancellation)
    {
        var stopwatch = Stopwatch.StartNew();
        var outputs = new List<NotebookOutput>();
        var globals = new NotebookGlobals(outputs);
        var cellsRun = new List<int>();
        var cellTimes = new Dictionary<int, TimeSpan>();
        var options = ScriptOptions.Default
            .WithReferences(FrameworkReferences.Value)
            .WithImports(DefaultImports)
            // The Polyglot C# kernel compiles C# 12 at least; holding notebooks to it keeps them runnable in older kernels.
            .WithLanguageVersion(LanguageVersion.CSharp12)
            .WithEmitDebugInformation(true)
            .WithFileEncoding(Encoding.UTF8)
            .WithOptimizationLevel(OptimizationLevel.Debug)
            .WithAllowUnsafe(false);
        var referenced = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        ScriptState<object>? state = null;

        string previousDirectory = Environment.CurrentDirectory;
        lock (ConsoleGate)
        {
            var previousOut = Console.Out;
            var stdout = new StringWriter();
            try
            {
                Environment.CurrentDirectory = workingDirectory;
                Console.SetOut(stdout);
                foreach (var cell in notebook.Cells.Where(c => c.IsCSharp))
                {
                    globals.CurrentCell = cell.Index;
                    var cellStart = stopwatch.Elapsed;
                    var (code, packages) = Preprocess(cell.Source);
                    var extensions = new List<string>();
                    foreach (var package in packages)
                    {
                        if (!referenced.Add(package.Id)) continue;
                        options = options.AddReferences(ResolvePackage(notebook, cell, package));
                        string extension = Path.Combine(_extensionDirectory, package.Id, "extension.dib");
                        if (File.Exists(extension)) extensions.Add(extension);
                    }
                    foreach (var extension in extensions)
                        state = RunCode(notebook, cell, ExtensionCode(extension), options.WithFilePath(extension), state, globals, cancellation, fromExtension: extension);
                    if (string.IsNullOrWhiteSpace(code))
                    {
                        cellsRun.Add(cell.Index);
                        cellTimes[cell.Index] = stopwatch.Elapsed - cellStart;
                        continue;
                    }
                    state = RunCode(notebook, cell, code, options.WithFilePath(CellPath(notebook, cell)), state, globals, cancellation, fromExtension: null);
                    if (state.ReturnValue is { } result) globals.display(result);
                    Flush(stdout, outputs, cell.Index);
                    cellsRun.Add(cell.Index);
                    cellTimes[cell.Index] = stopwatch.Elapsed - cellStart;
                }
            }
            finally
            {
                Console.SetOut(previousOut);
                Environment.CurrentDirectory = previousDirectory;
            }
        }
        return new NotebookRun(notebook, outputs, cellsRun, stopwatch.Elapsed, cellTimes);
    }

    private ScriptState<object> RunCode(Notebook notebook, NotebookCell cell, string code, ScriptOptions options,
        ScriptState<object>? state, NotebookGlobals globals, CancellationToken cancellation, string? fromExtension)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(CellTimeout);
        try
        {
            // Synchronous wait inside the console lock: cells run strictly one after another, as in the kernel.
            var task = state is null
                ? CSharpScript.RunAsync(code, options, globals, typeof(NotebookGlobals), timeout.Token)
                : state.ContinueWithAsync(code, options, timeout.Token);
            if (!task.Wait(CellTimeout + TimeSpan.FromSeconds(5)))
                throw new NotebookCellException(notebook.Name, cell.Index, null, null, $"the cell ran longer than {CellTimeout}.", null);
            return task.Result;
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count == 1)
        {
            throw Failure(notebook, cell, code, aggregate.InnerException!, options.FilePath, fromExtension);
        }
        catch (Exception e) when (e is not NotebookCellException)
        {
            throw Failure(notebook, cell, code, e, options.FilePath, fromExtension);
        }
    }

    private static NotebookCellException Failure(Notebook notebook, NotebookCell cell, string code, Exception error, string filePath, string? fromExtension)
    {
        string[] lines = code.Split('\n');
        string where = fromExtension is null ? "" : $" (in package extension {fromExtension})";
        if (error is CompilationErrorException compile)
        {
            var first = compile.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) ?? compile.Diagnostics.First();
            int line = first.Location.GetLineSpan().StartLinePosition.Line;
            string message = $"compilation failed{where}: {first.Id}: {first.GetMessage()}";
            return new NotebookCellException(notebook.Name, cell.Index, line + 1, LineAt(lines, line), message, error);
        }
        if (error is OperationCanceledException)
            return new NotebookCellException(notebook.Name, cell.Index, null, null, $"the cell was cancelled or timed out{where}.", error);
        int? thrownAt = ThrowingLine(error, filePath);
        string thrown = $"{error.GetType().FullName} thrown{where}: {error.Message}";
        return new NotebookCellException(notebook.Name, cell.Index, thrownAt, thrownAt is { } l ? LineAt(lines, l - 1) : null, thrown, error);
    }

    // The innermost frame in the cell's own code: the line the notebook author wrote, not a library's.
    private static int? ThrowingLine(Exception error, string filePath)
    {
        var frames = new StackTrace(error, fNeedFileInfo: true).GetFrames();
        foreach (var frame in frames)
            if (frame.GetFileName() == filePath && frame.GetFileLineNumber() > 0)
                return frame.GetFileLineNumber();
        return null;
    }

    private static string? LineAt(string[] lines, int index) =>
        index >= 0 && index < lines.Length ? lines[index].TrimEnd('\r') : null;

    private static string CellPath(Notebook notebook, NotebookCell cell) => $"{notebook.Name}#cell{cell.Index}.csx";

    private static void Flush(StringWriter stdout, List<NotebookOutput> outputs, int cellIndex)
    {
        var text = stdout.ToString();
        if (text.Length == 0) return;
        outputs.Add(new NotebookOutput(cellIndex, "text/plain", text, "stdout", text));
        stdout.GetStringBuilder().Clear();
    }

    /// <summary>A package named by <c>#r "nuget: Id, Version"</c>.</summary>
    public sealed record PackageReference(string Id, string? Version, int Line);

    /// <summary>
    /// The cell's code with kernel directives blanked out (so line numbers still match the cell), and the packages
    /// it references.
    /// </summary>
    public static (string Code, IReadOnlyList<PackageReference> Packages) Preprocess(string source)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        var packages = new List<PackageReference>();
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (NugetReference().Match(line) is { Success: true } nuget)
            {
                string version = nuget.Groups["version"].Value.Trim();
                packages.Add(new PackageReference(nuget.Groups["id"].Value.Trim(), version.Length == 0 ? null : version, i + 1));
                lines[i] = "";
            }
            else if (line.StartsWith("#!", StringComparison.Ordinal) || line.StartsWith("#i ", StringComparison.Ordinal))
            {
                // Kernel selectors (#!csharp), magics (#!time, #!about) and package sources (#i "nuget: ...") mean nothing to the compiler.
                lines[i] = "";
            }
        }
        return (string.Join('\n', lines), packages);
    }

    private Assembly[] ResolvePackage(Notebook notebook, NotebookCell cell, PackageReference package)
    {
        if (!_packages.Contains(package.Id))
            throw new NotebookCellException(notebook.Name, cell.Index, package.Line, $"#r \"nuget: {package.Id}\"",
                $"package '{package.Id}' is not available to the notebook runner: the notebooks test project does not reference it. " +
                "Reference the project or package that provides it from tests/MLNet.LrSchedules.Notebooks.Tests.", null);
        // A notebook pinned to another version than the one built here would fail in the kernel, which restores exactly it.
        string built = _packages.VersionOf(package.Id)!;
        if (package.Version is { } wanted && IsExactVersion(wanted) && !string.Equals(wanted, built, StringComparison.OrdinalIgnoreCase))
            throw new NotebookCellException(notebook.Name, cell.Index, package.Line, $"#r \"nuget: {package.Id}, {wanted}\"",
                $"package '{package.Id}' is referenced at version {wanted}, but the repository builds {built}: update the notebook's #r line.", null);
        // The package and its dependencies, as NuGet restores them; framework assemblies are referenced already.
        return _packages.AssembliesOf(package.Id)
            .Select(name => Path.Combine(_assemblyDirectory, name + ".dll"))
            .Where(File.Exists)
            // Loaded through the default context so the script shares the test's copy of each assembly (one formatter registry).
            .Select(path => AssemblyLoadContext.Default.LoadFromAssemblyName(AssemblyName.GetAssemblyName(path)))
            .ToArray();
    }

    // Floating versions and ranges ("*", "1.*", "[1.0, 2.0)") accept whatever is built.
    private static bool IsExactVersion(string version) => version.IndexOfAny(['*', '[', '(', ',']) < 0;

    private static string ExtensionCode(string path)
    {
        // A .dib file: "#!csharp" starts a C# section; other sections (#!meta, #!fsharp...) are skipped.
        var code = new StringBuilder();
        bool inCSharp = false;
        foreach (var line in File.ReadAllLines(path))
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith("#!", StringComparison.Ordinal))
            {
                inCSharp = trimmed is "#!csharp" or "#!c#" or "#!cs";
                code.AppendLine();
                continue;
            }
            code.AppendLine(inCSharp ? line : "");
        }
        return code.ToString();
    }

    [GeneratedRegex("""^#r\s+"nuget:\s*(?<id>[^,"]+)(,(?<version>[^"]*))?"\s*$""")]
    private static partial Regex NugetReference();
}
