namespace MLNet.LrSchedules.Tool.Files;

/// <summary>Canonical paths, so that two names of one file (relative, <c>..</c>, symbolic links) compare equal.</summary>
internal static class PathNames
{
    public static StringComparer Comparer { get; } = OperatingSystem.IsLinux() ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;

    /// <summary>The full path with every symbolic link along it resolved (parts that do not exist yet are kept as written).</summary>
    public static string Resolve(string path)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full)!;
        var parts = new Queue<string>(full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries));
        string current = root;
        int links = 0;
        while (parts.Count > 0)
        {
            string next = Path.Combine(current, parts.Dequeue());
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.Exists && info.LinkTarget is { } target)
            {
                if (++links > 40) return next; // a loop: the OS will refuse it when the file is opened
                string resolved = Path.GetFullPath(target, current);
                string resolvedRoot = Path.GetPathRoot(resolved)!;
                var rest = parts.ToArray();
                parts = new Queue<string>(resolved[resolvedRoot.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Concat(rest));
                current = resolvedRoot;
                continue;
            }
            current = next;
        }
        return current;
    }

    public static bool Same(string a, string b) => Comparer.Equals(Resolve(a), Resolve(b));
}
