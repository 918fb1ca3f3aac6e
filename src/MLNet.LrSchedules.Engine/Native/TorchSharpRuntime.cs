using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using MLNet.LrSchedules.Native;
using TorchSharp;

namespace MLNet.LrSchedules.Trainers.Native;

/// <summary>
/// Makes TorchSharp's native library load on Linux systems whose libstdc++ is older than the one it was built
/// against, then initialises TorchSharp. Call before the first use of <c>torch</c>; the trainers do.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's libLibTorchSharp.so requires GLIBCXX_3.4.32 for one unused marker symbol, so the loader refuses
/// it where libstdc++ stops earlier (Debian 12: 3.4.30). Builds of this repository patch the copy in the output
/// (build/TorchSharpNativeFix.targets); this covers every other host, notebooks included: it marks the requirement weak
/// in the copy TorchSharp would load, or, when that copy cannot be written, in a copy under the temp directory that
/// it loads first and hands to TorchSharp. Nothing happens on other systems or when libstdc++ is recent enough.
/// </remarks>
public static class TorchSharpRuntime
{
    private const string LibraryName = "LibTorchSharp";
    private static readonly Lock Gate = new();
    private static bool _loaded;
    private static bool _resolverInstalled;
    // TorchSharp's library names (as it asks for them) → handles loaded by this class or by PyTorchBackend.
    private static readonly Dictionary<string, IntPtr> Preloaded = new(StringComparer.Ordinal);

    /// <summary>True once TorchSharp's native backend has been initialised through <see cref="EnsureLoaded"/>.</summary>
    public static bool IsLoaded
    {
        get { lock (Gate) return _loaded; }
    }

    /// <summary>The backend an external loader (<see cref="PyTorchBackend"/>) provided; null for TorchSharp's own packages.</summary>
    internal static string? ExternalBackend { get; private set; }

    /// <summary>
    /// Applies the native fix when this system needs it and initialises TorchSharp's CPU backend. Thread-safe;
    /// later calls return at once.
    /// </summary>
    /// <exception cref="NotSupportedException">TorchSharp's native backend cannot be loaded (for example, no TorchSharp-cpu or -cuda package is referenced).</exception>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded) return;
            if (ExternalBackend is null && ElfVersionPatcher.SystemNeedsTorchSharpPatch())
                MakeLoadable();
            torch.InitializeDeviceType(DeviceType.CPU);
            _loaded = true;
        }
    }

    private static void MakeLoadable()
    {
        foreach (string library in CandidateLibraries())
        {
            ElfVersionRequirement? requirement = FindRequirement(library);
            if (requirement is null || requirement.Value.IsWeak) continue;
            try
            {
                ElfVersionPatcher.MarkVersionWeak(library, ElfVersionPatcher.TorchSharpMissingVersion);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // A read-only install (a shared package cache, a container layer): load a patched copy instead.
                LoadPatchedCopy(library);
                return;
            }
        }
    }

    /// <summary>
    /// Hands TorchSharp libraries that are already loaded (keys are TorchSharp's names: LibTorchSharp, torch_cpu, torch_cuda, …),
    /// so that it uses them instead of probing its own folders. Must run before <see cref="EnsureLoaded"/>.
    /// </summary>
    /// <returns>True when TorchSharp's own probing is switched off; false when this TorchSharp version has no such switch
    /// (it then probes by name first, and may load a libtorch the application ships beside the one given here).</returns>
    internal static bool UseExternalBackend(IReadOnlyDictionary<string, IntPtr> libraries, string description)
    {
        lock (Gate)
        {
            if (_loaded)
                throw new InvalidOperationException("TorchSharp's native backend is already initialised; an external backend must be loaded before the first TorchSharp use.");
            lock (Preloaded)
                foreach (var (name, handle) in libraries) Preloaded[LibraryKey(name)] = handle;
            InstallResolver();
            ExternalBackend = description;
            return MarkBackendLoaded();
        }
    }

    // TorchSharp's LoadNativeBackend probes "torch_cpu", "torch_cuda" and "LibTorchSharp" with NativeLibrary.TryLoad(name, assembly),
    // which searches the application's folders without asking the import resolver. Its type initializer probes once (PyTorchBackend
    // makes sure no other libtorch is there to be found); its private flags nativeBackendLoaded / nativeBackendCudaLoaded
    // (TorchSharp 0.10x) then say the backend is in place, so that later CUDA initialisation probes nothing either, and every
    // P/Invoke goes through the resolver to the libraries given here.
    private static bool MarkBackendLoaded()
    {
        const BindingFlags flags = BindingFlags.Static | BindingFlags.NonPublic;
        var cpu = typeof(torch).GetField("nativeBackendLoaded", flags);
        var cuda = typeof(torch).GetField("nativeBackendCudaLoaded", flags);
        if (cpu?.FieldType != typeof(bool) || cuda?.FieldType != typeof(bool)) return false;
        cpu.SetValue(null, true);
        cuda.SetValue(null, true);
        return true;
    }

    /// <summary>The path of a libLibTorchSharp.so that loads on this system: <paramref name="library"/> itself, or a patched copy under the temp directory.</summary>
    /// <remarks>Patched in place when writable: TorchSharp's own start-up probing opens this very file by name, and gets the
    /// already-loaded library only when it is the same file.</remarks>
    internal static string LoadablePath(string library)
    {
        if (!ElfVersionPatcher.SystemNeedsTorchSharpPatch()) return library;
        if (FindRequirement(library) is not { IsWeak: false }) return library;
        try
        {
            ElfVersionPatcher.MarkVersionWeak(library, ElfVersionPatcher.TorchSharpMissingVersion);
            return library;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return PatchedCopy(library);
        }
    }

    /// <summary>The application's native search folders, in the runtime's probing order (where NativeLibrary.TryLoad by name looks).</summary>
    internal static IReadOnlyList<string> NativeSearchDirectories()
    {
        var directories = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirectories)
            directories.AddRange(searchDirectories.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        directories.Add(AppContext.BaseDirectory);
        return directories.Select(d => Path.GetFullPath(d)).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>TorchSharp's native library in the places the runtime and TorchSharp look, in their order.</summary>
    internal static IEnumerable<string> TorchSharpLibraries() => CandidateLibraries();

    private static ElfVersionRequirement? FindRequirement(string library)
    {
        foreach (var requirement in ElfVersionPatcher.ReadVersionRequirements(library))
            if (requirement.Version == ElfVersionPatcher.TorchSharpMissingVersion) return requirement;
        return null;
    }

    // Where the runtime and TorchSharp look, in their order: the host's native search directories (deps.json,
    // notebooks' package folders), the application's folder, then the TorchSharp package's own layout.
    private static IEnumerable<string> CandidateLibraries()
    {
        string rid = "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var directories = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirectories)
            directories.AddRange(searchDirectories.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        directories.Add(AppContext.BaseDirectory);
        directories.Add(Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"));
        string? torchSharpDirectory = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchSharpDirectory))
        {
            directories.Add(Path.Combine(torchSharpDirectory, "runtimes", rid, "native"));
            directories.Add(Path.Combine(torchSharpDirectory, "..", "..", "runtimes", rid, "native"));
            directories.Add(Path.Combine(torchSharpDirectory, "cpu"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string directory in directories)
        {
            string path = Path.GetFullPath(Path.Combine(directory, ElfVersionPatcher.TorchSharpLibraryFileName));
            if (seen.Add(path) && File.Exists(path)) yield return path;
        }
    }

    private static string PatchedCopy(string library)
    {
        byte[] content = File.ReadAllBytes(library);
        string key = Convert.ToHexString(SHA256.HashData(content))[..16].ToLowerInvariant();
        string directory = Path.Combine(Path.GetTempPath(), "MLNet.LrSchedules", "torchsharp-native", key);
        string patched = Path.Combine(directory, ElfVersionPatcher.TorchSharpLibraryFileName);
        if (!File.Exists(patched) || FindRequirement(patched) is not { IsWeak: true })
        {
            Directory.CreateDirectory(directory);
            string temp = patched + "." + Guid.NewGuid().ToString("N") + ".tmp";
            try
            {
                File.WriteAllBytes(temp, content);
                ElfVersionPatcher.MarkVersionWeak(temp, ElfVersionPatcher.TorchSharpMissingVersion);
                File.Move(temp, patched, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
        return patched;
    }

    private static void LoadPatchedCopy(string library)
    {
        string patched = PatchedCopy(library);

        // The copy's $ORIGIN runpath no longer reaches libtorch: load its dependencies first, from beside the
        // original when they are there, else the way TorchSharp finds them, so the loader matches them by soname.
        string originalDirectory = Path.GetDirectoryName(library)!;
        Assembly torchSharp = typeof(torch).Assembly;
        foreach (var (file, name) in new[] { ("libc10.so", "c10"), ("libtorch_cpu.so", "torch_cpu"), ("libtorch.so", "torch") })
        {
            string beside = Path.Combine(originalDirectory, file);
            if (!(File.Exists(beside) && NativeLibrary.TryLoad(beside, out _)))
                NativeLibrary.TryLoad(name, torchSharp, null, out _);
        }
        IntPtr handle = NativeLibrary.Load(patched);
        lock (Preloaded) Preloaded[LibraryName] = handle;
        InstallResolver();
    }

    // One resolver for both users (an assembly takes one resolver only): the patched copy, or PyTorchBackend's libraries.
    private static void InstallResolver()
    {
        if (_resolverInstalled) return;
        _resolverInstalled = true;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // Someone else owns TorchSharp's resolver; the load-context fallback below still answers once probing fails.
        }
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += (assembly, name) => Resolve(name, assembly, null);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (assembly != typeof(torch).Assembly) return IntPtr.Zero;
        lock (Preloaded)
            return Preloaded.TryGetValue(LibraryKey(name), out IntPtr handle) ? handle : IntPtr.Zero;
    }

    // "libtorch_cuda.so", "libtorch_cuda" and "torch_cuda" are the same library to the runtime's probing.
    private static string LibraryKey(string name)
    {
        string key = Path.GetFileName(name);
        if (key.EndsWith(".so", StringComparison.Ordinal)) key = key[..^3];
        if (key.StartsWith("lib", StringComparison.Ordinal)) key = key[3..];
        return key;
    }
}
