using System.Text.Json;

namespace MLNet.LrSchedules.Notebooks.Tests;

/// <summary>
/// The packages and projects the test assembly was built with, read from its .deps.json: for each, its runtime
/// assemblies and the packages it depends on, so <c>#r "nuget: Id"</c> brings what NuGet would bring.
/// </summary>
public sealed class PackageGraph
{
    private readonly Dictionary<string, (string Version, string[] Assemblies, string[] Dependencies)> _packages;

    private PackageGraph(Dictionary<string, (string, string[], string[])> packages) => _packages = packages;

    /// <summary>Reads <paramref name="depsJsonPath"/>.</summary>
    public static PackageGraph Load(string depsJsonPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(depsJsonPath));
        var packages = new Dictionary<string, (string, string[], string[])>(StringComparer.OrdinalIgnoreCase);
        var targets = document.RootElement.GetProperty("targets");
        foreach (var target in targets.EnumerateObject().Take(1))
            foreach (var library in target.Value.EnumerateObject())
            {
                int slash = library.Name.IndexOf('/');
                string id = library.Name[..slash];
                string[] assemblies = library.Value.TryGetProperty("runtime", out var runtime)
                    ? runtime.EnumerateObject().Select(a => Path.GetFileNameWithoutExtension(a.Name)).ToArray()
                    : [];
                string[] dependencies = library.Value.TryGetProperty("dependencies", out var deps)
                    ? deps.EnumerateObject().Select(d => d.Name).ToArray()
                    : [];
                packages[id] = (library.Name[(slash + 1)..], assemblies, dependencies);
            }
        return new PackageGraph(packages);
    }

    /// <summary>True when the test assembly was built with package or project <paramref name="id"/>.</summary>
    public bool Contains(string id) => _packages.ContainsKey(id);

    /// <summary>The version of <paramref name="id"/> the test assembly was built with, or null when it was not.</summary>
    public string? VersionOf(string id) => _packages.TryGetValue(id, out var package) ? package.Version : null;

    /// <summary>The names of the runtime assemblies of <paramref name="id"/> and of everything it depends on.</summary>
    public IReadOnlyList<string> AssembliesOf(string id)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var assemblies = new List<string>();
        var pending = new Stack<string>([id]);
        while (pending.TryPop(out var next))
        {
            if (!seen.Add(next) || !_packages.TryGetValue(next, out var package)) continue;
            assemblies.AddRange(package.Assemblies);
            foreach (var dependency in package.Dependencies) pending.Push(dependency);
        }
        return assemblies;
    }
}
