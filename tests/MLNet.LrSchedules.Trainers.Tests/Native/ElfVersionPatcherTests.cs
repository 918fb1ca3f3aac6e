using MLNet.LrSchedules.Native;

namespace MLNet.LrSchedules.Trainers.Tests.Native;

[TestClass]
[OSCondition(OperatingSystems.Linux)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ElfVersionPatcherTests
{
    private const string Version = ElfVersionPatcher.TorchSharpMissingVersion;
    private string _directory = "";

    public TestContext TestContext { get; set; } = null!;

    private static string OutputLibrary =>
        Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", ElfVersionPatcher.TorchSharpLibraryFileName);

    [TestInitialize]
    public void CreateDirectory() =>
        _directory = Directory.CreateTempSubdirectory("elf-patcher-tests-").FullName;

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private string StrongCopy() => StrongCopy(_directory);

    // A copy of TorchSharp's library with the requirement strong again, as it ships in the package.
    internal static string StrongCopy(string directory)
    {
        string copy = Path.Combine(directory, ElfVersionPatcher.TorchSharpLibraryFileName);
        File.Copy(OutputLibrary, copy);
        var requirement = Requirement(copy);
        using (var stream = new FileStream(copy, FileMode.Open, FileAccess.Write))
        {
            stream.Seek(requirement.FlagsOffset, SeekOrigin.Begin);
            stream.Write([(byte)(requirement.Flags & ~2), (byte)(requirement.Flags >> 8)]);
        }
        Assert.IsFalse(Requirement(copy).IsWeak);
        return copy;
    }

    private static ElfVersionRequirement Requirement(string library) =>
        ElfVersionPatcher.ReadVersionRequirements(library).Single(r => r.Version == Version);

    [TestMethod]
    public void ReadsTheRequirementsOfTorchSharpsLibrary()
    {
        var requirements = ElfVersionPatcher.ReadVersionRequirements(OutputLibrary);
        // readelf -V: 5 needed files, 20 versions of libstdc++.so.6 among 28 in all.
        Assert.HasCount(28, requirements);
        Assert.AreEqual(20, requirements.Count(r => r.File == "libstdc++.so.6"));
        Assert.AreEqual("libstdc++.so.6", Requirement(OutputLibrary).File);
        CollectionAssert.Contains(requirements.Select(r => r.Version).ToList(), "GLIBC_2.34");
    }

    [TestMethod]
    public void TheBuildPatchedTheOutputCopyWhenTheSystemNeedsIt()
    {
        Assert.AreEqual(ElfVersionPatcher.SystemNeedsTorchSharpPatch(), Requirement(OutputLibrary).IsWeak);
    }

    [TestMethod]
    public void SystemCheckReadsTheSystemLibStdCxxVersions()
    {
        string? libStdCxx = ElfVersionPatcher.FindSystemLibrary("libstdc++.so.6");
        Assert.IsNotNull(libStdCxx);
        Assert.IsTrue(ElfVersionPatcher.DefinesVersion(libStdCxx, "GLIBCXX_3.4"));
        Assert.IsFalse(ElfVersionPatcher.DefinesVersion(libStdCxx, "GLIBCXX_9.9.99"));
        Assert.AreEqual(!ElfVersionPatcher.DefinesVersion(libStdCxx, Version), ElfVersionPatcher.SystemNeedsTorchSharpPatch());
    }

    [TestMethod]
    public void MarksTheRequirementWeakChangingOnlyItsFlagAndKeepingModeAndTime()
    {
        string library = StrongCopy();
        var mode = File.GetUnixFileMode(library);
        var time = File.GetLastWriteTimeUtc(library);
        byte[] before = File.ReadAllBytes(library);

        Assert.AreEqual(ElfPatchOutcome.Patched, ElfVersionPatcher.MarkVersionWeak(library, Version));

        byte[] after = File.ReadAllBytes(library);
        var requirement = Requirement(library);
        Assert.IsTrue(requirement.IsWeak);
        Assert.AreEqual(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        CollectionAssert.AreEqual(new[] { (int)requirement.FlagsOffset }, changed);
        Assert.AreEqual(mode, File.GetUnixFileMode(library));
        Assert.AreEqual(time, File.GetLastWriteTimeUtc(library));
        Assert.HasCount(1, Directory.GetFiles(_directory), "the temporary file is gone");
    }

    [TestMethod]
    public void PatchesBytesInMemoryAsItPatchesAFile()
    {
        string library = StrongCopy();
        byte[] image = File.ReadAllBytes(library);

        Assert.AreEqual(ElfPatchOutcome.Patched, ElfVersionPatcher.MarkVersionWeak(image, library, Version));
        Assert.AreEqual(ElfPatchOutcome.Patched, ElfVersionPatcher.MarkVersionWeak(library, Version));
        CollectionAssert.AreEqual(File.ReadAllBytes(library), image);
        Assert.AreEqual(ElfPatchOutcome.AlreadyWeak, ElfVersionPatcher.MarkVersionWeak(image, library, Version));
        Assert.AreEqual(ElfPatchOutcome.NotRequired, ElfVersionPatcher.MarkVersionWeak(image, library, "GLIBCXX_9.9.99"));
    }

    [TestMethod]
    public void IsIdempotent()
    {
        string library = StrongCopy();
        ElfVersionPatcher.MarkVersionWeak(library, Version);
        byte[] once = File.ReadAllBytes(library);
        var inode = new FileInfo(library).LastWriteTimeUtc;

        Assert.AreEqual(ElfPatchOutcome.AlreadyWeak, ElfVersionPatcher.MarkVersionWeak(library, Version));
        CollectionAssert.AreEqual(once, File.ReadAllBytes(library));
        Assert.AreEqual(inode, new FileInfo(library).LastWriteTimeUtc);
    }

    [TestMethod]
    public void LeavesALibraryWithoutTheRequirementUnchanged()
    {
        string libStdCxx = ElfVersionPatcher.FindSystemLibrary("libstdc++.so.6")!;
        string copy = Path.Combine(_directory, "libstdc++.so.6");
        File.Copy(libStdCxx, copy);
        byte[] before = File.ReadAllBytes(copy);

        Assert.AreEqual(ElfPatchOutcome.NotRequired, ElfVersionPatcher.MarkVersionWeak(copy, Version));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(copy));

        string torch = StrongCopy();
        byte[] torchBefore = File.ReadAllBytes(torch);
        Assert.AreEqual(ElfPatchOutcome.NotRequired, ElfVersionPatcher.MarkVersionWeak(torch, "GLIBCXX_9.9.99"));
        CollectionAssert.AreEqual(torchBefore, File.ReadAllBytes(torch));
    }

    [TestMethod]
    public void RefusesAFileThatIsNotElf()
    {
        string text = Path.Combine(_directory, "notes.txt");
        File.WriteAllText(text, "this is not a shared library, only some text that is long enough to hold a header");

        var exception = Assert.ThrowsExactly<InvalidDataException>(() => ElfVersionPatcher.MarkVersionWeak(text, Version));
        Assert.Contains("is not an ELF file", exception.Message);
        Assert.Contains("notes.txt", exception.Message);
        Assert.AreEqual("this is not a shared library, only some text that is long enough to hold a header", File.ReadAllText(text));
    }

    [TestMethod]
    public void RefusesA32BitElfFile()
    {
        string elf32 = Path.Combine(_directory, "lib32.so");
        byte[] header = new byte[64];
        header[0] = 0x7f; header[1] = (byte)'E'; header[2] = (byte)'L'; header[3] = (byte)'F'; header[4] = 1; header[5] = 1;
        File.WriteAllBytes(elf32, header);

        var exception = Assert.ThrowsExactly<InvalidDataException>(() => ElfVersionPatcher.MarkVersionWeak(elf32, Version));
        Assert.Contains("only 64-bit little-endian ELF", exception.Message);
    }

    [TestMethod]
    public void RefusesATruncatedLibrary()
    {
        string truncated = Path.Combine(_directory, "truncated.so");
        byte[] whole = File.ReadAllBytes(OutputLibrary);
        File.WriteAllBytes(truncated, whole.AsSpan(0, whole.Length / 2).ToArray());

        var exception = Assert.ThrowsExactly<InvalidDataException>(() => ElfVersionPatcher.MarkVersionWeak(truncated, Version));
        Assert.Contains("is truncated or malformed", exception.Message);
    }
}
