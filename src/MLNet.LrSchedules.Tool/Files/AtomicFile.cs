using System.Runtime.InteropServices;
using Microsoft.ML;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Tool.Files;

/// <summary>
/// Every file lrsched writes goes through here: a temporary file in the target's folder, flushed to disk, renamed over
/// the target, then the folder flushed, so that a crash or kill at any moment leaves either the old file or the new one.
/// </summary>
/// <remarks>
/// One helper on purpose: model files go through the library's sealed writer (<see cref="WriteModel"/>), everything else
/// (plots, ONNX files) through <see cref="Write"/>.
/// Temporary files are named <c>.{name}.{pid}.{guid}.tmp</c>; <see cref="StaleTemporaries"/> finds those a killed process left.
/// </remarks>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>; on any failure the old file (if any) is untouched and no temporary file remains.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
        FlushFolder(folder);
        TestHooks.Pause($"after-rename:{Path.GetFileName(full)}");
    }

    /// <summary>
    /// A model file: sealed (every byte covered, <c>TorchModelFile.SaveSealed</c>) and put in place by the library's own
    /// atomic writer (same temporary naming: a temporary file in the folder, flushed to disk, renamed), then the folder flushed.
    /// </summary>
    public static void WriteModel(MLContext ml, ITransformer model, DataViewSchema? inputSchema, string path)
    {
        string full = Path.GetFullPath(path);
        ml.Model.SaveSealed(model, inputSchema, full);
        FlushFolder(Path.GetDirectoryName(full)!);
        TestHooks.Pause($"after-rename:{Path.GetFileName(full)}");
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    /// <summary>Moves a complete file over <paramref name="destination"/> in one rename (both in one folder), then flushes the folder.</summary>
    public static void Promote(string source, string destination)
    {
        File.Move(source, destination, overwrite: true);
        FlushFolder(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        TestHooks.Pause($"after-rename:{Path.GetFileName(destination)}");
    }

    /// <summary>
    /// Temporary files of <paramref name="path"/> left by killed processes, including those of the library's checkpoint writer
    /// (same naming). Only meaningful while the caller holds <paramref name="path"/>'s lock: then no live lrsched writes them.
    /// </summary>
    public static IEnumerable<string> StaleTemporaries(string path)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder, $".{Path.GetFileName(full)}.*.tmp")
            .Where(f => IsTemporaryName(Path.GetFileName(f), Path.GetFileName(full)));
    }

    /// <summary>.{name}.{pid}.{hex}.tmp, and nothing else that merely starts the same way.</summary>
    private static bool IsTemporaryName(string candidate, string name)
    {
        var middle = candidate[(name.Length + 2)..^4].Split('.');
        return middle.Length == 2 && middle[0].All(char.IsAsciiDigit) && middle[0].Length > 0 && middle[1].All(char.IsAsciiHexDigit) && middle[1].Length > 0;
    }

    public static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Makes the rename itself durable (POSIX: fsync on the folder). Best effort: a failure here loses no data that a crash of the process could.</summary>
    private static void FlushFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            int fd = Posix.open(folder, 0);
            if (fd < 0) return;
            Posix.fsync(fd);
            Posix.close(fd);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    private static class Posix
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }
}
