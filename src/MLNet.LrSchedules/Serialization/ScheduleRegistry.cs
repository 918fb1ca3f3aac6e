using System.Reflection;
using System.Text.Json;

namespace MLNet.LrSchedules.Serialization;

/// <summary>One constructor parameter of a registered type, with the names it goes by in JSON and the text form.</summary>
internal sealed class ScheduleParameter
{
    public ScheduleParameter(ParameterInfo parameter, PropertyInfo property, string name, string[] aliases)
    {
        Parameter = parameter;
        Property = property;
        Name = name;
        Aliases = aliases;
        DefaultValue = parameter.HasDefaultValue ? NormalizeDefault(parameter) : null;
        IsNullable = Nullable.GetUnderlyingType(parameter.ParameterType) is not null
            || (!parameter.ParameterType.IsValueType && new NullabilityInfoContext().Create(parameter).WriteState == NullabilityState.Nullable);
    }

    /// <summary>True when the parameter accepts null (<c>none</c> in the text form).</summary>
    public bool IsNullable { get; }

    public ParameterInfo Parameter { get; }

    public PropertyInfo Property { get; }

    /// <summary>The snake_case JSON name, also the canonical text-form key.</summary>
    public string Name { get; }

    /// <summary>Extra text-form keys from <see cref="ParameterAliasAttribute"/>.</summary>
    public string[] Aliases { get; }

    public Type Type => Parameter.ParameterType;

    public bool HasDefaultValue => Parameter.HasDefaultValue;

    public object? DefaultValue { get; }

    public bool Matches(string key) =>
        Name.Equals(key, StringComparison.OrdinalIgnoreCase)
        || Aliases.Any(a => a.Equals(key, StringComparison.OrdinalIgnoreCase));

    private static object? NormalizeDefault(ParameterInfo parameter)
    {
        // Enum defaults come back from metadata as their underlying integer.
        object? value = parameter.DefaultValue;
        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        // "= default" on a struct parameter (a Duration, say) reads back as null.
        if (value is null) return type.IsValueType && Nullable.GetUnderlyingType(parameter.ParameterType) is null ? Activator.CreateInstance(type) : null;
        if (value is DBNull || value is Missing) return null;
        if (type.IsEnum && value.GetType() != type) return Enum.ToObject(type, value);
        if (type == typeof(double) && value is not double) return Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
        if (type == typeof(long) && value is not long) return Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        return value;
    }
}

/// <summary>A registered schedule or reactive-state type: its names and its one public constructor.</summary>
internal sealed class ScheduleTypeEntry
{
    public ScheduleTypeEntry(Type type, string name, string[] aliases, ConstructorInfo constructor, ScheduleParameter[] parameters)
    {
        Type = type;
        Name = name;
        Aliases = aliases;
        Constructor = constructor;
        Parameters = parameters;
    }

    public Type Type { get; }

    /// <summary>The JSON discriminator and canonical text-form name.</summary>
    public string Name { get; }

    public string[] Aliases { get; }

    public IEnumerable<string> AllNames => Aliases.Prepend(Name);

    public ConstructorInfo Constructor { get; }

    /// <summary>The constructor's parameters, in order (the text form's positional order).</summary>
    public ScheduleParameter[] Parameters { get; }

    public bool IsSchedule => typeof(LrSchedule).IsAssignableFrom(Type);

    public ScheduleParameter? FindParameter(string key) => Parameters.FirstOrDefault(p => p.Matches(key));
}

/// <summary>
/// Every schedule and reactive-state type of this assembly that carries <see cref="ScheduleTypeAttribute"/>.
/// JSON and the text form create only these types: a name from the input is looked up here, never resolved as a CLR type.
/// </summary>
internal sealed class ScheduleRegistry
{
    private static readonly Lazy<ScheduleRegistry> DefaultInstance =
        new(() => Build(typeof(LrSchedule).Assembly.GetTypes()), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Dictionary<string, ScheduleTypeEntry> _byExactName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, ScheduleTypeEntry> _byType = [];

    private ScheduleRegistry(IReadOnlyList<ScheduleTypeEntry> entries, IReadOnlyList<string> problems)
    {
        Entries = entries;
        Problems = problems;
        foreach (var entry in entries)
        {
            _byType[entry.Type] = entry;
            foreach (var name in entry.AllNames) _byExactName[name] = entry;
        }
    }

    /// <summary>The registry of this assembly's types.</summary>
    /// <exception cref="InvalidOperationException">Two types share a name.</exception>
    public static ScheduleRegistry Default => DefaultInstance.Value;

    public IReadOnlyList<ScheduleTypeEntry> Entries { get; }

    /// <summary>
    /// Types left out because they break the constructor contract (a test asserts there are none). Leaving them out
    /// rather than failing keeps every other type serializable while one is being fixed.
    /// </summary>
    public IReadOnlyList<string> Problems { get; }

    public IEnumerable<ScheduleTypeEntry> Schedules => Entries.Where(e => e.IsSchedule);

    public IEnumerable<ScheduleTypeEntry> States => Entries.Where(e => !e.IsSchedule);

    public ScheduleTypeEntry? Find(Type type) => _byType.GetValueOrDefault(type);

    /// <summary>
    /// The type named <paramref name="name"/> (its name or an alias): an exact match first, then a case-insensitive
    /// one, which must be unique.
    /// </summary>
    public ScheduleTypeEntry? Find(string name, Func<ScheduleTypeEntry, bool> filter, out IReadOnlyList<ScheduleTypeEntry> ambiguous)
    {
        ambiguous = [];
        if (_byExactName.TryGetValue(name, out var exact) && filter(exact)) return exact;
        var matches = Entries.Where(e => filter(e) && e.AllNames.Any(n => n.Equals(name, StringComparison.OrdinalIgnoreCase))).ToArray();
        if (matches.Length == 1) return matches[0];
        if (matches.Length > 1) ambiguous = matches;
        return null;
    }

    /// <summary>Builds the registry from <paramref name="types"/>, keeping those that carry the attribute.</summary>
    /// <exception cref="InvalidOperationException">A name is used twice.</exception>
    public static ScheduleRegistry Build(IEnumerable<Type> types)
    {
        var entries = new List<ScheduleTypeEntry>();
        var problems = new List<string>();
        var owners = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (type.IsAbstract || type.GetCustomAttribute<ScheduleTypeAttribute>(inherit: false) is not { } attribute) continue;
            if (!typeof(LrSchedule).IsAssignableFrom(type) && !typeof(ReactiveState).IsAssignableFrom(type))
            {
                problems.Add($"Type '{type.FullName}' carries [ScheduleType(\"{attribute.Name}\")] but derives from neither LrSchedule nor ReactiveState.");
                continue;
            }
            foreach (var name in attribute.Aliases.Prepend(attribute.Name))
            {
                if (string.IsNullOrWhiteSpace(name))
                    throw new InvalidOperationException($"Type '{type.FullName}' has an empty [ScheduleType] name or alias.");
                if (owners.TryGetValue(name, out var owner))
                    throw new InvalidOperationException(
                        $"Schedule type name '{name}' is used by both '{owner.FullName}' and '{type.FullName}': [ScheduleType] names and aliases must be unique.");
                owners[name] = type;
            }
            try
            {
                entries.Add(CreateEntry(type, attribute));
            }
            catch (InvalidOperationException ex)
            {
                problems.Add(ex.Message);
            }
        }
        return new ScheduleRegistry(entries, problems);
    }

    private static ScheduleTypeEntry CreateEntry(Type type, ScheduleTypeAttribute attribute)
    {
        var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
        if (constructors.Length != 1)
            throw new InvalidOperationException(
                $"Schedule type '{type.FullName}' must have exactly one public constructor (JSON and the text form create it through that constructor); it has {constructors.Length}.");
        var constructor = constructors[0];
        var parameters = constructor.GetParameters().Select(p =>
        {
            var property = type.GetProperty(p.Name!, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
                ?? throw new InvalidOperationException(
                    $"Constructor parameter '{p.Name}' of schedule type '{type.FullName}' has no public property of the same name (camelCase parameter, PascalCase property).");
            if (property.PropertyType != p.ParameterType)
                throw new InvalidOperationException(
                    $"Constructor parameter '{p.Name}' of schedule type '{type.FullName}' is a {p.ParameterType.Name} but property '{property.Name}' is a {property.PropertyType.Name}; they must match.");
            var aliases = p.GetCustomAttribute<ParameterAliasAttribute>()?.Aliases ?? [];
            return new ScheduleParameter(p, property, JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name), aliases);
        }).ToArray();
        return new ScheduleTypeEntry(type, attribute.Name, attribute.Aliases, constructor, parameters);
    }
}
