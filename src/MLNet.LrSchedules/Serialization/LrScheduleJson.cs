using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace MLNet.LrSchedules.Serialization;

/// <summary>
/// The JSON form of schedules and scheduler states: snake_case property names, a <c>"type"</c> discriminator from
/// <see cref="ScheduleTypeAttribute"/>, a top-level <c>"format_version": 1</c>, durations as <c>1000</c>, <c>"5%"</c> or
/// <c>"rest"</c> and enums as snake_case strings. Reading goes through each type's public constructor, so a document
/// is validated exactly like code that builds the schedule.
/// </summary>
/// <remarks>
/// Only the types registered with <see cref="ScheduleTypeAttribute"/> in this assembly can be created: a type name
/// from the input is looked up in that registry and never loaded as a CLR type. A missing <c>"format_version"</c>
/// reads as version 1. Every problem in the input is reported as an <see cref="LrScheduleFormatException"/>.
/// </remarks>
public static partial class LrScheduleJson
{
    /// <summary>The format version this library writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The largest document accepted, in characters.</summary>
    public const int MaxLength = 1 << 20;

    /// <summary>The deepest nesting of JSON objects and arrays accepted.</summary>
    public const int MaxDepth = 64;

    private const string FormatVersionName = "format_version";

    private static readonly Lazy<JsonSerializerOptions> LazyOptions = new(() => CreateOptions(indented: false));
    private static readonly Lazy<JsonSerializerOptions> LazyIndentedOptions = new(() => CreateOptions(indented: true));

    /// <summary>The options behind this class, for embedding schedules in other JSON documents (read-only).</summary>
    public static JsonSerializerOptions Options => LazyOptions.Value;

    /// <summary>The schedule as a JSON document with a top-level <c>"format_version"</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    public static string Serialize(LrSchedule schedule, bool indented = false)
    {
        Check.NotNull(schedule, nameof(schedule));
        return WithVersion(JsonSerializer.SerializeToNode(schedule, typeof(LrSchedule), Options)!, indented);
    }

    /// <summary>Reads a schedule written by <see cref="Serialize"/> (or by hand).</summary>
    /// <exception cref="LrScheduleFormatException">The JSON is malformed, names an unknown type or property, or holds a value the schedule rejects.</exception>
    public static LrSchedule Deserialize(string json) => Read<LrSchedule>(json, "schedule");

    /// <summary>The scheduler state (base rate, step and reactive state) as a JSON document.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="state"/> is null.</exception>
    public static string SerializeState(LrSchedulerState state, bool indented = false)
    {
        Check.NotNull(state, nameof(state));
        return WithVersion(JsonSerializer.SerializeToNode(state, Options)!, indented);
    }

    /// <summary>Reads a scheduler state written by <see cref="SerializeState"/>.</summary>
    /// <exception cref="LrScheduleFormatException">The JSON is malformed or holds a value the state rejects.</exception>
    public static LrSchedulerState DeserializeState(string json) => Read<LrSchedulerState>(json, "scheduler state");

    private static string WithVersion(JsonNode node, bool indented)
    {
        var body = node.AsObject();
        var root = new JsonObject { [FormatVersionName] = FormatVersion };
        foreach (var (name, value) in body.ToArray())
        {
            body.Remove(name);
            root[name] = value;
        }
        return root.ToJsonString(indented ? LazyIndentedOptions.Value : Options);
    }

    private static T Read<T>(string json, string what) where T : class
    {
        if (json is null) throw new LrScheduleFormatException($"The {what} JSON must not be null.", 0, 1, 1);
        if (json.Length > MaxLength)
            throw new LrScheduleFormatException($"The {what} JSON is {json.Length} characters long; at most {MaxLength} are accepted.", MaxLength, null, null);
        // A byte order mark that survived decoding: a space keeps every character position where it was.
        if (json.StartsWith('\uFEFF')) json = " " + json[1..];
        byte[] utf8 = Encoding.UTF8.GetBytes(json);
        try
        {
            CheckFormatVersion(json, utf8, what);
            return JsonSerializer.Deserialize<T>(utf8, Options)
                ?? throw new LrScheduleFormatException($"The {what} JSON is 'null'; expected an object.", 0, 1, 1);
        }
        catch (LrScheduleFormatException) { throw; }
        catch (JsonException ex)
        {
            int? line = ex.LineNumber is { } l ? (int)l : null;
            int? bytes = ex.BytePositionInLine is { } b ? (int)b : null;
            string problem = Describe(ex);
            if (problem.Contains("type discriminator", StringComparison.OrdinalIgnoreCase))
            {
                bool isState = ex.Path?.Contains("reactive", StringComparison.Ordinal) == true;
                var id = DiscriminatorId().Match(problem);
                problem = id.Success && ScheduleRegistry.Default.Find(id.Groups[1].Value, e => e.IsSchedule != isState, out _) is { } alias
                    ? $"\"type\": \"{id.Groups[1].Value}\" is an alias; JSON names the type by its name \"{alias.Name}\"."
                    : $"{problem} Known types: {KnownNames(isState)}.";
            }
            throw Located(json, utf8, $"Invalid {what} JSON: {problem}", line, bytes, ex.Path, ex);
        }
        catch (NotSupportedException ex)
        {
            // Thrown for an object without a "type": the abstract base cannot be created.
            var match = StjLocation().Match(ex.Message);
            int? line = match.Success ? int.Parse(match.Groups[2].Value) : null;
            int? bytes = match.Success ? int.Parse(match.Groups[3].Value) : null;
            string? path = match.Success ? match.Groups[1].Value : null;
            bool isState = ex.Message.Contains(nameof(ReactiveState), StringComparison.Ordinal);
            string problem = ex.Message.Contains("abstract", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("polymorphic", StringComparison.OrdinalIgnoreCase)
                ? $"{(isState ? "a reactive state" : "a schedule")} object needs a \"type\" property naming one of: {KnownNames(isState)}"
                : StripLocation(ex.Message);
            throw Located(json, utf8, $"Invalid {what} JSON: {problem}", line, bytes, path, ex);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A constructor rejected a value (ArgumentException, OverflowException, ...): name the type it belongs to.
            int? rejected = LocateRejectedObject(utf8, ex);
            // The located object's own "type" names the owner; the stack trace is only a fallback (Release builds inline small constructors).
            var owner = (rejected is { } at ? TypeNamedAt(utf8, at) : null) ?? ConstructorOwner(ex);
            string prefix = owner is null ? $"Invalid {what} JSON" : $"Invalid '{owner.Name}' {(owner.IsSchedule ? "schedule" : "state")} in the {what} JSON";
            if (rejected is not { } start)
                throw new LrScheduleFormatException($"{prefix}: {ErrorText.Of(ex)}", null, null, null, ex);
            throw Located(json, utf8, $"{prefix}: {ErrorText.Of(ex)}", LineOf(utf8, start), ColumnBytes(utf8, start), null, ex);
        }
    }

    /// <summary>
    /// The byte offset of the object whose constructor threw <paramref name="rejection"/>: the first object, in the
    /// order the serializer completes them (innermost first), that fails the same way when read on its own.
    /// Runs only on the error path.
    /// </summary>
    private static int? LocateRejectedObject(byte[] utf8, Exception rejection)
    {
        var objects = new List<(int Start, int End)>();
        var open = new Stack<int>();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.StartObject) open.Push((int)reader.TokenStartIndex);
                else if (reader.TokenType == JsonTokenType.EndObject && open.Count > 0) objects.Add((open.Pop(), (int)reader.TokenStartIndex + 1));
            }
        }
        catch (JsonException)
        {
            return null;
        }
        foreach (var (start, end) in objects.Take(256))
        {
            foreach (var baseType in (ReadOnlySpan<Type>)[typeof(LrSchedule), typeof(ReactiveState)])
            {
                try
                {
                    JsonSerializer.Deserialize(utf8.AsSpan(start, end - start), baseType, Options);
                }
                catch (Exception ex) when (ex.GetType() == rejection.GetType() && ex.Message == rejection.Message)
                {
                    return start;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Not this object, or not an object of this kind.
                }
            }
        }
        return null;
    }

    /// <summary>The serializer's message without its location, rephrased in the document's terms where it names CLR types.</summary>
    internal static string Describe(JsonException exception)
    {
        string problem = StripLocation(exception.Message);
        if (problem.StartsWith("The JSON value could not be converted to ", StringComparison.Ordinal))
            return DescribeConversionFailure(problem, exception.Path);
        if (UnmappedProperty().Match(problem) is { Success: true } unmapped && EntryOf(unmapped.Groups[2].Value) is { } owner)
            return $"'{owner.Name}' has no property \"{unmapped.Groups[1].Value}\"; " +
                (owner.Parameters.Length == 0 ? "it takes none." : $"its properties are {string.Join(", ", owner.Parameters.Select(p => $"\"{p.Name}\""))}.");
        if (MissingProperties().Match(problem) is { Success: true } missing && EntryOf(missing.Groups[1].Value) is { } incomplete)
            return $"'{incomplete.Name}' needs {missing.Groups[2].Value.Replace('\'', '"')}, which has no default.";
        return problem;
    }

    private static ScheduleTypeEntry? EntryOf(string clrFullName) =>
        ScheduleRegistry.Default.Entries.FirstOrDefault(e => e.Type.FullName == clrFullName);

    [GeneratedRegex(@"^The JSON property '([^']*)' could not be mapped to any \.NET member contained in type '([^']*)'")]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex(@"^JSON deserialization for type '([^']*)' was missing required properties including: (.*)\.$")]
    private static partial Regex MissingProperties();

    /// <summary>
    /// The serializer's "could not be converted to T" in the reader's terms: which property, and what it takes.
    /// </summary>
    private static string DescribeConversionFailure(string problem, string? path)
    {
        var property = LastPropertyName().Match(path ?? "");
        string name = property.Success ? property.Groups[1].Value : "";
        string clrName = problem["The JSON value could not be converted to ".Length..].TrimEnd('.');
        var owner = ScheduleRegistry.Default.Entries.FirstOrDefault(e => e.Type.FullName == clrName);
        Type? expected = owner?.Parameters.FirstOrDefault(p => p.Name == name)?.Type
            ?? (clrName == typeof(LrSchedulerState).FullName ? typeof(LrSchedulerState).GetProperties().FirstOrDefault(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name) == name)?.PropertyType : null)
            ?? Type.GetType(clrName, throwOnError: false);
        string shown = property.Success ? property.Value[1..] : "";
        string where = owner is null ? (shown.Length > 0 ? $"\"{shown}\"" : "the value") : $"\"{shown}\" of '{owner.Name}'";
        return expected is null ? $"{where} has the wrong kind of value." : $"{where} must be {Expected(expected)}.";
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(double) || type == typeof(float)) return "a number";
        if (type == typeof(int) || type == typeof(long)) return $"a whole number (within {type.Name} range)";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(string)) return "a string";
        if (type == typeof(Duration)) return "a duration: a step count, \"5%\" or \"rest\"";
        if (typeof(LrSchedule).IsAssignableFrom(type)) return "a schedule object with a \"type\"";
        if (TextParser.TryGetListElement(type, out var element)) return $"a list, each item {Expected(element)}";
        return $"a {type.Name}";
    }

    [GeneratedRegex(@"\.(\w+)(\[\d+\])*$")]
    private static partial Regex LastPropertyName();

    [GeneratedRegex(@"discriminator id '([^']*)'")]
    private static partial Regex DiscriminatorId();

    private static string KnownNames(bool states)
    {
        var names = (states ? ScheduleRegistry.Default.States : ScheduleRegistry.Default.Schedules).Select(e => e.Name).Order(StringComparer.Ordinal).ToArray();
        return names.Length == 0 ? "(none registered)" : string.Join(", ", names);
    }

    private static void CheckFormatVersion(string json, byte[] utf8, string what)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isVersion = reader.ValueTextEquals(FormatVersionName);
                if (!reader.Read()) return;
                if (!isVersion) { reader.Skip(); continue; }
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int version) || version < 1)
                    throw Located(json, utf8, $"Invalid {what} JSON: \"{FormatVersionName}\" must be a whole number >= 1; this library writes {FormatVersion}.",
                        LineOf(utf8, (int)reader.TokenStartIndex), ColumnBytes(utf8, (int)reader.TokenStartIndex), null, null);
                if (version > FormatVersion)
                    throw Located(json, utf8,
                        $"The {what} JSON has \"{FormatVersionName}\": {version}, newer than this version of MLNet.LrSchedules reads (up to {FormatVersion}); upgrade the library to read it.",
                        LineOf(utf8, (int)reader.TokenStartIndex), ColumnBytes(utf8, (int)reader.TokenStartIndex), null, null);
                return;
            }
        }
        catch (JsonException)
        {
            // Malformed JSON: the full read below reports it with its location.
        }
    }

    /// <summary>The 0-based line of a byte offset, as the reader counts lines.</summary>
    private static int LineOf(byte[] utf8, int offset)
    {
        int line = 0;
        for (int i = 0; i < offset && i < utf8.Length; i++) if (utf8[i] == (byte)'\n') line++;
        return line;
    }

    private static int ColumnBytes(byte[] utf8, int offset)
    {
        int start = offset;
        while (start > 0 && utf8[start - 1] != (byte)'\n') start--;
        return offset - start;
    }

    /// <summary>An exception located by the reader's 0-based line and byte-in-line, converted to character positions.</summary>
    private static LrScheduleFormatException Located(string json, byte[] utf8, string message, int? line, int? bytesInLine, string? path, Exception? inner)
    {
        if (line is not { } l || bytesInLine is not { } b)
            return new LrScheduleFormatException(message, null, null, null, inner);
        int lineStart = 0;
        for (int seen = 0; seen < l && lineStart < json.Length; lineStart++)
            if (json[lineStart] == '\n') seen++;
        // Walk the line counting UTF-8 bytes until the reader's byte offset is reached.
        int position = lineStart, counted = 0;
        while (position < json.Length && counted < b && json[position] != '\n')
        {
            if (char.IsHighSurrogate(json[position]) && position + 1 < json.Length && char.IsLowSurrogate(json[position + 1]))
            { counted += 4; position += 2; continue; }
            counted += Encoding.UTF8.GetByteCount(json.AsSpan(position, 1)) is var n && n > 0 ? n : 3;
            position++;
        }
        int column = position - lineStart + 1;
        string where = path is null or "$" or "" ? "" : $", at {path}";
        return new LrScheduleFormatException($"{message} (line {l + 1}, column {column}{where})", position, l + 1, column, inner);
    }

    internal static string StripLocation(string message)
    {
        int index = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (index < 0) index = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        return (index >= 0 ? message[..index] : message).TrimEnd();
    }

    [GeneratedRegex(@"Path: (\S*) \| LineNumber: (\d+) \| BytePositionInLine: (\d+)")]
    private static partial Regex StjLocation();

    /// <summary>The registered type named by the "type" property of the object starting at <paramref name="start"/>.</summary>
    private static ScheduleTypeEntry? TypeNamedAt(byte[] utf8, int start)
    {
        var reader = new Utf8JsonReader(utf8.AsSpan(start), new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isType = reader.ValueTextEquals("type"u8);
                if (!reader.Read()) return null;
                if (isType)
                    return reader.TokenType == JsonTokenType.String && ScheduleRegistry.Default.Find(reader.GetString()!, _ => true, out _) is { } entry ? entry : null;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Malformed past the object's start: no owner to name.
        }
        return null;
    }

    private static ScheduleTypeEntry? ConstructorOwner(Exception ex)
    {
        foreach (var frame in new StackTrace(ex, fNeedFileInfo: false).GetFrames())
            if (frame.GetMethod() is ConstructorInfo { DeclaringType: { } type } && ScheduleRegistry.Default.Find(type) is { } entry)
                return entry;
        return null;
    }

    private static JsonSerializerOptions CreateOptions(bool indented)
    {
        var registry = ScheduleRegistry.Default;
        var resolver = new DefaultJsonTypeInfoResolver();
        resolver.Modifiers.Add(info => Configure(info, registry));
        var options = new JsonSerializerOptions
        {
            TypeInfoResolver = resolver,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            WriteIndented = indented,
            MaxDepth = MaxDepth,
            AllowOutOfOrderMetadataProperties = true,
            RespectRequiredConstructorParameters = true,
            RespectNullableAnnotations = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            AllowDuplicateProperties = false,
            // Reactive states start from an infinite "best" metric, as PyTorch's do: written as "Infinity".
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Converters =
            {
                new DurationJsonConverter(),
                new SnakeCaseEnumConverterFactory(),
                new ScheduleListConverter(),
            },
        };
        options.MakeReadOnly();
        return options;
    }

    private static void Configure(JsonTypeInfo info, ScheduleRegistry registry)
    {
        if (info.Kind != JsonTypeInfoKind.Object) return;
        var type = info.Type;
        if (type.IsAbstract && (typeof(LrSchedule).IsAssignableFrom(type) || typeof(ReactiveState).IsAssignableFrom(type)))
        {
            var polymorphism = new JsonPolymorphismOptions
            {
                TypeDiscriminatorPropertyName = "type",
                UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization,
                IgnoreUnrecognizedTypeDiscriminators = false,
            };
            foreach (var entry in registry.Entries.Where(e => type.IsAssignableFrom(e.Type)))
                polymorphism.DerivedTypes.Add(new JsonDerivedType(entry.Type, entry.Name));
            // With no registered subtype yet (no reactive states), reading any object fails as "needs a type".
            if (polymorphism.DerivedTypes.Count > 0) info.PolymorphismOptions = polymorphism;
            return;
        }
        if (registry.Find(type) is not null || type == typeof(LrSchedulerState))
        {
            // Only constructor parameters are the schedule's data; computed members (Length, IsResolved, ...) are not.
            var parameterNames = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance)
                .SelectMany(c => c.GetParameters()).Select(p => p.Name!).ToHashSet(StringComparer.OrdinalIgnoreCase);
            for (int i = info.Properties.Count - 1; i >= 0; i--)
                if (info.Properties[i].AttributeProvider is not MemberInfo member || !parameterNames.Contains(member.Name))
                    info.Properties.RemoveAt(i);
            // The root object carries the version, checked before the read; here it is only accepted.
            // A scheduler of a non-reactive schedule has no reactive state: "reactive" may be left out.
            foreach (var property in info.Properties)
                if (property.AttributeProvider is MemberInfo { Name: nameof(LrSchedulerState.Reactive) } && type == typeof(LrSchedulerState))
                    property.IsRequired = false;
            var version = info.CreateJsonPropertyInfo(typeof(int), FormatVersionName);
            version.Set = static (_, _) => { };
            info.Properties.Add(version);
        }
    }
}
