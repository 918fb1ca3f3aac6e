using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;

namespace MLNet.LrSchedules.Trainers.Native;

/// <summary>A PyTorch installation found on this machine: its package folder, its native library folder and its versions.</summary>
/// <param name="TorchDirectory">The <c>torch</c> package folder (holds <c>__init__.py</c> and <c>version.py</c>).</param>
/// <param name="LibraryDirectory">The folder of its native libraries, <c>torch/lib</c>.</param>
/// <param name="TorchVersion"><c>torch.__version__</c>, for example "2.10.0+cu128"; null when unknown.</param>
/// <param name="CudaVersion"><c>torch.version.cuda</c>, for example "12.8"; null for a CPU-only build.</param>
public sealed record PyTorchInstallation(string TorchDirectory, string LibraryDirectory, string? TorchVersion, string? CudaVersion);

/// <summary>Why <see cref="PyTorchBackend"/> could not provide a backend.</summary>
public enum BackendProblem
{
    /// <summary>Nothing is wrong; the backend is loaded.</summary>
    None,
    /// <summary>The process is not a 64-bit Linux process.</summary>
    NotSupported,
    /// <summary>No python executable could be started.</summary>
    PythonNotFound,
    /// <summary>Python runs but has no <c>torch</c> package.</summary>
    TorchNotInstalled,
    /// <summary>The torch/lib folder does not exist.</summary>
    DirectoryNotFound,
    /// <summary>A library the backend needs is not in the folder.</summary>
    LibraryMissing,
    /// <summary>The libtorch version is one TorchSharp's native library cannot link against.</summary>
    VersionMismatch,
    /// <summary>libtorch_cuda.so is present but the CUDA runtime libraries it needs are not found.</summary>
    NoCudaRuntime,
    /// <summary>A library failed to load for another reason (see the message).</summary>
    LoadFailed,
    /// <summary>TorchSharp's own native library, libLibTorchSharp.so, was not found.</summary>
    TorchSharpLibraryMissing,
    /// <summary>TorchSharp already initialised another native backend in this process.</summary>
    AlreadyInitialized,
    /// <summary>The application ships its own libtorch (a TorchSharp-cpu or -cuda package), which TorchSharp would load beside PyTorch's.</summary>
    ConflictingLibtorch,
}

/// <summary>What <see cref="PyTorchBackend.Load"/> found and loaded, or what is missing.</summary>
public sealed class BackendReport
{
    internal BackendReport(string libraryDirectory) => LibraryDirectory = libraryDirectory;

    /// <summary>True when TorchSharp now runs on this libtorch.</summary>
    public bool IsLoaded => Problem == BackendProblem.None;

    /// <summary>What went wrong; <see cref="BackendProblem.None"/> when loaded.</summary>
    public BackendProblem Problem { get; internal set; } = BackendProblem.LoadFailed;

    /// <summary>One sentence: what was loaded, or what is missing and what to do.</summary>
    public string Message { get; internal set; } = "";

    /// <summary>The torch/lib folder (full path).</summary>
    public string LibraryDirectory { get; }

    /// <summary><c>torch.__version__</c> read from torch/version.py; null when unknown.</summary>
    public string? TorchVersion { get; internal set; }

    /// <summary><c>torch.version.cuda</c> read from torch/version.py; null for a CPU build or when unknown.</summary>
    public string? CudaVersion { get; internal set; }

    /// <summary>The libraries loaded, in load order (full paths).</summary>
    public IReadOnlyList<string> LoadedLibraries => Loaded;

    /// <summary>The libraries needed but not found.</summary>
    public IReadOnlyList<string> MissingLibraries => Missing;

    /// <summary>True when the folder holds the CUDA libraries (libc10_cuda.so, libtorch_cuda.so).</summary>
    public bool HasCudaLibraries { get; internal set; }

    /// <summary>True when the NVIDIA driver's libcuda.so.1 loads.</summary>
    public bool DriverFound { get; internal set; }

    /// <summary><c>torch.cuda.is_available()</c> after loading.</summary>
    public bool CudaAvailable { get; internal set; }

    /// <summary><c>torch.cuda.device_count()</c> after loading; 0 without CUDA.</summary>
    public int CudaDeviceCount { get; internal set; }

    /// <summary>Things that work but deserve attention (an untested libtorch version, no driver, a CPU-only build).</summary>
    public IReadOnlyList<string> Warnings => WarningList;

    internal List<string> Loaded { get; } = [];
    internal List<string> Missing { get; } = [];
    internal List<string> WarningList { get; } = [];

    /// <summary>Throws when the backend is not loaded, with the whole report as the message.</summary>
    /// <exception cref="InvalidOperationException">The backend is not loaded.</exception>
    public void ThrowIfNotLoaded()
    {
        if (!IsLoaded) throw new InvalidOperationException(ToString());
    }

    /// <summary>A few lines: the outcome, versions, libraries, CUDA state and warnings.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(IsLoaded ? $"PyTorch backend loaded: {Message}" : $"PyTorch backend not loaded ({Problem}): {Message}");
        text.AppendLine($"  torch/lib: {LibraryDirectory}");
        text.AppendLine($"  torch {TorchVersion ?? "(version unknown)"}, CUDA {CudaVersion ?? "none"}");
        foreach (string library in Loaded) text.AppendLine($"  loaded: {library}");
        foreach (string library in Missing) text.AppendLine($"  missing: {library}");
        if (HasCudaLibraries)
            text.AppendLine($"  CUDA libraries present; driver {(DriverFound ? "found" : "not found")}; cuda available: {CudaAvailable}; devices: {CudaDeviceCount}");
        foreach (string warning in WarningList) text.AppendLine($"  warning: {warning}");
        return text.ToString().TrimEnd();
    }
}

/// <summary>
/// Runs TorchSharp on the libtorch of an existing PyTorch installation (Linux), instead of the multi-gigabyte
/// TorchSharp-cuda packages: loads its native libraries and TorchSharp's libLibTorchSharp.so by full path, in dependency
/// order, and makes TorchSharp use them. No LD_LIBRARY_PATH is needed.
/// </summary>
/// <remarks>
/// <para>Call before any other TorchSharp use in the process (training, scoring, <c>torch.cuda.is_available()</c>): once TorchSharp
/// has loaded a backend, another cannot replace it. The application still references the managed TorchSharp package (it ships
/// libLibTorchSharp.so); it needs no TorchSharp-cpu or -cuda package.</para>
/// <para>TorchSharp 0.107 is built against libtorch 2.10: PyTorch 2.10.x is the tested match; later 2.x releases have worked
/// (2.11 with CUDA 13) but are reported with a warning; earlier ones are refused.</para>
/// <para>How TorchSharp is made to use the libraries: its P/Invokes name "LibTorchSharp", and the runtime asks the TorchSharp
/// assembly's import resolver first; <see cref="TorchSharpRuntime"/> installs one (an assembly takes a single resolver) that answers
/// with the handle loaded here. TorchSharp's own start-up probing (NativeLibrary.TryLoad("torch_cpu" / "torch_cuda" / "LibTorchSharp")
/// by name, which skips the resolver) searches the application's folders, then loads the bare file name, which the dynamic linker
/// answers with the already-loaded library of that SONAME: it finds the libraries loaded here, so no private TorchSharp state needs
/// setting. A libtorch shipped beside the application (TorchSharp-cpu's) would be found first and loaded next to PyTorch's, which
/// is why <see cref="Load"/> refuses that case (<see cref="BackendProblem.ConflictingLibtorch"/>). The dynamic linker resolves
/// libLibTorchSharp.so's dependencies (libtorch.so, libc10.so, libtorch_cpu.so) by soname to the copies already loaded, so its
/// RUNPATH is never searched.</para>
/// </remarks>
public static class PyTorchBackend
{
    /// <summary>The libtorch major.minor version TorchSharp 0.107's native library is built against.</summary>
    public const string ExpectedLibTorchVersion = "2.10";

    private const int ExpectedMajor = 2, ExpectedMinor = 10;
    private static readonly Lock Gate = new();
    private static readonly string[] CudaRuntimeNames = ["libcudart", "libcublas", "libcudnn", "libnvrtc", "libnccl", "libcusparse", "libcufft", "libcurand", "libnvJitLink", "libcusolver", "libcupti", "libnvToolsExt", "libcuda.so"];

    /// <summary>The report of the last successful <see cref="Load"/> in this process; null when none succeeded.</summary>
    public static BackendReport? Current { get; private set; }

    /// <summary>Finds PyTorch through <c>python3</c> and loads its libtorch (<see cref="TryFind(out PyTorchInstallation?, out string, string)"/>, then <see cref="Load"/>).</summary>
    /// <param name="python">The python executable to ask.</param>
    /// <returns>The report; <see cref="BackendReport.IsLoaded"/> says whether it worked.</returns>
    public static BackendReport LoadFromPython(string python = "python3")
    {
        if (TryFind(out var installation, out string message, python)) return Load(installation.LibraryDirectory);
        var report = new BackendReport("");
        report.Problem = message.Contains("No module named", StringComparison.Ordinal) || message.Contains("has no 'torch'", StringComparison.Ordinal)
            ? BackendProblem.TorchNotInstalled
            : BackendProblem.PythonNotFound;
        report.Message = message;
        return report;
    }

    /// <summary>Finds the PyTorch installation that <c>python3 -c "import torch"</c> would use.</summary>
    /// <param name="installation">The installation found; null when none.</param>
    /// <returns>True when found.</returns>
    public static bool TryFind([NotNullWhen(true)] out PyTorchInstallation? installation) => TryFind(out installation, out _);

    /// <summary>
    /// Finds the PyTorch installation that <paramref name="python"/> would import (without importing it: no CUDA initialisation),
    /// and reads <c>torch.__version__</c> and <c>torch.version.cuda</c> from its version.py.
    /// </summary>
    /// <param name="installation">The installation found; null when none.</param>
    /// <param name="message">What was found, or why nothing was (python missing, no torch package, no lib folder).</param>
    /// <param name="python">The python executable to ask (a name on PATH or a full path).</param>
    /// <returns>True when found.</returns>
    public static bool TryFind([NotNullWhen(true)] out PyTorchInstallation? installation, out string message, string python = "python3")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(python);
        installation = null;
        const string Script = "import importlib.util as u, sys\ns = u.find_spec('torch')\nif s is None or not s.origin: sys.exit(\"python has no 'torch' package (No module named 'torch')\")\nprint(s.origin)";
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        string output, error;
        int exitCode;
        try
        {
            using var process = Process.Start(start)!;
            var errorTask = process.StandardError.ReadToEndAsync();
            output = process.StandardOutput.ReadToEnd().Trim();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                message = $"'{python}' did not answer within 60 s.";
                return false;
            }
            error = errorTask.Result.Trim();
            exitCode = process.ExitCode;
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            message = $"'{python}' could not be started ({exception.Message}); install Python with PyTorch, or pass torch/lib's path to PyTorchBackend.Load.";
            return false;
        }
        if (exitCode != 0 || output.Length == 0)
        {
            string detail = error.Length > 0 ? error.Split('\n')[^1].Trim() : $"exit code {exitCode}";
            message = $"PyTorch not found: '{python}' has no 'torch' package ({detail}). Install PyTorch (pip install torch) or pass torch/lib's path to PyTorchBackend.Load.";
            return false;
        }

        string torchDirectory = Path.GetDirectoryName(Path.GetFullPath(output))!;
        string libraryDirectory = Path.Combine(torchDirectory, "lib");
        if (!Directory.Exists(libraryDirectory))
        {
            message = $"PyTorch found at {torchDirectory}, but it has no lib folder ({libraryDirectory}).";
            return false;
        }
        var (version, cuda) = ReadVersion(torchDirectory);
        installation = new PyTorchInstallation(torchDirectory, libraryDirectory, version, cuda);
        message = $"PyTorch {version ?? "(version unknown)"} (CUDA {cuda ?? "none"}) at {torchDirectory}.";
        return true;
    }

    /// <summary>
    /// Loads the libtorch in <paramref name="torchLibDirectory"/> (a PyTorch installation's <c>torch/lib</c>) and TorchSharp's
    /// libLibTorchSharp.so, and makes TorchSharp use them. Never throws for a missing or unusable installation: the report says what
    /// was found and what is missing.
    /// </summary>
    /// <param name="torchLibDirectory">The folder holding libc10.so, libtorch_cpu.so, libtorch.so (and libc10_cuda.so, libtorch_cuda.so for CUDA).</param>
    /// <param name="torchSharpLibrary">TorchSharp's libLibTorchSharp.so; null to take the one beside the application or in the TorchSharp package.</param>
    /// <returns>The report; <see cref="BackendReport.IsLoaded"/> says whether TorchSharp now runs on this libtorch. A second call with the same folder returns the first report.</returns>
    public static BackendReport Load(string torchLibDirectory, string? torchSharpLibrary = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(torchLibDirectory);
        string directory = Path.GetFullPath(torchLibDirectory).TrimEnd(Path.DirectorySeparatorChar);
        var report = new BackendReport(directory);
        lock (Gate)
        {
            if (Current is { } current)
                return SameDirectory(current.LibraryDirectory, directory)
                    ? current
                    : Fail(report, BackendProblem.AlreadyInitialized, $"PyTorch's libtorch from {current.LibraryDirectory} is already loaded in this process; one backend per process.");
            if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
                return Fail(report, BackendProblem.NotSupported, "PyTorchBackend supports 64-bit Linux processes; elsewhere reference TorchSharp-cpu or TorchSharp-cuda-windows.");
            if (!Directory.Exists(directory))
                return Fail(report, BackendProblem.DirectoryNotFound, $"The folder {directory} does not exist; pass a PyTorch installation's torch/lib (python3 -c \"import torch, os; print(os.path.dirname(torch.__file__) + '/lib')\").");

            var (version, cuda) = ReadVersion(Path.GetDirectoryName(directory)!);
            report.TorchVersion = version;
            report.CudaVersion = cuda;
            if (CheckVersion(report) is { } refused) return refused;

            string[] required = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];
            foreach (string file in required)
                if (!File.Exists(Path.Combine(directory, file))) report.Missing.Add(Path.Combine(directory, file));
            if (report.Missing.Count > 0)
                return Fail(report, BackendProblem.LibraryMissing,
                    $"{string.Join(", ", report.Missing.Select(Path.GetFileName))} not found in {directory}: this is not a PyTorch torch/lib folder (or an incomplete one).");

            string[] cudaLibraries = ["libc10_cuda.so", "libtorch_cuda.so"];
            int cudaPresent = cudaLibraries.Count(file => File.Exists(Path.Combine(directory, file)));
            report.HasCudaLibraries = cudaPresent == cudaLibraries.Length;
            if (cudaPresent == 1)
                report.WarningList.Add($"Only one of {string.Join(", ", cudaLibraries)} is present: an incomplete CUDA build; loading it as a CPU build.");
            if (!report.HasCudaLibraries)
                report.WarningList.Add(cuda is null
                    ? "A CPU-only PyTorch build: CUDA will not be available."
                    : $"version.py says CUDA {cuda}, but libtorch_cuda.so is not in {directory}: CUDA will not be available.");
            else
            {
                report.DriverFound = NativeLibrary.TryLoad("libcuda.so.1", out _);
                if (!report.DriverFound)
                    report.WarningList.Add("No NVIDIA driver: libcuda.so.1 cannot be loaded, so CUDA will not be available (the CPU works).");
            }

            string? sharpLibrary = torchSharpLibrary is not null ? Path.GetFullPath(torchSharpLibrary) : TorchSharpRuntime.TorchSharpLibraries().FirstOrDefault();
            if (sharpLibrary is null || !File.Exists(sharpLibrary))
            {
                report.Missing.Add(sharpLibrary ?? ElfVersionPatcherFileName);
                return Fail(report, BackendProblem.TorchSharpLibraryMissing,
                    $"TorchSharp's native library {ElfVersionPatcherFileName} was not found {(sharpLibrary is null ? "beside the application or in the TorchSharp package" : $"at {sharpLibrary}")}; reference the TorchSharp package (it ships the library) or pass its path.");
            }

            // TorchSharp probes the application's folders by name (without the resolver): a libtorch found there would load beside
            // PyTorch's and abort the process, so refuse instead.
            var conflicts = ConflictingLibraries(directory);
            if (conflicts.Count > 0)
            {
                report.Missing.Clear();
                return Fail(report, BackendProblem.ConflictingLibtorch,
                    $"The application ships its own libtorch ({string.Join(", ", conflicts)}), from a TorchSharp-cpu or TorchSharp-cuda-* package: TorchSharp would load it beside PyTorch's and the process would abort. "
                    + "Reference only the TorchSharp package (it carries libLibTorchSharp.so) in an application that uses PyTorchBackend.");
            }

            // Checked after the folder so that a wrong folder is reported as such in any process.
            if (TorchSharpRuntime.IsLoaded || MappedElsewhere(directory) is not null)
                return Fail(report, BackendProblem.AlreadyInitialized,
                    "TorchSharp has already initialised its native backend in this process"
                    + (MappedElsewhere(directory) is { } other ? $" (libtorch_cpu.so from {other})" : " (from the TorchSharp-cpu or -cuda packages)")
                    + "; call PyTorchBackend.Load before the first TorchSharp use (before training or scoring).");

            // libtorch_cpu.so brings PyTorch's libgomp, which reads its settings when it loads.
            OpenMpEnvironment.Prepare();
            var handles = new Dictionary<string, IntPtr>(StringComparer.Ordinal);
            string[] order = report.HasCudaLibraries
                ? ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"]
                : ["libc10.so", "libtorch_cpu.so", "libtorch.so"];
            foreach (string file in order)
            {
                string path = Path.Combine(directory, file);
                if (!TryLoadLibrary(path, out IntPtr handle, out string error))
                    return file.Contains("cuda", StringComparison.Ordinal) || CudaRuntimeNames.Any(name => error.Contains(name, StringComparison.Ordinal))
                        ? Fail(report, BackendProblem.NoCudaRuntime,
                            $"{file} cannot load because CUDA runtime libraries are missing ({error}). PyTorch's pip wheels take them from the nvidia-* packages (site-packages/nvidia/*/lib); reinstall torch with its CUDA dependencies, or use a CPU build.")
                        : Fail(report, error.Contains("undefined symbol", StringComparison.Ordinal) ? BackendProblem.VersionMismatch : BackendProblem.LoadFailed,
                            $"{file} failed to load: {error}");
                report.Loaded.Add(path);
                handles[file] = handle;
            }

            string loadable = TorchSharpRuntime.LoadablePath(sharpLibrary);
            if (!TryLoadLibrary(loadable, out IntPtr sharpHandle, out string sharpError))
                return Fail(report, sharpError.Contains("undefined symbol", StringComparison.Ordinal) ? BackendProblem.VersionMismatch : BackendProblem.LoadFailed,
                    sharpError.Contains("undefined symbol", StringComparison.Ordinal)
                        ? $"{ElfVersionPatcherFileName} (TorchSharp {typeof(torch).Assembly.GetName().Version}, built for libtorch {ExpectedLibTorchVersion}) does not link against this libtorch {version ?? "(version unknown)"}: {sharpError}. Use PyTorch {ExpectedLibTorchVersion}.x."
                        : $"{ElfVersionPatcherFileName} failed to load: {sharpError}");
            report.Loaded.Add(loadable);
            handles["LibTorchSharp"] = sharpHandle;

            try
            {
                TorchSharpRuntime.UseExternalBackend(handles, $"PyTorch {version ?? "(version unknown)"} at {directory}");
                TorchSharpRuntime.EnsureLoaded();
                if (report.HasCudaLibraries && report.DriverFound)
                {
                    report.CudaAvailable = torch.cuda.is_available();
                    report.CudaDeviceCount = report.CudaAvailable ? torch.cuda.device_count() : 0;
                    if (!report.CudaAvailable)
                        report.WarningList.Add("The NVIDIA driver loads but torch.cuda.is_available() is false: no visible GPU, or a driver older than this CUDA build needs.");
                }
            }
            catch (Exception exception) when (exception is InvalidOperationException or NotSupportedException or DllNotFoundException or EntryPointNotFoundException or ExternalException)
            {
                return Fail(report, BackendProblem.LoadFailed, $"TorchSharp did not initialise on this libtorch: {exception.Message}");
            }

            report.Problem = BackendProblem.None;
            report.Message = $"torch {version ?? "(version unknown)"} from {directory}; "
                + (report.CudaAvailable ? $"CUDA {cuda ?? "?"} with {report.CudaDeviceCount} device(s)." : "CPU only (CUDA not available).");
            Current = report;
            return report;
        }
    }

    private const string ElfVersionPatcherFileName = "libLibTorchSharp.so";

    private static BackendReport? CheckVersion(BackendReport report)
    {
        string? version = report.TorchVersion;
        if (version is null)
        {
            report.WarningList.Add($"The libtorch version is unknown (no torch/version.py beside the folder); TorchSharp 0.107 expects {ExpectedLibTorchVersion}.x.");
            return null;
        }
        var match = Regex.Match(version, @"^(\d+)\.(\d+)");
        if (!match.Success)
        {
            report.WarningList.Add($"Cannot read the libtorch version '{version}'; TorchSharp 0.107 expects {ExpectedLibTorchVersion}.x.");
            return null;
        }
        int major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), minor = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        if (major != ExpectedMajor || minor < ExpectedMinor)
            return Fail(report, BackendProblem.VersionMismatch,
                $"PyTorch {version} is not usable: TorchSharp 0.107's native library is built against libtorch {ExpectedLibTorchVersion} and needs {ExpectedLibTorchVersion}.x (later 2.x releases may work). Install torch {ExpectedLibTorchVersion}.* or reference the TorchSharp-cuda-linux package.");
        if (minor > ExpectedMinor)
            report.WarningList.Add($"PyTorch {version} is newer than the libtorch {ExpectedLibTorchVersion} TorchSharp 0.107 is built against; it has worked (2.11 with CUDA 13) but is not guaranteed.");
        return null;
    }

    /// <summary>Reads <c>__version__</c> and <c>cuda</c> from torch/version.py in <paramref name="torchDirectory"/>.</summary>
    internal static (string? Version, string? Cuda) ReadVersion(string torchDirectory)
    {
        string file = Path.Combine(torchDirectory, "version.py");
        if (!File.Exists(file)) return (null, null);
        string text = File.ReadAllText(file);
        return (Assignment(text, "__version__"), Assignment(text, "cuda"));
    }

    // version.py holds lines such as: __version__ = '2.10.0+cu128'; cuda: Optional[str] = '12.8'; cuda = None.
    private static string? Assignment(string text, string name)
    {
        var match = Regex.Match(text, $@"^{Regex.Escape(name)}\s*(?::[^=\n]*)?=\s*(?:'([^']*)'|""([^""]*)""|None)", RegexOptions.Multiline);
        if (!match.Success) return null;
        string value = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
        return match.Groups[1].Success || match.Groups[2].Success ? value : null;
    }

    private static bool TryLoadLibrary(string path, out IntPtr handle, out string error)
    {
        try
        {
            handle = NativeLibrary.Load(path);
            error = "";
            return true;
        }
        catch (Exception exception) when (exception is DllNotFoundException or BadImageFormatException)
        {
            handle = IntPtr.Zero;
            // The runtime's message ends with the dynamic linker's own reason (the missing soname or symbol).
            string[] lines = exception.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            error = lines.Length > 0 ? lines[^1] : exception.Message;
            return false;
        }
    }

    // The libraries TorchSharp probes by name (torch_cpu, torch_cuda) and their dependencies, where the runtime would find them,
    // unless they are the very files of the PyTorch folder (then the dynamic linker hands back the loaded ones).
    private static List<string> ConflictingLibraries(string directory)
    {
        string[] names = ["libtorch_cpu.so", "libc10.so", "libtorch.so", "libtorch_cuda.so", "libc10_cuda.so"];
        var conflicts = new List<string>();
        foreach (string searchDirectory in TorchSharpRuntime.NativeSearchDirectories())
            foreach (string name in names)
            {
                string candidate = Path.Combine(searchDirectory, name);
                if (!File.Exists(candidate)) continue;
                string ours = Path.Combine(directory, name);
                if (File.Exists(ours) && RealPath(ours) == RealPath(candidate)) continue;
                conflicts.Add(candidate);
            }
        return conflicts;
    }

    // A libtorch_cpu.so already mapped into this process from another file (TorchSharp used directly, before this call).
    private static string? MappedElsewhere(string directory)
    {
        const string Maps = "/proc/self/maps";
        if (!File.Exists(Maps)) return null;
        string ours = RealPath(Path.Combine(directory, "libtorch_cpu.so"));
        foreach (string line in File.ReadLines(Maps))
        {
            int slash = line.IndexOf('/');
            if (slash < 0 || !line.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal)) continue;
            string mapped = line[slash..];
            if (mapped != ours) return mapped;
        }
        return null;
    }

    // The canonical path, as /proc/self/maps shows it (every symbolic link along the way resolved).
    private static string RealPath(string path)
    {
        IntPtr resolved = RealPathNative(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return Path.GetFullPath(path);
        try
        {
            return Marshal.PtrToStringUTF8(resolved) ?? Path.GetFullPath(path);
        }
        finally
        {
            FreeNative(resolved);
        }
    }

    [DllImport("libc", EntryPoint = "realpath")]
    private static extern IntPtr RealPathNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void FreeNative(IntPtr pointer);

    private static bool SameDirectory(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd('/'), Path.GetFullPath(b).TrimEnd('/'), StringComparison.Ordinal);

    private static BackendReport Fail(BackendReport report, BackendProblem problem, string message)
    {
        report.Problem = problem;
        report.Message = message;
        return report;
    }
}
