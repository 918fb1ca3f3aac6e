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
    /// The layout of the entries. A reader refuses a file whose manifest declares a newer one.
    /// 2: the network entry holds the resolved <see cref="NetworkSpec"/>, weights are named by layer index (<c>0.weight</c>).
    /// 1: the network entry held a multilayer perceptron's sizes, weights named <c>hidden.0.weight</c> … <c>output.bias</c> (read by <see cref="Format1"/>).
    /// </summary>
    public const int FormatVersion = 2;

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
    public static List<KeyValuePair<string, byte[]>> WithManifest(TrainingTask task, IReadOnlyList<KeyValuePair<string, byte[]>> entries)
    {
        var manifest = new ManifestDocument(
            FormatVersion,
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
        int version;
        try
        {
            using var document = JsonDocument.Parse(manifestBytes);
            version = document.RootElement.GetProperty("format_version").GetInt32();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new TorchModelFormatException($"{where}: the entry '{Manifest}' is damaged ({e.Message}).", e);
        }
        if (version > FormatVersion)
            throw new TorchModelFormatException(
                $"{where} was saved with TorchSharp MLP format version {version}; this version of MLNet.LrSchedules.Trainers ({LibraryVersion}) reads format versions up to {FormatVersion}. Upgrade the package to load it.");
        if (version < 1)
            throw new TorchModelFormatException($"{where}: the entry '{Manifest}' declares format version {version}, which never existed.");
        var manifest = FromJsonBytes<ManifestDocument>(new Dictionary<string, byte[]> { [Manifest] = manifestBytes }, Manifest);
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

    internal static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}

/// <summary>The manifest entry of a saved TorchSharp MLP.</summary>
internal sealed record ManifestDocument(int FormatVersion, string LibraryVersion, TrainingTask Task, IReadOnlyList<ManifestEntry> Entries);

/// <summary>One listed entry: name, length and SHA-256 (lowercase hex).</summary>
internal sealed record ManifestEntry(string Name, long Bytes, string Sha256);
