using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Tool.Training;

/// <summary>
/// How a CLI run got its data: the file (with its size and SHA-256), the label, the split and the reading options. Saved
/// in the model's input schema (an annotation of the Features column, inside ML.NET's own Schema entry), so that
/// <c>lrsched retrain run.zip --continue</c> needs no options and can tell when an option or the data contradicts the run.
/// </summary>
internal sealed record RunRecipe(
    [property: JsonPropertyName("data")] string Data,
    [property: JsonPropertyName("data_bytes")] long? DataBytes,
    [property: JsonPropertyName("data_sha256")] string? DataSha256,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("task")] TrainingTask Task,
    [property: JsonPropertyName("test_fraction")] double TestFraction,
    [property: JsonPropertyName("validation_fraction")] double ValidationFraction,
    [property: JsonPropertyName("limit_rows")] int? LimitRows,
    [property: JsonPropertyName("invalid_cells")] InvalidCells InvalidCells,
    [property: JsonPropertyName("ignore_columns")] string[] IgnoreColumns,
    [property: JsonPropertyName("plot")] string? Plot)
{
    public const string AnnotationName = "lrsched.Run";

    /// <summary>The name that stands for the embedded MNIST sample in <see cref="Data"/>.</summary>
    public const string Mnist = "mnist";

    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    public bool UsesMnist => Data == Mnist;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The recipe saved with a model's input schema, or null for models written otherwise (older lrsched, the library).</summary>
    public static RunRecipe? From(DataViewSchema? inputSchema)
    {
        var features = inputSchema?.GetColumnOrNull(TabularData.FeaturesColumn);
        if (features is not { } column || column.Annotations.Schema.GetColumnOrNull(AnnotationName) is null) return null;
        ReadOnlyMemory<char> text = default;
        column.Annotations.GetValue(AnnotationName, ref text);
        try { return JsonSerializer.Deserialize<RunRecipe>(text.Span, Json); }
        catch (JsonException) { return null; }
    }

    /// <summary>The size and SHA-256 of a data file, which a continued run must find unchanged.</summary>
    public static (long Bytes, string Sha256) Fingerprint(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return (stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }
}
