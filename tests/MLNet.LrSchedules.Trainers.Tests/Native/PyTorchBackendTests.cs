using System.Diagnostics;
using MLNet.LrSchedules.Trainers.Native;
using MLNet.LrSchedules.Trainers.Tests.Gpu;

namespace MLNet.LrSchedules.Trainers.Tests.Native;

[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PyTorchBackendTests
{
    public TestContext TestContext { get; set; } = null!;

    private static string FakeTorch(string? version, string? cuda, params string[] libraries)
    {
        string torch = Path.Combine(Path.GetTempPath(), "mlnet-lrschedules-tests", "torch-" + Guid.NewGuid().ToString("N"), "torch");
        Directory.CreateDirectory(Path.Combine(torch, "lib"));
        File.WriteAllText(Path.Combine(torch, "__init__.py"), "");
        if (version is not null)
            File.WriteAllText(Path.Combine(torch, "version.py"),
                "from typing import Optional\n\n__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip', 'xpu']\n"
                + $"__version__ = '{version}'\ndebug = False\ncuda: Optional[str] = {(cuda is null ? "None" : $"'{cuda}'")}\ngit_version = 'abc'\nhip: Optional[str] = None\n");
        foreach (string library in libraries) File.WriteAllText(Path.Combine(torch, "lib", library), "not a library");
        return torch;
    }

    [TestMethod]
    public void MissingFolder_IsReported()
    {
        var report = PyTorchBackend.Load("/nonexistent/torch/lib");

        Assert.IsFalse(report.IsLoaded);
        Assert.AreEqual(BackendProblem.DirectoryNotFound, report.Problem);
        StringAssert.Contains(report.Message, "/nonexistent/torch/lib does not exist");
        Assert.IsEmpty(report.LoadedLibraries);
    }

    [TestMethod]
    public void FolderWithoutLibtorch_NamesTheMissingLibraries()
    {
        string torch = FakeTorch("2.10.0+cu128", "12.8", "libc10.so");

        var report = PyTorchBackend.Load(Path.Combine(torch, "lib"));

        Assert.AreEqual(BackendProblem.LibraryMissing, report.Problem);
        StringAssert.Contains(report.Message, "libtorch_cpu.so, libtorch.so not found in");
        Assert.HasCount(2, report.MissingLibraries);
        Assert.AreEqual("2.10.0+cu128", report.TorchVersion);
        Assert.AreEqual("12.8", report.CudaVersion);
        Assert.IsEmpty(report.LoadedLibraries, "nothing is loaded from an incomplete folder");
        StringAssert.Contains(report.ToString(), "missing: " + Path.Combine(torch, "lib", "libtorch.so"));
        TestContext.WriteLine(report.ToString());
    }

    [TestMethod]
    public void OlderPyTorch_IsAVersionMismatch()
    {
        string torch = FakeTorch("2.5.1+cu121", "12.1", "libc10.so", "libtorch_cpu.so", "libtorch.so");

        var report = PyTorchBackend.Load(Path.Combine(torch, "lib"));

        Assert.AreEqual(BackendProblem.VersionMismatch, report.Problem);
        StringAssert.Contains(report.Message, "PyTorch 2.5.1+cu121 is not usable");
        StringAssert.Contains(report.Message, "libtorch 2.10");
        Assert.IsEmpty(report.LoadedLibraries);
    }

    [TestMethod]
    public void NewerPyTorch_IsAWarning_AndCudaWithoutItsLibrariesToo()
    {
        string torch = FakeTorch("2.11.0+cu130", "13.0", "libc10.so");

        var report = PyTorchBackend.Load(Path.Combine(torch, "lib"));

        Assert.AreEqual(BackendProblem.LibraryMissing, report.Problem, "the version alone does not refuse it");
        Assert.IsTrue(report.Warnings.Any(w => w.Contains("PyTorch 2.11.0+cu130 is newer than the libtorch 2.10")), string.Join("\n", report.Warnings));
    }

    [TestMethod]
    public void ReadVersion_ReadsVersionAndCuda()
    {
        string torch = FakeTorch("2.10.0+cu128", "12.8");
        Assert.AreEqual(("2.10.0+cu128", "12.8"), PyTorchBackend.ReadVersion(torch));
        string cpu = FakeTorch("2.10.0+cpu", null);
        Assert.AreEqual(("2.10.0+cpu", (string?)null), PyTorchBackend.ReadVersion(cpu));
        Assert.AreEqual(((string?)null, (string?)null), PyTorchBackend.ReadVersion(Path.GetTempPath()));
    }

    [TestMethod]
    public void PythonWithoutTorch_IsNotFound_WithTheReason()
    {
        if (!CanStart("python3")) Assert.Inconclusive("python3 is not installed on this machine.");
        // A clean module path: whatever the machine has, this python cannot import torch.
        string python = Wrapper("PYTHONPATH= PYTHONNOUSERSITE=1 exec python3 -S \"$@\"");

        Assert.IsFalse(PyTorchBackend.TryFind(out var installation, out string message, python));

        Assert.IsNull(installation);
        StringAssert.Contains(message, "PyTorch not found");
        StringAssert.Contains(message, "No module named 'torch'");
        var report = PyTorchBackend.LoadFromPython(python);
        Assert.AreEqual(BackendProblem.TorchNotInstalled, report.Problem);
        TestContext.WriteLine(message);
    }

    [TestMethod]
    public void NoPython_IsReported()
    {
        Assert.IsFalse(PyTorchBackend.TryFind(out _, out string message, "/nonexistent/python3"));
        StringAssert.Contains(message, "'/nonexistent/python3' could not be started");
        Assert.AreEqual(BackendProblem.PythonNotFound, PyTorchBackend.LoadFromPython("/nonexistent/python3").Problem);
    }

    [TestMethod]
    public void PythonWithTorch_FindsItsLibFolderAndVersions()
    {
        if (!CanStart("python3")) Assert.Inconclusive("python3 is not installed on this machine.");
        string torch = FakeTorch("2.10.0+cu128", "12.8");
        string python = Wrapper($"PYTHONPATH='{Path.GetDirectoryName(torch)}' exec python3 -S \"$@\"");

        Assert.IsTrue(PyTorchBackend.TryFind(out var installation, out string message, python), message);

        Assert.AreEqual(torch, installation.TorchDirectory);
        Assert.AreEqual(Path.Combine(torch, "lib"), installation.LibraryDirectory);
        Assert.AreEqual("2.10.0+cu128", installation.TorchVersion);
        Assert.AreEqual("12.8", installation.CudaVersion);
        StringAssert.Contains(message, "PyTorch 2.10.0+cu128 (CUDA 12.8)");
    }

    [TestMethod]
    public void AnApplicationShippingItsOwnLibtorch_IsRefused()
    {
        // This test project references TorchSharp-cpu: its libtorch_cpu.so would load beside the "PyTorch" one.
        string torch = FakeTorch("2.10.0+cpu", null, "libc10.so", "libtorch_cpu.so", "libtorch.so");

        var report = PyTorchBackend.Load(Path.Combine(torch, "lib"));

        Assert.AreEqual(BackendProblem.ConflictingLibtorch, report.Problem);
        StringAssert.Contains(report.Message, "The application ships its own libtorch (");
        StringAssert.Contains(report.Message, "libtorch_cpu.so");
        StringAssert.Contains(report.Message, "Reference only the TorchSharp package");
        Assert.IsEmpty(report.LoadedLibraries);
    }

    [TestMethod]
    public void AfterTorchSharpHasStarted_IsRefused()
    {
        TorchSharpRuntime.EnsureLoaded();
        string lib = Path.Combine(FakeTorch("2.10.0+cpu", null), "lib");
        LinkAppLibtorch(lib);

        var report = PyTorchBackend.Load(lib);

        Assert.AreEqual(BackendProblem.AlreadyInitialized, report.Problem);
        StringAssert.Contains(report.Message, "call PyTorchBackend.Load before the first TorchSharp use");
        Assert.IsEmpty(report.LoadedLibraries);
        Assert.IsNull(PyTorchBackend.Current);
    }

    // The libtorch beside this test assembly (TorchSharp-cpu's), linked into a PyTorch-like torch/lib.
    private static string LinkAppLibtorch(string lib)
    {
        string native = new[] { Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"), AppContext.BaseDirectory }
            .First(folder => File.Exists(Path.Combine(folder, "libtorch_cpu.so")));
        foreach (string file in Directory.GetFiles(native))
        {
            string name = Path.GetFileName(file);
            if (name is "libc10.so" or "libtorch_cpu.so" or "libtorch.so" || name.StartsWith("libgomp", StringComparison.Ordinal))
                File.CreateSymbolicLink(Path.Combine(lib, name), file);
        }
        return native;
    }

    /// <summary>
    /// End to end on the CPU: the TorchSharp-cpu libtorch beside this test assembly, laid out as a PyTorch install (torch/lib
    /// symlinks + version.py, nothing on LD_LIBRARY_PATH), loaded by PyTorchBackend in a fresh test process (this one already runs
    /// on TorchSharp's own loading). The child runs the Gpu tests: the backend test passes and the CUDA tests are skipped with a
    /// reason. (The symlinks point at this application's own copies, which TorchSharp's start-up probing also opens: the same
    /// files, so no conflict; scripts/gpu-run.sh runs the same tests from a publish without TorchSharp-cpu.)
    /// </summary>
    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void CpuLibtorchAsAPyTorchInstall_LoadsInAFreshProcess()
    {
        string torch = FakeTorch("2.10.0+cpu", null);
        string lib = Path.Combine(torch, "lib");
        string native = LinkAppLibtorch(lib);

        string self = typeof(PyTorchBackendTests).Assembly.Location;
        string host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(self);
        }
        foreach (string argument in new[] { "--filter", "FullyQualifiedName~MLNet.LrSchedules.Trainers.Tests.Gpu.", "--no-progress", "--output", "detailed" })
            start.ArgumentList.Add(argument);
        start.Environment[GpuTestEnvironment.TorchLibVariable] = lib;
        start.Environment.Remove("LD_LIBRARY_PATH");

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(TestContext.CancellationToken);
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        TestContext.WriteLine(output);
        TestContext.WriteLine(error.Result);

        Assert.AreEqual(0, process.ExitCode, "the child test run passes");
        StringAssert.Contains(output, "PyTorch backend loaded: torch 2.10.0+cpu from " + lib);
        StringAssert.Contains(output, "libtorch_cpu.so mapped from: " + Path.Combine(native, "libtorch_cpu.so"));
        StringAssert.Contains(output, "CUDA not available: the PyTorch backend at " + lib + " reports: A CPU-only PyTorch build");
        StringAssert.Matches(output, new System.Text.RegularExpressions.Regex(@"succeeded: 1\b"));
        StringAssert.Matches(output, new System.Text.RegularExpressions.Regex(@"skipped: 3\b"));
    }

    private static string Wrapper(string body)
    {
        string path = Path.Combine(Path.GetTempPath(), "mlnet-lrschedules-tests", "python-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static bool CanStart(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));
}
