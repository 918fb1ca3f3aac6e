// Shared by three compilations, so it sticks to the netstandard2.0 API surface: the MSBuild task assembly shipped in the
// MLNet.LrSchedules.Engine package (build/NativeFixTask), the same task compiled inline by RoslynCodeTaskFactory for this
// repository's own builds (build/TorchSharpNativeFix.targets), and the Engine library, which defines ELF_PATCHER_LIBRARY
// to leave the MSBuild task out.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace MLNet.LrSchedules.Native
{
    /// <summary>What <see cref="ElfVersionPatcher.MarkVersionWeak(string, string)"/> did to a library.</summary>
    internal enum ElfPatchOutcome
    {
        /// <summary>The version requirement was strong and is now weak.</summary>
        Patched,
        /// <summary>The requirement was already weak; the file was not written.</summary>
        AlreadyWeak,
        /// <summary>The library does not require the version at all; the file was not written.</summary>
        NotRequired,
        /// <summary>Nothing to do on this machine (not Linux, or the system libstdc++ defines the version).</summary>
        NotNeededOnThisSystem,
    }

    /// <summary>
    /// Marks one symbol-version requirement of an ELF shared library as weak, so the dynamic loader accepts the
    /// library on a system whose dependency lacks that version.
    /// </summary>
    /// <remarks>
    /// TorchSharp 0.107's libLibTorchSharp.so was linked against a libstdc++ that defines GLIBCXX_3.4.32 (GCC 13).
    /// The only symbol bound to that version is <c>std::ios_base_library_init()</c>, an undefined marker with no
    /// relocation against it, so nothing ever looks it up; only the loader's version check rejects the library on
    /// systems with an older libstdc++ (Debian 12 stops at 3.4.30). A weak requirement (VER_FLG_WEAK in the
    /// Vernaux entry) turns that hard failure into nothing, and changes no byte of code.
    /// </remarks>
    internal static class ElfVersionPatcher
    {
        /// <summary>The version TorchSharp 0.107's native library requires and older libstdc++ lacks.</summary>
        public const string TorchSharpMissingVersion = "GLIBCXX_3.4.32";

        /// <summary>The file name of TorchSharp's native library on Linux.</summary>
        public const string TorchSharpLibraryFileName = "libLibTorchSharp.so";

        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlgWeak = 0x2;

        /// <summary>
        /// Patches <paramref name="libraryPath"/> when this machine needs it: on Linux, when the system libstdc++ does
        /// not define <see cref="TorchSharpMissingVersion"/>.
        /// </summary>
        public static ElfPatchOutcome PatchTorchSharpIfNeeded(string libraryPath)
        {
            if (!SystemNeedsTorchSharpPatch()) return ElfPatchOutcome.NotNeededOnThisSystem;
            return MarkVersionWeak(libraryPath, TorchSharpMissingVersion);
        }

        /// <summary>True on Linux when the libstdc++ the loader would pick lacks <see cref="TorchSharpMissingVersion"/>.</summary>
        public static bool SystemNeedsTorchSharpPatch()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return false;
            string? libStdCxx = FindSystemLibrary("libstdc++.so.6");
            // Without a libstdc++ the library cannot load either way; a weak requirement does no harm, so patch.
            return libStdCxx is null || !DefinesVersion(libStdCxx, TorchSharpMissingVersion);
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on the requirement of <paramref name="version"/> in the library's .gnu.version_r section.
        /// Idempotent; the file is replaced atomically (a copy is patched, then renamed over the original) and keeps
        /// its permissions and modification time, so incremental copies still see it as up to date.
        /// </summary>
        /// <exception cref="InvalidDataException">The file is not a 64-bit little-endian ELF file, or its version sections are malformed.</exception>
        public static ElfPatchOutcome MarkVersionWeak(string libraryPath, string version)
        {
            if (libraryPath is null) throw new ArgumentNullException(nameof(libraryPath));
            if (string.IsNullOrEmpty(version)) throw new ArgumentException("Parameter 'version' must name a symbol version, for example GLIBCXX_3.4.32; received an empty string.", nameof(version));

            byte[] image = File.ReadAllBytes(libraryPath);
            long flagsOffset = FindWeakenableFlags(image, libraryPath, version, out ElfPatchOutcome outcome);
            if (outcome != ElfPatchOutcome.Patched) return outcome;
            ReplaceAtomically(libraryPath, flagsOffset, new[] { image[flagsOffset], image[flagsOffset + 1] });
            return ElfPatchOutcome.Patched;
        }

        /// <summary>
        /// The in-memory form of <see cref="MarkVersionWeak(string, string)"/>: sets VER_FLG_WEAK in <paramref name="image"/>, a
        /// library's bytes, for a copy written elsewhere. <paramref name="name"/> only names the library in errors.
        /// </summary>
        /// <exception cref="InvalidDataException">The bytes are not a 64-bit little-endian ELF file, or its version sections are malformed.</exception>
        public static ElfPatchOutcome MarkVersionWeak(byte[] image, string name, string version)
        {
            if (image is null) throw new ArgumentNullException(nameof(image));
            if (string.IsNullOrEmpty(version)) throw new ArgumentException("Parameter 'version' must name a symbol version, for example GLIBCXX_3.4.32; received an empty string.", nameof(version));
            FindWeakenableFlags(image, name, version, out ElfPatchOutcome outcome);
            return outcome;
        }

        // Sets the weak flag in the image and returns where it lies; the outcome says whether anything changed.
        private static long FindWeakenableFlags(byte[] image, string name, string version, out ElfPatchOutcome outcome)
        {
            foreach (var requirement in ReadVersionRequirements(image, name))
            {
                if (requirement.Version != version) continue;
                if (requirement.IsWeak)
                {
                    outcome = ElfPatchOutcome.AlreadyWeak;
                    return requirement.FlagsOffset;
                }
                ushort weakFlags = (ushort)(requirement.Flags | VerFlgWeak);
                image[requirement.FlagsOffset] = (byte)weakFlags;
                image[requirement.FlagsOffset + 1] = (byte)(weakFlags >> 8);
                outcome = ElfPatchOutcome.Patched;
                return requirement.FlagsOffset;
            }
            outcome = ElfPatchOutcome.NotRequired;
            return -1;
        }

        /// <summary>The library's symbol-version requirements (.gnu.version_r), in file order.</summary>
        /// <exception cref="InvalidDataException">The file is not a 64-bit little-endian ELF file, or the section is malformed.</exception>
        public static IReadOnlyList<ElfVersionRequirement> ReadVersionRequirements(string libraryPath) =>
            ReadVersionRequirements(File.ReadAllBytes(libraryPath), libraryPath);

        /// <summary>True when the library defines <paramref name="version"/> (.gnu.version_d).</summary>
        /// <exception cref="InvalidDataException">The file is not a 64-bit little-endian ELF file, or the section is malformed.</exception>
        public static bool DefinesVersion(string libraryPath, string version)
        {
            byte[] image = File.ReadAllBytes(libraryPath);
            var elf = new ElfImage(image, libraryPath);
            var verdef = elf.FindSection(ShtGnuVerdef);
            if (verdef is null)
                // Stripped of section headers: the version names are still in the file's bytes.
                return IndexOf(image, Encoding.ASCII.GetBytes(version + "\0")) >= 0;

            var strings = elf.Section(verdef.Value.Link);
            long entry = verdef.Value.Offset;
            for (uint i = 0; i < verdef.Value.Info; i++)
            {
                elf.Require(entry, 20, ".gnu.version_d entry");
                ushort auxCount = elf.U16(entry + 6);
                long aux = entry + elf.U32(entry + 12);
                // The first Verdaux names the version itself; the rest name its parents.
                if (auxCount > 0)
                {
                    elf.Require(aux, 8, ".gnu.version_d aux entry");
                    if (elf.String(strings, elf.U32(aux)) == version) return true;
                }
                uint next = elf.U32(entry + 16);
                if (next == 0) break;
                entry += next;
            }
            return false;
        }

        /// <summary>
        /// Where the dynamic loader would find <paramref name="soname"/>: LD_LIBRARY_PATH, then /etc/ld.so.cache,
        /// then the standard directories; null when none holds it.
        /// </summary>
        public static string? FindSystemLibrary(string soname)
        {
            var candidates = new List<string>();
            string? ldLibraryPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            if (!string.IsNullOrEmpty(ldLibraryPath))
                foreach (string dir in ldLibraryPath!.Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries))
                    candidates.Add(Path.Combine(dir, soname));
            candidates.AddRange(PathsFromLdSoCache(soname));
            foreach (string dir in new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib" })
                candidates.Add(Path.Combine(dir, soname));

            foreach (string candidate in candidates)
                if (File.Exists(candidate) && IsElf64(candidate)) return candidate;
            return null;
        }

        // ld.so.cache keeps the full paths of the libraries it knows as NUL-terminated strings; looking for them is
        // enough to learn where a soname lives, without depending on the cache's binary layout (which has changed).
        private static IEnumerable<string> PathsFromLdSoCache(string soname)
        {
            byte[] cache;
            try { cache = File.ReadAllBytes("/etc/ld.so.cache"); }
            catch (IOException) { yield break; }
            catch (UnauthorizedAccessException) { yield break; }

            byte[] suffix = Encoding.ASCII.GetBytes("/" + soname + "\0");
            int from = 0;
            while (true)
            {
                int at = IndexOf(cache, suffix, from);
                if (at < 0) yield break;
                int start = at;
                while (start > 0 && cache[start - 1] != 0) start--;
                if (cache[start] == (byte)'/')
                    yield return Encoding.ASCII.GetString(cache, start, at + suffix.Length - 1 - start);
                from = at + suffix.Length;
            }
        }

        private static bool IsElf64(string path)
        {
            try
            {
                using var stream = File.OpenRead(path);
                var header = new byte[5];
                return stream.Read(header, 0, 5) == 5 && header[0] == 0x7f && header[1] == (byte)'E' && header[2] == (byte)'L' && header[3] == (byte)'F' && header[4] == 2;
            }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        }

        private static List<ElfVersionRequirement> ReadVersionRequirements(byte[] image, string path)
        {
            var elf = new ElfImage(image, path);
            var result = new List<ElfVersionRequirement>();
            var verneed = elf.FindSection(ShtGnuVerneed);
            if (verneed is null) return result;

            var strings = elf.Section(verneed.Value.Link);
            long entry = verneed.Value.Offset;
            for (uint i = 0; i < verneed.Value.Info; i++)
            {
                elf.Require(entry, 16, ".gnu.version_r entry");
                ushort auxCount = elf.U16(entry + 2);
                string file = elf.String(strings, elf.U32(entry + 4));
                long aux = entry + elf.U32(entry + 8);
                for (int j = 0; j < auxCount; j++)
                {
                    elf.Require(aux, 16, ".gnu.version_r aux entry");
                    result.Add(new ElfVersionRequirement(file, elf.String(strings, elf.U32(aux + 8)), elf.U16(aux + 4), aux + 4));
                    uint nextAux = elf.U32(aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = elf.U32(entry + 12);
                if (next == 0) break;
                entry += next;
            }
            return result;
        }

        private static void ReplaceAtomically(string path, long offset, byte[] bytes)
        {
            string fullPath = Path.GetFullPath(path);
            string temp = Path.Combine(Path.GetDirectoryName(fullPath)!, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            DateTime lastWrite = File.GetLastWriteTimeUtc(fullPath);
            try
            {
                // Copy keeps the file mode (the library must stay readable and executable); the rename below is atomic,
                // so a crash leaves either the original or the patched library, never a half-written one.
                File.Copy(fullPath, temp, overwrite: false);
                using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write, FileShare.None))
                {
                    stream.Seek(offset, SeekOrigin.Begin);
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(flushToDisk: true);
                }
                File.SetLastWriteTimeUtc(temp, lastWrite);
                File.Replace(temp, fullPath, destinationBackupFileName: null);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }

        private static int IndexOf(byte[] haystack, byte[] needle, int from = 0)
        {
            for (int i = from; i <= haystack.Length - needle.Length; i++)
            {
                if (haystack[i] != needle[0]) continue;
                int k = 1;
                while (k < needle.Length && haystack[i + k] == needle[k]) k++;
                if (k == needle.Length) return i;
            }
            return -1;
        }

        private readonly struct SectionHeader
        {
            public SectionHeader(uint type, long offset, long size, uint link, uint info)
            {
                Type = type; Offset = offset; Size = size; Link = link; Info = info;
            }

            public uint Type { get; }
            public long Offset { get; }
            public long Size { get; }
            public uint Link { get; }
            public uint Info { get; }
        }

        // A bounds-checked little-endian view of an ELF64 file: every malformed offset becomes an InvalidDataException.
        private sealed class ElfImage
        {
            private readonly byte[] _bytes;
            private readonly string _path;
            private readonly SectionHeader[] _sections;

            public ElfImage(byte[] bytes, string path)
            {
                _bytes = bytes;
                _path = path;
                if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
                    throw new InvalidDataException($"'{path}' is not an ELF file: it does not start with the ELF magic bytes 7F 45 4C 46.");
                if (bytes[4] != 2 || bytes[5] != 1)
                    throw new InvalidDataException($"'{path}' is an ELF file of class {bytes[4]} and data encoding {bytes[5]}; only 64-bit little-endian ELF (class 2, encoding 1) is supported.");

                long sectionTable = (long)U64(0x28);
                ushort entrySize = U16(0x3A);
                long count = U16(0x3C);
                if (sectionTable == 0) { _sections = new SectionHeader[0]; return; }
                if (entrySize < 64)
                    throw new InvalidDataException($"'{path}' has section header entries of {entrySize} bytes; ELF64 needs at least 64.");
                if (count == 0)
                {
                    // More than 0xff00 sections: the real count is in the first header's sh_size.
                    Require(sectionTable, 64, "section header 0");
                    count = (long)U64(sectionTable + 32);
                }
                Require(sectionTable, count * entrySize, "section header table");
                _sections = new SectionHeader[count];
                for (long i = 0; i < count; i++)
                {
                    long at = sectionTable + i * entrySize;
                    _sections[i] = new SectionHeader(U32(at + 4), (long)U64(at + 24), (long)U64(at + 32), U32(at + 40), U32(at + 44));
                }
            }

            public SectionHeader? FindSection(uint type)
            {
                foreach (var section in _sections)
                    if (section.Type == type)
                    {
                        Require(section.Offset, section.Size, "version section");
                        return section;
                    }
                return null;
            }

            public SectionHeader Section(uint index)
            {
                if (index >= _sections.Length)
                    throw new InvalidDataException($"'{_path}' links a version section to section {index}, but has only {_sections.Length} sections.");
                var section = _sections[index];
                Require(section.Offset, section.Size, "string table");
                return section;
            }

            public string String(SectionHeader table, uint offset)
            {
                if (offset >= table.Size)
                    throw new InvalidDataException($"'{_path}' names a string at offset {offset} of a string table of {table.Size} bytes.");
                long start = table.Offset + offset;
                long end = start;
                long limit = table.Offset + table.Size;
                while (end < limit && _bytes[end] != 0) end++;
                return Encoding.ASCII.GetString(_bytes, (int)start, (int)(end - start));
            }

            public void Require(long offset, long length, string what)
            {
                if (offset < 0 || length < 0 || offset > _bytes.Length || length > _bytes.Length - offset)
                    throw new InvalidDataException($"'{_path}' is truncated or malformed: its {what} at offset {offset} ({length} bytes) lies outside the file's {_bytes.Length} bytes.");
            }

            public ushort U16(long at) { Require(at, 2, "field"); return (ushort)(_bytes[at] | _bytes[at + 1] << 8); }

            public uint U32(long at) { Require(at, 4, "field"); return (uint)(_bytes[at] | _bytes[at + 1] << 8 | _bytes[at + 2] << 16 | _bytes[at + 3] << 24); }

            public ulong U64(long at) => U32(at) | (ulong)U32(at + 4) << 32;
        }
    }

    /// <summary>One symbol-version requirement of an ELF library: a version of a needed file.</summary>
    internal readonly struct ElfVersionRequirement
    {
        /// <summary>Creates a requirement read at <paramref name="flagsOffset"/>.</summary>
        public ElfVersionRequirement(string file, string version, ushort flags, long flagsOffset)
        {
            File = file; Version = version; Flags = flags; FlagsOffset = flagsOffset;
        }

        /// <summary>The needed library, for example libstdc++.so.6.</summary>
        public string File { get; }

        /// <summary>The required version, for example GLIBCXX_3.4.32.</summary>
        public string Version { get; }

        /// <summary>The Vernaux flags (0x2 = weak).</summary>
        public ushort Flags { get; }

        /// <summary>True when a missing version is tolerated by the loader.</summary>
        public bool IsWeak => (Flags & 0x2) != 0;

        /// <summary>Where in the file the flags lie.</summary>
        public long FlagsOffset { get; }
    }

#if !ELF_PATCHER_LIBRARY
    /// <summary>
    /// MSBuild task: makes every TorchSharp native library it is given loadable on this machine (see
    /// <see cref="ElfVersionPatcher"/>). A failure is a warning, not an error: the runtime fix still applies.
    /// </summary>
    public sealed class PatchTorchSharpNative : Microsoft.Build.Utilities.Task
    {
        /// <summary>The libLibTorchSharp.so files to patch.</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = new Microsoft.Build.Framework.ITaskItem[0];

        /// <inheritdoc />
        public override bool Execute()
        {
            foreach (var item in Files)
            {
                string path = item.GetMetadata("FullPath");
                try
                {
                    var outcome = ElfVersionPatcher.PatchTorchSharpIfNeeded(path);
                    Log.LogMessage(outcome == ElfPatchOutcome.Patched ? Microsoft.Build.Framework.MessageImportance.High : Microsoft.Build.Framework.MessageImportance.Low,
                        outcome == ElfPatchOutcome.Patched
                            ? $"TorchSharp native fix: marked {ElfVersionPatcher.TorchSharpMissingVersion} weak in {path} (the system libstdc++ lacks it)."
                            : $"TorchSharp native fix: {path}: {outcome}.");
                }
                catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException || exception is InvalidDataException)
                {
                    Log.LogWarning(null, "LRS0001", null, path, 0, 0, 0, 0,
                        $"TorchSharp native fix: could not patch {path}: {exception.Message} TorchSharpRuntime.EnsureLoaded() loads a patched copy at run time instead.");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
