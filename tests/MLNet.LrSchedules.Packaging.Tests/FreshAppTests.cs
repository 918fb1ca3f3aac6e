using System.Security.Cryptography;
using System.Text.RegularExpressions;
using MLNet.LrSchedules.Native;

namespace MLNet.LrSchedules.Packaging.Tests;

/// <summary>
/// README's "Use it in your app", done for real: a console app created in a temporary folder outside the repository,
/// with its own nuget.config, references the packed MLNet.LrSchedules.Trainers and TorchSharp-cpu, builds, and runs
/// README's Program.cs, whose first TorchSharp use is <c>torch.set_num_threads(1)</c>: it trains, saves, loads and
/// predicts. Then the same app, with TorchSharp's original library back in its output, loads the saved model in a fresh
/// process through the run-time fix.
/// </summary>
/// <remarks>The slowest test of the suite (about 20 s on 2 cores): pack, restore, build, publish and two runs.</remarks>
[TestClass]
public sealed class FreshAppTests
{
    public TestContext TestContext { get; set; } = null!;

    private static string NativeRelativePath => Path.Combine("runtimes", "linux-x64", "native", ElfVersionPatcher.TorchSharpLibraryFileName);

    [TestMethod]
    [OSCondition(OperatingSystems.Linux)]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void AFreshAppOutsideTheRepositoryTrainsSavesAndLoadsWithThePackages()
    {
        var feed = LocalFeed.Get();
        TestContext.WriteLine($"dotnet pack of the libraries: {feed.PackTime.TotalSeconds:F1} s");
        string app = Path.Combine(feed.Root, "app-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(app);
        string packageCache = Path.Combine(feed.Root, "packages");
        string nativeCache = Path.Combine(feed.Root, "native-cache");
        string cachedOriginal = Path.Combine(LocalFeed.NuGetPackageRoot, "torchsharp", LocalFeed.TorchSharpVersion, NativeRelativePath);
        byte[] cachedOriginalHash = SHA256.HashData(File.ReadAllBytes(cachedOriginal));

        // The package sources: the local folder, added to the machine's default source (no <clear/>). The global packages
        // folder is a throwaway one, so the test leaves nothing in the machine's; the machine's folder serves as a read-only
        // fallback, so that what the repository already restored (ML.NET, TorchSharp, libtorch) is not downloaded again.
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="mlnet-lrschedules-local" value="{feed.Folder}" />
              </packageSources>
              <config>
                <add key="globalPackagesFolder" value="{packageCache}" />
              </config>
              <fallbackPackageFolders>
                <add key="machine" value="{LocalFeed.NuGetPackageRoot}" />
              </fallbackPackageFolders>
            </configuration>
            """);

        Step(app, "dotnet new", ["new", "console", "--name", "LrSchedApp", "--output", ".", "--no-restore"]);
        Step(app, "dotnet add package (ours)", ["add", "package", "MLNet.LrSchedules.Trainers", "--version", feed.Version, "--no-restore"]);
        Step(app, "dotnet add package (backend)", ["add", "package", "TorchSharp-cpu", "--version", LocalFeed.TorchSharpVersion]);
        File.WriteAllText(Path.Combine(app, "Program.cs"), ReadmeProgram());
        File.Copy(Path.Combine(AppContext.BaseDirectory, "FreshApp", "wine.csv"), Path.Combine(app, "wine.csv"));

        var build = Step(app, "dotnet build", ["build", "-c", "Release", "--no-restore"]);
        string output = Path.Combine(app, "bin", "Release", "net10.0");
        string library = Path.Combine(output, NativeRelativePath);
        bool systemNeedsPatch = ElfVersionPatcher.SystemNeedsTorchSharpPatch();
        if (systemNeedsPatch)
            StringAssert.Contains(build.Output, $"TorchSharp native fix: marked {ElfVersionPatcher.TorchSharpMissingVersion} weak in {library}");
        Assert.AreEqual(systemNeedsPatch, IsWeak(library), "the build patched the app's own copy exactly when this system needs it");

        // No build tool of ours in the app's output.
        var files = Directory.GetFiles(output, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        CollectionAssert.DoesNotContain(files, "Publicizer.dll");
        Assert.IsFalse(files.Any(f => f!.StartsWith("Publicizer", StringComparison.Ordinal) || f.StartsWith("Mono.Cecil", StringComparison.Ordinal) || f.StartsWith("MLNet.LrSchedules.NativeFix", StringComparison.Ordinal)),
            "build tools in the app's output: " + string.Join(", ", files.Where(f => f!.StartsWith("Publicizer") || f.StartsWith("Mono.Cecil") || f.StartsWith("MLNet.LrSchedules.NativeFix"))));

        var environment = new Dictionary<string, string> { ["LRSCHED_NATIVE_CACHE"] = nativeCache };
        var trained = Step(app, "run (train, save, load)", [Path.Combine(output, "LrSchedApp.dll")], environment);
        StringAssert.Contains(trained.Output, "TorchSharp threads: 1");
        double accuracy = double.Parse(Regex.Match(trained.Output, @"accuracy: ([0-9.]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsGreaterThanOrEqualTo(0.9, accuracy, trained.Output);
        StringAssert.Contains(trained.Output, "saved and loaded, same predictions: True");
        string predictions = Regex.Match(trained.Output, "^predictions: (.+)$", RegexOptions.Multiline).Groups[1].Value.Trim();
        Assert.IsGreaterThan(20, predictions.Split(',').Length, "one prediction per test row");
        // TorchSharp found the library at its first try: it did not fall back to gathering the package folders' libraries.
        Assert.IsFalse(Directory.Exists(Path.Combine(output, "cpu")));
        Assert.IsFalse(Directory.Exists(nativeCache), "the build's patch sufficed: no patched copy was needed at run time");

        var publish = Step(app, "dotnet publish", ["publish", "-c", "Release", "--no-build", "-o", "publish"]);
        Assert.AreEqual(systemNeedsPatch, IsWeak(Path.Combine(app, "publish", NativeRelativePath)), "publish patched its own copy too");

        // The run-time fix: TorchSharp's original library back in the output, as a build without the fix
        // (-p:DisableTorchSharpNativeFix=true) leaves it, and a fresh process whose first TorchSharp use is the model's.
        File.Copy(cachedOriginal, library, overwrite: true);
        byte[] outputHash = SHA256.HashData(File.ReadAllBytes(library));
        var loaded = Step(app, "run (load in a fresh process)", [Path.Combine(output, "LrSchedApp.dll"), "--load", "model.zip"], environment);
        Assert.AreEqual(predictions, Regex.Match(loaded.Output, "^predictions: (.+)$", RegexOptions.Multiline).Groups[1].Value.Trim(), "the model loaded in a fresh process predicts the same");
        Assert.IsFalse(Directory.Exists(Path.Combine(output, "cpu")));
        if (systemNeedsPatch)
        {
            // The only copies TorchSharp can find still need GLIBCXX_3.4.32: it ran on the patched copy, kept under the original's hash.
            string patched = Path.Combine(nativeCache, Convert.ToHexStringLower(outputHash), ElfVersionPatcher.TorchSharpLibraryFileName);
            Assert.IsTrue(File.Exists(patched) && IsWeak(patched), $"no patched copy at {patched}");
        }
        CollectionAssert.AreEqual(outputHash, SHA256.HashData(File.ReadAllBytes(library)), "the run-time fix modified the app's output");
        CollectionAssert.AreEqual(cachedOriginalHash, SHA256.HashData(File.ReadAllBytes(cachedOriginal)), "the shared package cache was modified");
        Assert.IsFalse(IsWeak(cachedOriginal), "the shared package cache holds TorchSharp's original library");
        Assert.IsFalse(Directory.Exists(Path.Combine(packageCache, "torchsharp")), "TorchSharp came from the machine's package folder, read-only");
    }

    [TestMethod]
    public void ReadmeNamesTheCommandsThisTestRuns()
    {
        string readme = File.ReadAllText(Path.Combine(LocalFeed.RepositoryRoot, "README.md"));
        StringAssert.Contains(readme, "dotnet pack MLNet.LrSchedules.sln -c Release -o ~/lrsched-packages");
        StringAssert.Contains(readme, "dotnet new console\n");
        StringAssert.Contains(readme, "dotnet add package MLNet.LrSchedules.Trainers\n");
        StringAssert.Contains(readme, $"dotnet add package TorchSharp-cpu --version {LocalFeed.TorchSharpVersion}\n");
        StringAssert.Contains(ReadmeProgram(), "torch.set_num_threads(1);");
    }

    // The C# block of README's "Use it in your app": the app's whole Program.cs.
    private static string ReadmeProgram()
    {
        string readme = File.ReadAllText(Path.Combine(LocalFeed.RepositoryRoot, "README.md"));
        int section = readme.IndexOf("## Use it in your app", StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, section, "README has a 'Use it in your app' section");
        int start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        int end = readme.IndexOf("```\n", start, StringComparison.Ordinal);
        return readme[start..end];
    }

    private CommandResult Step(string directory, string what, string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = LocalFeed.Dotnet(directory, arguments, environment);
        TestContext.WriteLine($"$ {result.Command}   ({result.Elapsed.TotalSeconds:F1} s)");
        TestContext.WriteLine(result.Output.TrimEnd());
        result.AssertSucceeded(what);
        return result;
    }

    private static bool IsWeak(string library) =>
        ElfVersionPatcher.ReadVersionRequirements(library).Single(r => r.Version == ElfVersionPatcher.TorchSharpMissingVersion).IsWeak;
}
