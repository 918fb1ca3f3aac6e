using System.IO.Compression;
using System.Xml.Linq;

namespace MLNet.LrSchedules.Packaging.Tests;

/// <summary>What each packed library declares and carries: dependencies, the native fix, and none of our build tools.</summary>
[TestClass]
public sealed class PackageContentsTests
{
    private static readonly string[] BuildTools = ["Publicizer", "Mono.Cecil", "MLNet.LrSchedules.NativeFix.Tasks"];

    [TestMethod]
    public void SchedulesDependOnNothing() =>
        Assert.IsEmpty(Dependencies("MLNet.LrSchedules"));

    [TestMethod]
    public void EngineBringsTorchSharpAndCarriesTheNativeFix()
    {
        var dependencies = Dependencies("MLNet.LrSchedules.Engine");
        CollectionAssert.IsSubsetOf(new[] { "MLNet.LrSchedules", "TorchSharp" }, dependencies.Keys.ToList());
        // The application picks its native backend (TorchSharp-cpu, -cuda-linux, -cuda-windows); the engine needs only the managed part.
        Assert.IsFalse(dependencies.Keys.Any(id => id.StartsWith("TorchSharp-", StringComparison.Ordinal) || id.StartsWith("libtorch", StringComparison.Ordinal)));

        var files = Files("MLNet.LrSchedules.Engine");
        // buildTransitive/<id>.targets: imported into every project that references the package, directly or not.
        CollectionAssert.Contains(files, "buildTransitive/MLNet.LrSchedules.Engine.targets");
        CollectionAssert.Contains(files, "tasks/netstandard2.0/MLNet.LrSchedules.NativeFix.Tasks.dll");
        string targets = Read("MLNet.LrSchedules.Engine", "buildTransitive/MLNet.LrSchedules.Engine.targets");
        StringAssert.Contains(targets, "$(MSBuildThisFileDirectory)', '..', 'tasks', 'netstandard2.0', 'MLNet.LrSchedules.NativeFix.Tasks.dll'");
        StringAssert.Contains(targets, "AfterTargets=\"CopyFilesToOutputDirectory\"");
        StringAssert.Contains(targets, "AfterTargets=\"CopyFilesToPublishDirectory\"");
    }

    [TestMethod]
    public void TrainersDependOnTheEngineAndMLNetOnly_NotOnTheirBuildTools()
    {
        var dependencies = Dependencies("MLNet.LrSchedules.Trainers");
        Assert.AreEqual(LocalFeed.Get().Version, dependencies["MLNet.LrSchedules.Engine"]);
        // Upper bound: the model format relies on ML.NET's internal save/load machinery.
        Assert.AreEqual("[5.0.1, 6.0.0)", dependencies["Microsoft.ML"]);
    }

    [TestMethod]
    public void PlottingAndInteractiveDependOnWhatTheyUse()
    {
        CollectionAssert.IsSubsetOf(new[] { "MLNet.LrSchedules", "ScottPlot" }, Dependencies("MLNet.LrSchedules.Plotting").Keys.ToList());
        CollectionAssert.IsSubsetOf(new[] { "MLNet.LrSchedules", "MLNet.LrSchedules.Plotting", "MLNet.LrSchedules.Engine", "Microsoft.DotNet.Interactive.Formatting" },
            Dependencies("MLNet.LrSchedules.Interactive").Keys.ToList());
        CollectionAssert.Contains(Files("MLNet.LrSchedules.Interactive"), "interactive-extensions/dotnet/extension.dib");
        CollectionAssert.Contains(Files("MLNet.LrSchedules.Plotting"), "licenses/DejaVuSans-LICENSE.txt");
    }

    [TestMethod]
    public void NoPackageDependsOnOrCarriesABuildToolOfOurs()
    {
        foreach (string id in Ids)
        {
            foreach (string dependency in Dependencies(id).Keys)
                Assert.IsFalse(BuildTools.Any(tool => dependency.StartsWith(tool, StringComparison.Ordinal)), $"{id} depends on the build tool {dependency}");
            // The native fix's task assembly is carried in tasks/, for MSBuild; none of our tools is a reference.
            var tools = Files(id).Where(f => f.StartsWith("lib/", StringComparison.Ordinal) && BuildTools.Any(tool => Path.GetFileName(f).StartsWith(tool, StringComparison.Ordinal))).ToList();
            Assert.IsEmpty(tools, $"{id} carries build tools as references: {string.Join(", ", tools)}");
            Assert.IsFalse(Files(id).Any(f => f.Contains("Publicizer", StringComparison.Ordinal) || f.Contains("Mono.Cecil", StringComparison.Ordinal)), $"{id} carries the Publicizer");
        }
    }

    private static readonly string[] Ids = ["MLNet.LrSchedules", "MLNet.LrSchedules.Engine", "MLNet.LrSchedules.Trainers", "MLNet.LrSchedules.Plotting", "MLNet.LrSchedules.Interactive"];

    // The nuspec's dependencies for net10.0: id → version range as written.
    private static Dictionary<string, string> Dependencies(string id)
    {
        var nuspec = XDocument.Parse(Read(id, id + ".nuspec"));
        XNamespace ns = nuspec.Root!.Name.Namespace;
        return nuspec.Descendants(ns + "dependency").ToDictionary(d => (string)d.Attribute("id")!, d => (string)d.Attribute("version")!);
    }

    private static List<string> Files(string id)
    {
        using var package = ZipFile.OpenRead(LocalFeed.Get().Package(id));
        return package.Entries.Select(e => e.FullName).ToList();
    }

    private static string Read(string id, string entry)
    {
        using var package = ZipFile.OpenRead(LocalFeed.Get().Package(id));
        using var reader = new StreamReader(package.GetEntry(entry)!.Open());
        return reader.ReadToEnd();
    }
}
