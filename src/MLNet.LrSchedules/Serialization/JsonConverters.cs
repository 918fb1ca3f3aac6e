using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLNet.LrSchedules.Serialization;

/// <summary>
/// Enums as snake_case strings (<c>exp_range</c>); reading also accepts the C# name, case-insensitively, and an unknown
/// value is reported with the allowed ones.
/// </summary>
internal sealed class SnakeCaseEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(SnakeCaseEnumConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class SnakeCaseEnumConverter<T> : JsonConverter<T> where T : struct, Enum
    {
        private static readonly (T Value, string Name, string ClrName)[] Members =
            Enum.GetValues<T>().Select(v => (v, JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()), v.ToString())).ToArray();

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                string text = reader.GetString()!;
                foreach (var member in Members)
                    if (member.Name.Equals(text, StringComparison.OrdinalIgnoreCase) || member.ClrName.Equals(text, StringComparison.OrdinalIgnoreCase))
                        return member.Value;
                throw new JsonException($"\"{text}\" is not one of {Allowed}.");
            }
            throw new JsonException($"Expected one of {Allowed} as a string; received a {reader.TokenType}.");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            foreach (var member in Members)
                if (EqualityComparer<T>.Default.Equals(member.Value, value)) { writer.WriteStringValue(member.Name); return; }
            throw new ArgumentOutOfRangeException(nameof(value), value, $"{value} is not a defined {typeof(T).Name}.");
        }

        private static string Allowed => string.Join(", ", Members.Select(m => $"\"{m.Name}\""));
    }
}

/// <summary>
/// Lists of schedules: each element polymorphic, null elements rejected where they are (a list of schedules never
/// holds a missing one, and constructors need not each check it).
/// </summary>
internal sealed class ScheduleListConverter : JsonConverter<IReadOnlyList<LrSchedule>>
{
    public override IReadOnlyList<LrSchedule> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException($"Expected a list of schedules [{{\"type\": ...}}, ...]; received a {reader.TokenType}.");
        var schedules = new List<LrSchedule>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null)
                throw new JsonException($"A list of schedules must not contain null; received null at index {schedules.Count}.");
            try
            {
                schedules.Add(JsonSerializer.Deserialize<LrSchedule>(ref reader, options)!);
            }
            catch (JsonException ex) when (ex.Path is not null)
            {
                // The nested read located the problem inside this element only; leaving the location unset lets the
                // serializer locate it in the whole document.
                string inner = ex.Path is null or "$" ? "" : ex.Path[1..];
                throw new JsonException($"{LrScheduleJson.Describe(ex)} (in the list's element [{schedules.Count}]{inner})", ex);
            }
        }
        return schedules.ToArray();
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<LrSchedule> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var schedule in value) JsonSerializer.Serialize(writer, schedule, options);
        writer.WriteEndArray();
    }
}
