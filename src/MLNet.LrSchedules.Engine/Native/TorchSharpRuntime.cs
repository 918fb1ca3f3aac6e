using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using MLNet.LrSchedules.Native;
using TorchSharp;

namespace MLNet.LrSchedules.Trainers.Native;

/// <summary>
/// Makes TorchSharp's native library load on Linux systems whose libstdc++ is older than the one it was built
/// against, then initialises TorchSharp. The trainers call it before their first use of <c>torch</c>; call it yourself
/// before any other TorchSharp use in a host whose build did not patch the library (docs/TORCHSHARP_NATIVE.md).
/// </summary>
/// <remarks>
/// <para>TorchSharp 0.107's libLibTorchSharp.so requires GLIBCXX_3.4.32 for one unused marker symbol, so the loader
/// refuses it where libstdc++ stops earlier (Debian 12: 3.4.30). Applications built with the MLNet.LrSchedules.Engine
/// package (and this repository's own projects) get a patched copy in their output at build and publish time; this
/// covers every other host, notebooks included.</para>
/// <para>No file is modified: when the library TorchSharp would load still has the strong requirement, a patched copy is
/// written to a per-user cache folder, <c>$XDG_CACHE_HOME/MLNet.LrSchedules/torchsharp-native/&lt;SHA-256 of the
/// original&gt;/</c> (<c>~/.cache</c> without XDG_CACHE_HOME; the environment variable <c>LRSCHED_NATIVE_CACHE</c> names
/// another folder), checked byte for byte against the original before each use, and loaded from there. TorchSharp then
/// finds it through public means only: a DllImport resolver answers its P/Invokes, and its start-up probing
/// (<c>NativeLibrary.TryLoad("LibTorchSharp", assembly)</c>, which skips resolvers) ends with a bare-name load that the
/// dynamic linker answers with the already-loaded library of the same SONAME. Nothing happens on other systems or when
/// libstdc++ is recent enough.</para>
/// </remarks>
public static class TorchSharpRuntime
{
    /// <summary>The environment variable that names the folder for patched copies, instead of the per-user cache.</summary>
    internal const string NativeCacheVariable = "LRSCHED_NATIVE_CACHE";

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

    /// <summary>The patched copy of libLibTorchSharp.so this process loaded from the cache folder; null when none was needed.</summary>
    internal static string? PatchedLibraryPath { get; private set; }

    /// <summary>The backend an external loader (<see cref="PyTorchBackend"/>) provided; null for TorchSharp's own packages.</summary>
    internal static string? ExternalBackend { get; private set; }

    /// <summary>
    /// Makes TorchSharp's native library loadable when this system needs it and initialises TorchSharp's CPU backend.
    /// Thread-safe; later calls return at once.
    /// </summary>
    /// <exception cref="InvalidOperationException">TorchSharp already failed to load its native library in this process (it was used before this call, from an output the build did not patch), or cannot load it at all.</exception>
    /// <exception cref="NotSupportedException">TorchSharp's native backend cannot be loaded (for example, no TorchSharp-cpu or -cuda package is referenced).</exception>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded) return;
            // Before anything loads libtorch's libgomp, which reads its settings once.
            OpenMpEnvironment.Prepare();
            if (ExternalBackend is null && ElfVersionPatcher.SystemNeedsTorchSharpPatch())
                MakeLoadable();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (TypeInitializationException exception) when (exception.TypeName == typeof(torch).FullName)
            {
                // TorchSharp's type initializer runs once per process; once it failed, every later use fails the same way.
                throw new InvalidOperationException(
                    "TorchSharp failed to initialise earlier in this process, before MLNet.LrSchedules could make its native library loadable: "
                    + (exception.InnerException?.Message.Split('\n')[0] ?? exception.Message)
                    + $" On Linux systems whose libstdc++ lacks {ElfVersionPatcher.TorchSharpMissingVersion} (Debian 12, Ubuntu 22.04) the application's copy of "
                    + $"{ElfVersionPatcher.TorchSharpLibraryFileName} must be patched: build it with the MLNet.LrSchedules.Engine package's build targets "
                    + "(on unless DisableTorchSharpNativeFix is true), or call TorchSharpRuntime.EnsureLoaded() before any other TorchSharp use (torch.set_num_threads, torch.manual_seed, ...).",
                    exception);
            }
            // libtorch's own default (its physical cores), or what torch.set_num_threads set before this first load.
            DefaultThreads = torch.get_num_threads();
            _loaded = true;
        }
    }

    /// <summary>libtorch's intra-op thread count on the thread that first loaded it through <see cref="EnsureLoaded"/>; the cap of the trainers' default (docs/THREADS.md).</summary>
    internal static int DefaultThreads { get; private set; } = 1;

    private static void MakeLoadable()
    {
        // Already in the process (TorchSharp was used first and loaded it): nothing to make loadable.
        if (MappedTorchSharpLibrary() is not null) return;
        var libraries = CandidateLibraries().ToList();
        // The runtime tries each candidate in turn; one that loads as it is ends the search.
        if (libraries.Count == 0 || libraries.Any(library => FindRequirement(library) is not { IsWeak: false })) return;
        LoadPatchedCopy(libraries[0]);
    }

    /// <summary>
    /// Hands TorchSharp libraries that are already loaded (keys are TorchSharp's names: LibTorchSharp, torch_cpu, torch_cuda, …),
    /// so that its P/Invokes bind to them. Must run before <see cref="EnsureLoaded"/>.
    /// </summary>
    /// <remarks>TorchSharp's own start-up probing still runs; it finds these libraries again by file or by SONAME, provided no
    /// other libtorch lies in the application's folders (PyTorchBackend refuses to load when one does).</remarks>
    internal static void UseExternalBackend(IReadOnlyDictionary<string, IntPtr> libraries, string description)
    {
        lock (Gate)
        {
            if (_loaded)
                throw new InvalidOperationException("TorchSharp's native backend is already initialised; an external backend must be loaded before the first TorchSharp use.");
            lock (Preloaded)
                foreach (var (name, handle) in libraries) Preloaded[LibraryKey(name)] = handle;
            InstallResolver();
            ExternalBackend = description;
        }
    }

    /// <summary>The path of a libLibTorchSharp.so that loads on this system: <paramref name="library"/> itself, or a patched copy in the cache folder.</summary>
    internal static string LoadablePath(string library)
    {
        if (!ElfVersionPatcher.SystemNeedsTorchSharpPatch()) return library;
        return FindRequirement(library) is { IsWeak: false } ? PatchedCopy(library) : library;
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

    /// <summary>
    /// The folder that holds patched copies: <see cref="NativeCacheVariable"/> when set, else
    /// <c>$XDG_CACHE_HOME/MLNet.LrSchedules/torchsharp-native</c> (<c>~/.cache/...</c> without XDG_CACHE_HOME).
    /// </summary>
    internal static string CacheDirectory() => CacheDirectory(
        Environment.GetEnvironmentVariable(NativeCacheVariable), Environment.GetEnvironmentVariable("XDG_CACHE_HOME"),
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), Path.GetTempPath(), Environment.UserName);

    /// <summary>The rule of <see cref="CacheDirectory()"/>, given the environment's values.</summary>
    internal static string CacheDirectory(string? configured, string? xdgCacheHome, string? home, string temp, string user)
    {
        if (!string.IsNullOrEmpty(configured)) return Path.GetFullPath(configured);
        // XDG: a relative XDG_CACHE_HOME is invalid and ignored. Without a home, a per-user folder under the temp directory.
        string root = !string.IsNullOrEmpty(xdgCacheHome) && Path.IsPathRooted(xdgCacheHome) ? xdgCacheHome
            : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache")
            : Path.Combine(temp, "MLNet.LrSchedules-" + user);
        return Path.Combine(root, "MLNet.LrSchedules", "torchsharp-native");
    }

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
        var directories = new List<string>(NativeSearchDirectories())
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"),
        };
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

    /// <summary>
    /// A patched copy of <paramref name="library"/> in <see cref="CacheDirectory()"/>, under the original's SHA-256; written
    /// once (a temporary file renamed into place, so concurrent processes never see half a file) and compared byte for
    /// byte with the patched original before every use, so a damaged or altered copy is replaced, never loaded.
    /// </summary>
    internal static string PatchedCopy(string library) => PatchedCopy(library, CacheDirectory());

    /// <summary><see cref="PatchedCopy(string)"/> in the cache folder <paramref name="cacheDirectory"/>.</summary>
    internal static string PatchedCopy(string library, string cacheDirectory)
    {
        if (!OperatingSystem.IsLinux()) return library;
        byte[] expected = File.ReadAllBytes(library);
        string key = Convert.ToHexStringLower(SHA256.HashData(expected));
        if (ElfVersionPatcher.MarkVersionWeak(expected, library, ElfVersionPatcher.TorchSharpMissingVersion) != ElfPatchOutcome.Patched)
            return library;

        string directory = Path.Combine(cacheDirectory, key);
        string patched = Path.Combine(directory, ElfVersionPatcher.TorchSharpLibraryFileName);
        if (File.Exists(patched) && File.ReadAllBytes(patched).AsSpan().SequenceEqual(expected)) return patched;

        try
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string temp = patched + "." + Guid.NewGuid().ToString("N") + ".tmp";
            try
            {
                File.WriteAllBytes(temp, expected);
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                File.Move(temp, patched, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"TorchSharp's {ElfVersionPatcher.TorchSharpLibraryFileName} ({library}) needs {ElfVersionPatcher.TorchSharpMissingVersion}, which this system's libstdc++ lacks, "
                + $"and its patched copy could not be written to {directory}: {exception.Message} Set {NativeCacheVariable} to a writable folder, "
                + "or build the application with the MLNet.LrSchedules.Engine package's build targets, which patch the copy in the output.",
                exception);
        }
        return patched;
    }

    private static void LoadPatchedCopy(string library)
    {
        string patched = PatchedCopy(library);

        // The copy's $ORIGIN runpath does not reach libtorch: load its dependencies first, from beside the original when
        // they are there, else the way TorchSharp finds them, so the dynamic linker matches them by soname.
        string originalDirectory = Path.GetDirectoryName(library)!;
        Assembly torchSharp = typeof(torch).Assembly;
        foreach (var (file, name) in new[] { ("libc10.so", "c10"), ("libtorch_cpu.so", "torch_cpu"), ("libtorch.so", "torch") })
        {
            string beside = Path.Combine(originalDirectory, file);
            if (!(File.Exists(beside) && NativeLibrary.TryLoad(beside, out _)))
                NativeLibrary.TryLoad(name, torchSharp, null, out _);
        }
        IntPtr handle;
        try
        {
            handle = NativeLibrary.Load(patched);
        }
        catch (DllNotFoundException exception)
        {
            throw new InvalidOperationException(
                $"The patched copy {patched} of {library} did not load: {exception.Message} Its dependencies (libtorch.so, libc10.so, libtorch_cpu.so) must be "
                + "beside the original or in the application's folders: reference TorchSharp-cpu or a TorchSharp-cuda package.", exception);
        }
        lock (Preloaded) Preloaded[LibraryName] = handle;
        PatchedLibraryPath = patched;
        InstallResolver();
    }

    // The libLibTorchSharp.so this process has mapped, from /proc/self/maps; null when none is loaded yet.
    private static string? MappedTorchSharpLibrary()
    {
        const string Maps = "/proc/self/maps";
        if (!File.Exists(Maps)) return null;
        string suffix = "/" + ElfVersionPatcher.TorchSharpLibraryFileName;
        foreach (string line in File.ReadLines(Maps))
        {
            int slash = line.IndexOf('/');
            if (slash >= 0 && line.EndsWith(suffix, StringComparison.Ordinal)) return line[slash..];
        }
        return null;
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
            // Someone else owns TorchSharp's resolver; the load-context fallback and the SONAME match still answer.
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
