using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The entries a TorchSharp MLP transformer saves into an ML.NET model file, each a stream of its own, and the
/// manifest that lists them with their SHA-256 so that a truncated or modified file is rejected.
/// </summary>
internal static class TorchModelEntries
{
    /// <summary>
    /// The newest layout of the entries, the highest this version reads. A reader refuses a file whose manifest declares a newer one.
    /// 3: as 2, and the training entry holds a label standardization that scoring must apply (a regression network that
    /// learned the standardized label); written for such networks only (<see cref="FormatVersionFor"/>), so that a reader of
    /// format 2, which would ignore it and score in the wrong units, refuses them.
    /// 2: the network entry holds the resolved <see cref="NetworkSpec"/>, weights are named by layer index (<c>0.weight</c>).
    /// 1: the network entry held a multilayer perceptron's sizes, weights named <c>hidden.0.weight</c> … <c>output.bias</c> (read by <see cref="Format1"/>).
    /// </summary>
    public const int FormatVersion = 3;

    /// <summary>The oldest format that holds everything a run with <paramref name="settings"/> needs: older readers can still read the rest.</summary>
    public static int FormatVersionFor(EngineSettings settings) => settings.LabelStandardization is null ? 2 : 3;

    public const string Manifest = "TorchMlp.manifest.json";
    public const string Network = "TorchMlp.network.json";
    public const string Weights = "TorchMlp.weights.bin";
    public const string Schedule = "TorchMlp.schedule.json";
    public const string SchedulerState = "TorchMlp.scheduler_state.json";
    public const string Optimizer = "TorchMlp.optimizer.json";
    public const string OptimizerState = "TorchMlp.optimizer_state.bin";
    public const string History = "TorchMlp.history.json";
    public const string Training = "TorchMlp.training.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string LibraryVersion =>
        typeof(TorchModelEntries).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? typeof(TorchModelEntries).Assembly.GetName().Version?.ToString() ?? "unknown";

    public static byte[] ToJsonBytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Json);

    public static T FromJsonBytes<T>(IReadOnlyDictionary<string, byte[]> entries, string name)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(entries[name], Json)
                   ?? throw new TorchModelFormatException($"The model entry '{name}' is empty.");
        }
        catch (JsonException e)
        {
            throw new TorchModelFormatException($"The model entry '{name}' is not valid JSON for its kind: {e.Message}", e);
        }
    }

    /// <summary>The entries in saving order, with the manifest first.</summary>
    public static List<KeyValuePair<string, byte[]>> WithManifest(TrainingTask task, int formatVersion, IReadOnlyList<KeyValuePair<string, byte[]>> entries)
    {
        var manifest = new ManifestDocument(
            formatVersion,
            LibraryVersion,
            task,
            entries.Select(e => new ManifestEntry(e.Key, e.Value.LongLength, Convert.ToHexStringLower(SHA256.HashData(e.Value)))).ToList());
        var all = new List<KeyValuePair<string, byte[]>> { new(Manifest, ToJsonBytes(manifest)) };
        all.AddRange(entries);
        return all;
    }

    /// <summary>
    /// Checks the manifest (format version first, so that a newer file gets the "upgrade" message rather than a parse
    /// error) and every listed entry's length and SHA-256.
    /// </summary>
    public static ManifestDocument Verify(IReadOnlyDictionary<string, byte[]> entries, string where)
    {
        if (!entries.TryGetValue(Manifest, out var manifestBytes))
            throw new TorchModelFormatException($"{where} lacks the entry '{Manifest}': the file is truncated or was not written by MLNet.LrSchedules.Trainers.");
        var manifest = ParseManifest(manifestBytes, (problem, inner) => inner is null
            ? new TorchModelFormatException($"{where}: {problem}")
            : new TorchModelFormatException($"{where}: {problem}", inner));
        foreach (var entry in manifest.Entries)
        {
            if (!entries.TryGetValue(entry.Name, out var bytes))
                throw new TorchModelFormatException($"{where} lacks the entry '{entry.Name}' listed in its manifest: the file is truncated or was modified.");
            if (bytes.LongLength != entry.Bytes || Convert.ToHexStringLower(SHA256.HashData(bytes)) != entry.Sha256)
                throw new TorchModelFormatException(
                    $"{where}: the entry '{entry.Name}' fails its SHA-256 check ({bytes.LongLength} bytes, manifest says {entry.Bytes}): the file was modified or damaged.");
        }
        return manifest;
    }

    /// <summary>The most a manifest may hold (a few hundred bytes per entry it lists); a larger one is refused before it is read.</summary>
    public const int MaxManifestBytes = 1 << 20;

    /// <summary>
    /// The folders (zip name prefixes: "" or ending in a separator) that hold a TorchSharp network, in ordinal order.
    /// </summary>
    public static List<string> Directories(IEnumerable<string> zipEntryNames) =>
        zipEntryNames
            .Where(n => n.EndsWith(Manifest, StringComparison.Ordinal)
                        && (n.Length == Manifest.Length || n[^(Manifest.Length + 1)] is '/' or '\\'))
            .Select(n => n[..^Manifest.Length])
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// Reads the entries of the TorchSharp network in the zip folder <paramref name="directory"/>: the manifest first (at
    /// most <see cref="MaxManifestBytes"/>), then, once every listed entry's size in the zip matched the manifest and
    /// their sum is within <paramref name="maxBytes"/>, each entry, checked against its SHA-256. A crafted file thus costs
    /// no more memory than its manifest declares, and never more than <paramref name="maxBytes"/>.
    /// </summary>
    /// <param name="filePath">The file, for error messages (null: unknown).</param>
    /// <param name="directory">The folder's prefix in the zip (for error messages: entries are named by it).</param>
    /// <param name="sizeOf">The declared size of an entry of the folder (by its name in the folder), or null when the zip lacks it.</param>
    /// <param name="read">The content of an entry of the folder, whose declared size the caller may rely on.</param>
    /// <param name="maxBytes">The most the entries may hold together.</param>
    /// <returns>The entries by their names in the folder, manifest included.</returns>
    public static Dictionary<string, byte[]> ReadListed(string? filePath, string directory, Func<string, long?> sizeOf, Func<string, byte[]> read, long maxBytes)
    {
        string manifestName = directory + Manifest;
        long manifestSize = sizeOf(Manifest)
            ?? throw new TorchModelFormatException(filePath, manifestName, "the entry is missing: the file is truncated or was not written by MLNet.LrSchedules.Trainers.");
        if (manifestSize > MaxManifestBytes)
            throw new TorchModelFormatException(filePath, manifestName, $"it declares {manifestSize} bytes; a manifest holds at most {MaxManifestBytes}: the file is damaged or crafted.");
        byte[] manifestBytes = read(Manifest);
        var manifest = ParseManifest(manifestBytes, (problem, inner) => new TorchModelFormatException(filePath, manifestName, problem, inner));

        long total = manifestBytes.LongLength;
        var names = new HashSet<string>(StringComparer.Ordinal) { Manifest };
        foreach (var entry in manifest.Entries)
        {
            string full = directory + entry.Name;
            // A manifest names entries of its own folder only: it cannot send a reader elsewhere in the zip.
            if (entry.Name is null || !entry.Name.StartsWith("TorchMlp.", StringComparison.Ordinal) || entry.Name.IndexOfAny(['/', '\\']) >= 0 || !names.Add(entry.Name))
                throw new TorchModelFormatException(filePath, manifestName, $"it lists '{entry.Name}', which is not a distinct TorchMlp entry of its folder: the file is damaged or crafted.");
            long size = sizeOf(entry.Name)
                ?? throw new TorchModelFormatException(filePath, full, "the entry is missing although the manifest lists it: the file is truncated or was modified.");
            if (size != entry.Bytes)
                throw new TorchModelFormatException(filePath, full, $"the zip declares {size} bytes; the manifest records {entry.Bytes}: the file was modified or damaged.");
            total += size;
        }
        if (total > maxBytes)
            throw new TorchModelFormatException(filePath, manifestName, $"the entries it lists hold {total} bytes, more than the {maxBytes} bytes this reader accepts (maxBytes).");

        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [Manifest] = manifestBytes };
        foreach (var entry in manifest.Entries)
        {
            byte[] bytes = read(entry.Name);
            string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (bytes.LongLength != entry.Bytes || sha != entry.Sha256)
                throw new TorchModelFormatException(filePath, directory + entry.Name,
                    $"the entry '{entry.Name}' fails its SHA-256 check ({bytes.LongLength} bytes with SHA-256 {sha[..12]}…; the manifest records {entry.Bytes} bytes with {entry.Sha256[..Math.Min(12, entry.Sha256.Length)]}…): the file was modified or damaged.");
            entries[entry.Name] = bytes;
        }
        return entries;
    }

    /// <summary>
    /// Runs <paramref name="decode"/> on entries that passed <see cref="ReadListed"/>: what their documents hold that
    /// cannot be read back (a crafted file, a document this version does not know) becomes a
    /// <see cref="TorchModelFormatException"/> naming the file and folder, never a bare JSON, argument or null-reference error.
    /// </summary>
    public static T Decode<T>(Func<T> decode, string? filePath, string folder)
    {
        try
        {
            return decode();
        }
        catch (TorchModelFormatException e)
        {
            throw filePath is null ? e : e.WithFile(filePath);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new TorchModelFormatException(filePath, null, $"the TorchSharp network in '{folder}' cannot be read back ({e.GetType().Name}: {e.Message}).", e);
        }
    }

    private static ManifestDocument ParseManifest(byte[] manifestBytes, Func<string, Exception?, TorchModelFormatException> error)
    {
        int version;
        try
        {
            using var document = JsonDocument.Parse(manifestBytes);
            version = document.RootElement.GetProperty("format_version").GetInt32();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw error($"the entry '{Manifest}' is damaged ({e.Message}).", e);
        }
        if (version > FormatVersion)
            throw error($"it was saved with TorchSharp MLP format version {version}; this version of MLNet.LrSchedules.Trainers ({LibraryVersion}) reads format versions up to {FormatVersion}. Upgrade the package to load it.", null);
        if (version < 1)
            throw error($"the entry '{Manifest}' declares format version {version}, which never existed.", null);
        ManifestDocument? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ManifestDocument>(manifestBytes, Json);
        }
        catch (JsonException e)
        {
            throw error($"the entry '{Manifest}' is not a valid manifest ({e.Message}).", e);
        }
        if (manifest?.Entries is null || manifest.Entries.Any(e => e?.Name is null || e.Sha256 is null))
            throw error($"the entry '{Manifest}' is not a valid manifest (it must list entries with name, bytes and sha256).", null);
        return manifest;
    }

    internal static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}

/// <summary>The manifest entry of a saved TorchSharp MLP.</summary>
internal sealed record ManifestDocument(int FormatVersion, string LibraryVersion, TrainingTask Task, IReadOnlyList<ManifestEntry> Entries);

/// <summary>One listed entry: name, length and SHA-256 (lowercase hex).</summary>
internal sealed record ManifestEntry(string Name, long Bytes, string Sha256);
