using MLNet.LrSchedules.Tool.Commands;

namespace MLNet.LrSchedules.Tool.Files;

/// <summary>A file a command will write: its path as given, the option that named it and the extensions it may have.</summary>
internal sealed record OutputFile(string Path, string Option, params string[] Extensions)
{
    /// <summary>Files written next to the output and named after it (the checkpoint), which must not hit an input either.</summary>
    public IReadOnlyList<string> Companions { get; init; } = [];
}

/// <summary>A file a command reads, named by the option that gave it; <see cref="MayBeOutput"/> lets a run be continued in place.</summary>
internal sealed record InputFile(string Path, string Option, bool MayBeOutput = false);

/// <summary>
/// Checks every output of a command before it does any work, and holds an OS lock on each until the command ends:
/// each output is a file path (not a folder) in a folder that exists or is created now, distinct from every other output
/// and from every input (compared after resolving symbolic links), with the right extension; no other lrsched process
/// writes it. A second process that names the same output fails at once; a killed process's locks are released by the OS.
/// </summary>
/// <remarks>
/// The lock is an exclusive <c>flock</c> (Windows: a share-deny handle) on <c>.{name}.lock</c> next to the output, deleted
/// when the command ends. Holding it also makes the temporary files a killed writer left behind safe to delete.
/// </remarks>
internal sealed class OutputClaim : IDisposable
{
    private readonly List<(string Path, FileStream Stream)> _locks = [];

    private OutputClaim() { }

    /// <summary>Validates and locks <paramref name="outputs"/>; throws a <see cref="CommandException"/> naming the file on the first problem, holding nothing.</summary>
    public static OutputClaim Take(IEnumerable<InputFile?> inputs, params OutputFile?[] outputs)
    {
        var wanted = outputs.OfType<OutputFile>().ToList();
        var given = inputs.OfType<InputFile>().Select(i => (Input: i, Canonical: PathNames.Resolve(i.Path))).ToList();
        var canonical = new List<(OutputFile Output, string Canonical)>();
        foreach (var output in wanted)
        {
            string path = output.Path;
            if (string.IsNullOrWhiteSpace(path))
                throw new CommandException($"{output.Option}: empty path (expected a file name)");
            if (output.Extensions.Length > 0 && !output.Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                throw new CommandException($"{path}: not a {string.Join(" or ", output.Extensions)} file name (expected {output.Option} to end with {string.Join(" or ", output.Extensions)})");
            string resolved = PathNames.Resolve(path);
            if (Directory.Exists(resolved))
                throw new CommandException($"{path}: is a folder (expected {output.Option} to name a file)");
            foreach (var (other, otherCanonical) in canonical)
                if (PathNames.Comparer.Equals(otherCanonical, resolved))
                    throw new CommandException($"{path}: named by both {other.Option} and {output.Option} (expected distinct output files)");
            foreach (var (input, inputCanonical) in given)
            {
                if (PathNames.Comparer.Equals(inputCanonical, resolved) && !input.MayBeOutput)
                    throw new CommandException($"{path}: {output.Option} would overwrite the input {input.Option} (expected an output distinct from every input)");
                foreach (var companion in output.Companions)
                    if (PathNames.Comparer.Equals(inputCanonical, PathNames.Resolve(companion)))
                        throw new CommandException($"{input.Path}: the input {input.Option} is where {output.Option} keeps its checkpoint (expected an input distinct from every file the command writes)");
            }
            canonical.Add((output, resolved));
        }

        var claim = new OutputClaim();
        try
        {
            foreach (var (output, resolved) in canonical.OrderBy(c => c.Canonical, PathNames.Comparer))
            {
                CreateFolder(output, resolved);
                claim.Lock(output, resolved);
                foreach (var stale in AtomicFile.StaleTemporaries(resolved).Concat(output.Companions.SelectMany(AtomicFile.StaleTemporaries)))
                    AtomicFile.TryDelete(stale);
            }
            return claim;
        }
        catch
        {
            claim.Dispose();
            throw;
        }
    }

    private static void CreateFolder(OutputFile output, string resolved)
    {
        string folder = Path.GetDirectoryName(resolved)!;
        for (string? f = folder; f is not null; f = Path.GetDirectoryName(f))
        {
            if (Directory.Exists(f)) break;
            if (File.Exists(f))
                throw new CommandException($"{output.Path}: '{f}' is a file, not a folder (expected {output.Option} in a folder that exists or can be created)");
        }
        try { Directory.CreateDirectory(folder); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"{output.Path}: its folder cannot be created: {e.Message} (expected {output.Option} in a writable folder)", e);
        }
    }

    private void Lock(OutputFile output, string resolved)
    {
        string lockPath = Path.Combine(Path.GetDirectoryName(resolved)!, $".{Path.GetFileName(resolved)}.lock");
        for (int attempt = 0; ; attempt++)
        {
            FileStream stream;
            try
            {
                stream = OperatingSystem.IsWindows()
                    ? new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Delete, 1, FileOptions.DeleteOnClose)
                    : new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new CommandException($"{output.Path}: its folder is not writable: {e.Message} (expected {output.Option} in a writable folder)", e);
            }
            catch (IOException e) when (File.Exists(lockPath))
            {
                throw new CommandException($"{output.Path}: another lrsched process is writing it (its lock {lockPath} is held) (expected one writer per file: wait for it to end, or choose another {output.Option})", e);
            }
            catch (IOException e)
            {
                throw new CommandException($"{output.Path}: cannot be written: {e.Message} (expected {output.Option} in a writable folder)", e);
            }
            // The holder deletes the lock file just before it lets go; a process that opened the old file in that instant
            // would lock a deleted file while a third locks the new one. Seen from here as a deleted open file: start again.
            if (!OperatingSystem.IsWindows() && IsDeleted(stream) && attempt < 5)
            {
                stream.Dispose();
                continue;
            }
            _locks.Add((lockPath, stream));
            return;
        }
    }

    private static bool IsDeleted(FileStream stream)
    {
        if (!OperatingSystem.IsLinux()) return !File.Exists(stream.Name);
        try
        {
            string link = $"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}";
            return new FileInfo(link).LinkTarget?.EndsWith(" (deleted)", StringComparison.Ordinal) ?? false;
        }
        catch (IOException) { return false; }
    }

    public void Dispose()
    {
        foreach (var (path, stream) in _locks)
        {
            if (!OperatingSystem.IsWindows()) AtomicFile.TryDelete(path);
            stream.Dispose();
        }
        _locks.Clear();
    }
}
