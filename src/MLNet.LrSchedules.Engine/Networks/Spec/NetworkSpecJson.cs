using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The JSON form of network specs: <c>{"input_size": 784, "layers": [{"type": "reshape", "shape": [1, 28, 28]}, ...]}</c>,
/// snake_case properties, each layer's type name as its <c>"type"</c>, properties at their default written too. Reading goes
/// through each layer's public constructor, so a document is validated exactly like code that builds the spec.
/// </summary>
internal static class NetworkSpecJson
{
    /// <summary>The largest document accepted, in characters.</summary>
    public const int MaxLength = 1 << 20;

    public static readonly JsonSerializerOptions LayerOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        MaxDepth = 64,
        AllowOutOfOrderMetadataProperties = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new SnakeCaseEnumConverterFactory() },
    };

    private static readonly JsonSerializerOptions Indented = new(LayerOptions) { WriteIndented = true };

    /// <summary>How the arguments of a module of your own are written and read: snake_case names, read case-insensitively.</summary>
    public static readonly JsonSerializerOptions ArgumentOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
        RespectRequiredConstructorParameters = true,
        Converters = { new SnakeCaseEnumConverterFactory() },
    };

    public static string Serialize(NetworkSpec spec, bool indented)
    {
        Check.NotNull(spec);
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
            Write(writer, spec, indented ? Indented : LayerOptions);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static NetworkSpec Deserialize(string json)
    {
        if (json is null) throw new NetworkSpecFormatException("The network JSON must not be null.", 0, 1, 1);
        if (json.Length > MaxLength)
            throw new NetworkSpecFormatException($"The network JSON is {json.Length} characters long; at most {MaxLength} are accepted.", MaxLength, null, null);
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            return Read(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new NetworkSpecFormatException($"Invalid network JSON: {e.Message}", null, e.LineNumber + 1, e.BytePositionInLine + 1, e);
        }
    }

    public static void Write(Utf8JsonWriter writer, NetworkSpec spec, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (spec.InputSize is { } input) writer.WriteNumber("input_size", input);
        writer.WritePropertyName("layers");
        writer.WriteStartArray();
        foreach (var layer in spec.Layers) JsonSerializer.Serialize(writer, layer, options == LayerOptions || options == Indented ? options : LayerOptions);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>A spec from its JSON object; every problem is a <see cref="JsonException"/> that names the layer (its index and type).</summary>
    public static NetworkSpec Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new JsonException($"A network must be a JSON object {{\"layers\": [...]}}; received a JSON {Kind(root)}.");
        int? inputSize = null;
        JsonElement? layersElement = null;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "input_size":
                    if (property.Value.ValueKind != JsonValueKind.Null)
                        inputSize = property.Value.TryGetInt32(out int size) ? size : throw new JsonException($"\"input_size\" must be an integer; received {property.Value.GetRawText()}.");
                    break;
                case "layers":
                    layersElement = property.Value;
                    break;
                default:
                    throw new JsonException($"A network has no property \"{property.Name}\"; its properties are \"input_size\" and \"layers\".");
            }
        }
        if (layersElement is not { ValueKind: JsonValueKind.Array } array)
            throw new JsonException("A network needs a \"layers\" array.");
        var layers = new List<NetworkLayer>();
        foreach (var element in array.EnumerateArray())
        {
            int index = layers.Count;
            string type = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
            string where = type.Length > 0 ? $"layer {index} (\"{type}\")" : $"layer {index}";
            if (type.Length == 0)
                throw new JsonException($"The network's {where} needs a \"type\" naming one of: {KnownTypes()}.");
            if (LayerRegistry.Default.Entries.All(e => e.Name != type))
            {
                var alias = LayerRegistry.Default.Find(type);
                throw new JsonException(alias is not null
                    ? $"The network's {where}: \"{type}\" is a text-form alias; JSON names the layer by its name \"{alias.Name}\"."
                    : $"The network's {where} has an unknown type; known types: {KnownTypes()}.");
            }
            try
            {
                layers.Add(element.Deserialize<NetworkLayer>(LayerOptions) ?? throw new JsonException("null"));
            }
            catch (JsonException e)
            {
                throw new JsonException($"The network's {where} is invalid: {e.Message}", e);
            }
            catch (Exception e) when (e is ArgumentException or OverflowException)
            {
                throw new JsonException($"The network's {where} is invalid: {ErrorText.Of(e)}", e);
            }
        }
        try
        {
            return new NetworkSpec(layers, inputSize);
        }
        catch (ArgumentException e)
        {
            throw new JsonException(ErrorText.Of(e), e);
        }
    }

    private static string KnownTypes() => string.Join(", ", LayerRegistry.Default.Entries.Select(e => $"\"{e.Name}\""));

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();
}

/// <summary>Lets a <see cref="NetworkSpec"/> sit inside any JSON document (settings, model files) in its own form.</summary>
internal sealed class NetworkSpecJsonConverter : JsonConverter<NetworkSpec>
{
    public override NetworkSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return NetworkSpecJson.Read(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, NetworkSpec value, JsonSerializerOptions options) =>
        NetworkSpecJson.Write(writer, value, NetworkSpecJson.LayerOptions);
}
