using System.Runtime.InteropServices;
using System.Security.Cryptography;
using MLNet.LrSchedules.Native;
using MLNet.LrSchedules.Trainers.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers.Tests.Native;

[TestClass]
public sealed class TorchSharpRuntimeTests
{
    private const string Version = ElfVersionPatcher.TorchSharpMissingVersion;

    private string _directory = "";

    [TestInitialize]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("torchsharp-runtime-tests-").FullName;

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [TestMethod]
    public void TorchSharpInitialisesAndComputes()
    {
        TorchSharpRuntime.EnsureLoaded();
        TorchSharpRuntime.EnsureLoaded(); // a second call is a no-op

        using var values = tensor(new[] { 1.0, 2.0, 3.0 }, dtype: ScalarType.Float64);
        Assert.AreEqual(6.0, values.sum().item<double>(), 1e-12);

        using var layer = nn.Linear(2, 1, dtype: ScalarType.Float64);
        using (no_grad())
        {
            layer.weight!.copy_(tensor(new[,] { { 0.5, -1.0 } }, dtype: ScalarType.Float64));
            layer.bias!.copy_(tensor(new[] { 0.25 }, dtype: ScalarType.Float64));
        }
        using var input = tensor(new[,] { { 2.0, 1.0 } }, dtype: ScalarType.Float64);
        using var output = layer.forward(input);
        Assert.AreEqual(0.25, output.item<double>(), 1e-12); // 0.5·2 − 1·1 + 0.25

        // d(output)/dw = input, d(output)/db = 1; one SGD step with lr 0.1 moves w by −0.1·input and b by −0.1.
        using var optimizer = optim.SGD(layer.parameters(), 0.1);
        optimizer.zero_grad();
        output.sum().backward();
        optimizer.step();
        var weight = layer.weight!.data<double>().ToArray();
        Assert.AreEqual(0.3, weight[0], 1e-12);
        Assert.AreEqual(-1.1, weight[1], 1e-12);
        Assert.AreEqual(0.15, layer.bias!.item<double>(), 1e-12);
    }

    /// <summary>
    /// What the run-time fix and PyTorchBackend rely on instead of setting TorchSharp's private fields: TorchSharp's
    /// start-up probing ends with a bare-name load, and the dynamic linker answers it with an already-loaded library of
    /// that SONAME, although no folder on the loader's search path holds the file.
    /// </summary>
    [TestMethod]
    [OSCondition(OperatingSystems.Linux)]
    public void ABareNameLoadFindsTheAlreadyLoadedLibraryBySoname()
    {
        TorchSharpRuntime.EnsureLoaded();
        Assert.IsFalse((Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Contains(AppContext.BaseDirectory.TrimEnd('/'), StringComparison.Ordinal));

        Assert.IsTrue(NativeLibrary.TryLoad(ElfVersionPatcher.TorchSharpLibraryFileName, out IntPtr torchSharp));
        Assert.IsTrue(NativeLibrary.TryLoad("libtorch_cpu.so", out IntPtr torchCpu));
        // The same handles TorchSharp's own probing got.
        Assert.IsTrue(NativeLibrary.TryLoad("LibTorchSharp", typeof(torch).Assembly, null, out IntPtr probed));
        Assert.AreEqual(probed, torchSharp);
        Assert.AreNotEqual(IntPtr.Zero, torchCpu);
    }

    [TestMethod]
    public void CacheFolderFollowsTheVariableThenXdgThenHome()
    {
        Assert.AreEqual("/srv/native", TorchSharpRuntime.CacheDirectory("/srv/native", "/xdg", "/home/u", "/tmp", "u"));
        Assert.AreEqual("/xdg/MLNet.LrSchedules/torchsharp-native", TorchSharpRuntime.CacheDirectory(null, "/xdg", "/home/u", "/tmp", "u"));
        // A relative XDG_CACHE_HOME is invalid (XDG Base Directory) and ignored.
        Assert.AreEqual("/home/u/.cache/MLNet.LrSchedules/torchsharp-native", TorchSharpRuntime.CacheDirectory("", "relative", "/home/u", "/tmp", "u"));
        Assert.AreEqual("/tmp/MLNet.LrSchedules-u/MLNet.LrSchedules/torchsharp-native", TorchSharpRuntime.CacheDirectory(null, null, "", "/tmp", "u"));
    }

    [TestMethod]
    [OSCondition(OperatingSystems.Linux)]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void PatchedCopyLiesUnderTheOriginalsHashAndTheOriginalIsNeverWritten()
    {
        string original = ElfVersionPatcherTests.StrongCopy(_directory);
        string cache = Path.Combine(_directory, "cache");
        File.SetUnixFileMode(original, UnixFileMode.UserRead); // a read-only package cache
        byte[] before = File.ReadAllBytes(original);
        var time = File.GetLastWriteTimeUtc(original);

        string patched = TorchSharpRuntime.PatchedCopy(original, cache);

        Assert.AreEqual(Path.Combine(cache, Convert.ToHexStringLower(SHA256.HashData(before)), ElfVersionPatcher.TorchSharpLibraryFileName), patched);
        CollectionAssert.AreEqual(before, File.ReadAllBytes(original));
        Assert.AreEqual(time, File.GetLastWriteTimeUtc(original));
        var requirement = ElfVersionPatcher.ReadVersionRequirements(patched).Single(r => r.Version == Version);
        Assert.IsTrue(requirement.IsWeak);
        byte[] after = File.ReadAllBytes(patched);
        CollectionAssert.AreEqual(new[] { (int)requirement.FlagsOffset },
            Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList(), "only the flag differs");
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(patched)!), "a private folder");
        Assert.HasCount(1, Directory.GetFiles(Path.GetDirectoryName(patched)!), "no temporary file is left");
    }

    [TestMethod]
    [OSCondition(OperatingSystems.Linux)]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void AnIntactCopyIsReusedAndADamagedOneReplaced()
    {
        string original = ElfVersionPatcherTests.StrongCopy(_directory);
        string cache = Path.Combine(_directory, "cache");
        string patched = TorchSharpRuntime.PatchedCopy(original, cache);
        byte[] good = File.ReadAllBytes(patched);
        var written = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(patched, written);

        Assert.AreEqual(patched, TorchSharpRuntime.PatchedCopy(original, cache));
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(patched), "an intact copy is not written again");

        using (var stream = new FileStream(patched, FileMode.Open, FileAccess.Write))
        {
            stream.Seek(good.Length / 2, SeekOrigin.Begin);
            stream.WriteByte((byte)~good[good.Length / 2]);
        }
        Assert.AreEqual(patched, TorchSharpRuntime.PatchedCopy(original, cache));
        CollectionAssert.AreEqual(good, File.ReadAllBytes(patched), "a damaged copy is replaced");
    }

    [TestMethod]
    [OSCondition(OperatingSystems.Linux)]
    public void ALibraryThatLoadsAsItIsIsUsedAsItIs()
    {
        string output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", ElfVersionPatcher.TorchSharpLibraryFileName);
        // The build patched this copy where the system needs it; elsewhere it loads unpatched. Either way no copy is made.
        Assert.AreEqual(output, TorchSharpRuntime.LoadablePath(output));
    }
}
