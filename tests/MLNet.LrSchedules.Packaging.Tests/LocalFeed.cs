using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace MLNet.LrSchedules.Packaging.Tests;

/// <summary>
/// The libraries packed once per test run into a temporary folder, which serves as a local package source
/// (<c>dotnet pack -o folder</c>, as README's "Use it in your app" does), and helpers to run the dotnet CLI.
/// </summary>
internal static class LocalFeed
{
    private static readonly Lazy<string> RootFolder = new(() => Directory.CreateTempSubdirectory("mlnet-lrschedules-packaging-").FullName);
    private static readonly Lazy<Feed> Packed = new(Pack, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string RepositoryRoot => Metadata("RepositoryRoot");

    public static string Configuration => Metadata("Configuration");

    /// <summary>The machine's package folder, filled by the repository's own restore.</summary>
    public static string NuGetPackageRoot => Metadata("NuGetPackageRoot");

    public static string TorchSharpVersion => Metadata("TorchSharpVersion");

    /// <summary>The packed folder and the version its packages carry; packs on first use.</summary>
    public static Feed Get() => Packed.Value;

    /// <summary>Deletes the temporary folder (feed, apps with their copies of libtorch, throwaway caches) if one was made.</summary>
    public static void Delete()
    {
        if (RootFolder.IsValueCreated && Directory.Exists(RootFolder.Value)) Directory.Delete(RootFolder.Value, recursive: true);
    }

    private static Feed Pack()
    {
        string root = RootFolder.Value;
        string folder = Path.Combine(root, "feed");
        // A version of their own: NuGet caches packages by id and version, so packages re-packed as 0.1.0 would never be
        // seen again by a machine that once restored 0.1.0 (README's own commands put it there).
        string version = $"0.1.0-pkgtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

        // A solution filter of the library projects: one `dotnet pack` packs them all, in parallel.
        string[] projects = Metadata("PackedProjects").Split(';', StringSplitOptions.RemoveEmptyEntries);
        string filter = Path.Combine(root, "libraries.slnf");
        var json = new StringBuilder();
        json.Append("{\"solution\":{\"path\":").Append(System.Text.Json.JsonSerializer.Serialize(Path.Combine(RepositoryRoot, "MLNet.LrSchedules.sln")));
        json.Append(",\"projects\":").Append(System.Text.Json.JsonSerializer.Serialize(projects.Select(p => Path.GetRelativePath(RepositoryRoot, p)))).Append("}}");
        File.WriteAllText(filter, json.ToString());

        var result = Dotnet(root, ["pack", filter, "-c", Configuration, "--no-build", "-o", folder, $"-p:Version={version}"]);
        result.AssertSucceeded("dotnet pack");
        return new Feed(root, folder, version, result.Elapsed);
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="directory"/>; never throws on a failed command.</summary>
    public static CommandResult Dotnet(string directory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        Run(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet", arguments, directory, environment);

    public static CommandResult Run(string program, IEnumerable<string> arguments, string directory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        // The test host runs inside `dotnet test`, whose MSBuild settings must not leak into the app's own build.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("MSBUILD", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{program} {string.Join(' ', start.ArgumentList)}' in {directory} did not finish within 5 minutes. Output so far:\n{output}");
        }
        return new CommandResult($"{Path.GetFileName(program)} {string.Join(' ', start.ArgumentList)}", process.ExitCode, output + error.Result, clock.Elapsed);
    }

    private static string Metadata(string key) =>
        typeof(LocalFeed).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"The test assembly has no '{key}' metadata.");

    /// <summary>The packed packages.</summary>
    /// <param name="Root">The temporary folder that holds the feed and the apps.</param>
    /// <param name="Folder">The local package source.</param>
    /// <param name="Version">The version of every package in it.</param>
    /// <param name="PackTime">How long `dotnet pack` took.</param>
    public sealed record Feed(string Root, string Folder, string Version, TimeSpan PackTime)
    {
        public string Package(string id) => Path.Combine(Folder, $"{id}.{Version}.nupkg");
    }
}

/// <summary>A finished command: its exit code, its output (stdout, then stderr) and how long it ran.</summary>
internal sealed record CommandResult(string Command, int ExitCode, string Output, TimeSpan Elapsed)
{
    public void AssertSucceeded(string what) =>
        Assert.AreEqual(0, ExitCode, $"{what} failed ({Command}, exit code {ExitCode}):\n{Output}");
}
