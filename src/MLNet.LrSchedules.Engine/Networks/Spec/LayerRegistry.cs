using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Extra names a layer type accepts in the text form (PyTorch's functional spellings such as <c>max_pool2d</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
internal sealed class LayerAliasAttribute(params string[] aliases) : Attribute
{
    public string[] Aliases { get; } = aliases;
}

/// <summary>One constructor (or factory) parameter of a layer, with the names it goes by in JSON and the text form.</summary>
internal sealed class LayerParameter
{
    public LayerParameter(ParameterInfo parameter, PropertyInfo? property, string[] aliases)
    {
        Property = property;
        Name = JsonNamingPolicy.SnakeCaseLower.ConvertName(property?.Name ?? parameter.Name!);
        Aliases = aliases;
        Type = parameter.ParameterType;
        HasDefaultValue = parameter.HasDefaultValue;
        var underlying = Nullable.GetUnderlyingType(Type);
        // Metadata gives enum defaults as their underlying integer.
        DefaultValue = parameter.HasDefaultValue && parameter.DefaultValue is { } value && (underlying ?? Type).IsEnum
            ? Enum.ToObject(underlying ?? Type, value)
            : parameter.HasDefaultValue ? parameter.DefaultValue : null;
        IsNullable = underlying is not null;
        Positional = parameter.GetCustomAttribute<TextPositionalAttribute>() is not null;
    }

    /// <summary>True when the canonical text writes this optional first parameter unnamed, as PyTorch users write <c>Dropout(0.2)</c>.</summary>
    public bool Positional { get; }

    /// <summary>The layer's property of the same name; null for a factory's parameter (mlp).</summary>
    public PropertyInfo? Property { get; }

    /// <summary>The snake_case JSON name, also the canonical text-form key.</summary>
    public string Name { get; }

    /// <summary>Extra text-form keys (<see cref="ParameterAliasAttribute"/>).</summary>
    public string[] Aliases { get; }

    public Type Type { get; }

    public bool HasDefaultValue { get; }

    public object? DefaultValue { get; }

    /// <summary>True when the parameter accepts null (<c>none</c> in the text form).</summary>
    public bool IsNullable { get; }

    public object? ValueOf(NetworkLayer layer) => Property!.GetValue(layer);

    public bool Matches(string key) =>
        Name.Equals(key, StringComparison.OrdinalIgnoreCase) || Aliases.Any(a => a.Equals(key, StringComparison.OrdinalIgnoreCase));
}

/// <summary>An optional first parameter the canonical text form writes unnamed (<c>dropout(0.2)</c>).</summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
internal sealed class TextPositionalAttribute : Attribute;

/// <summary>A layer type: its JSON and text name (from <see cref="JsonDerivedTypeAttribute"/> on <see cref="NetworkLayer"/>) and its one public constructor.</summary>
internal sealed class LayerTypeEntry(Type type, string name, string[] aliases, ConstructorInfo constructor, LayerParameter[] parameters)
{
    public Type Type { get; } = type;

    /// <summary>The JSON discriminator and canonical text-form name.</summary>
    public string Name { get; } = name;

    public string[] Aliases { get; } = aliases;

    public IEnumerable<string> AllNames => Aliases.Prepend(Name);

    public ConstructorInfo Constructor { get; } = constructor;

    /// <summary>The constructor's parameters, in order (the text form's positional order).</summary>
    public LayerParameter[] Parameters { get; } = parameters;

    public NetworkLayer Create(object?[] values) => (NetworkLayer)Constructor.Invoke(BindingFlags.DoNotWrapExceptions, null, values, null);
}

/// <summary>
/// The layer types of <see cref="NetworkLayer"/>'s closed family, read once from its <see cref="JsonDerivedTypeAttribute"/>s:
/// one list of names for JSON, the text form, equality and the reflection test that every layer keeps the conventions.
/// </summary>
internal sealed class LayerRegistry
{
    private static readonly Lazy<LayerRegistry> DefaultInstance = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Dictionary<Type, LayerTypeEntry> _byType = [];

    private LayerRegistry(IReadOnlyList<LayerTypeEntry> entries)
    {
        Entries = entries;
        foreach (var entry in entries) _byType[entry.Type] = entry;
    }

    public static LayerRegistry Default => DefaultInstance.Value;

    public IReadOnlyList<LayerTypeEntry> Entries { get; }

    public LayerTypeEntry Of(NetworkLayer layer) => _byType[layer.GetType()];

    /// <summary>The type named <paramref name="name"/> or one of its aliases, case-insensitively; null when none.</summary>
    public LayerTypeEntry? Find(string name) =>
        Entries.FirstOrDefault(e => e.AllNames.Any(n => n.Equals(name, StringComparison.OrdinalIgnoreCase)));

    public bool SameParameters(NetworkLayer a, NetworkLayer b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.GetType() != b.GetType()) return false;
        foreach (var parameter in Of(a).Parameters)
            if (!SameValue(parameter.ValueOf(a), parameter.ValueOf(b))) return false;
        return true;
    }

    public int HashParameters(NetworkLayer layer)
    {
        var hash = new HashCode();
        hash.Add(layer.GetType());
        foreach (var parameter in Of(layer).Parameters)
        {
            switch (parameter.ValueOf(layer))
            {
                case JsonElement element: hash.Add(element.GetRawText().Length); break;
                case IEnumerable items and not string: foreach (var item in items) hash.Add(item); break;
                case var value: hash.Add(value); break;
            }
        }
        return hash.ToHashCode();
    }

    internal static bool SameValue(object? a, object? b) => (a, b) switch
    {
        (JsonElement x, JsonElement y) => JsonElement.DeepEquals(x, y),
        (IEnumerable x and not string, IEnumerable y and not string) => x.Cast<object?>().SequenceEqual(y.Cast<object?>()),
        _ => Equals(a, b),
    };

    private static LayerRegistry Build()
    {
        var entries = new List<LayerTypeEntry>();
        foreach (var derived in typeof(NetworkLayer).GetCustomAttributes<JsonDerivedTypeAttribute>())
        {
            var type = derived.DerivedType;
            string name = (string)derived.TypeDiscriminator!;
            var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
            if (constructors.Length != 1)
                throw new InvalidOperationException($"Layer type '{type.Name}' must have exactly one public constructor; it has {constructors.Length}.");
            var parameters = constructors[0].GetParameters().Select(p =>
            {
                var property = type.GetProperty(p.Name!, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
                    ?? throw new InvalidOperationException($"Constructor parameter '{p.Name}' of layer type '{type.Name}' has no public property of the same name.");
                var aliases = p.GetCustomAttribute<ParameterAliasAttribute>()?.Aliases ?? [];
                return new LayerParameter(p, property, aliases);
            }).ToArray();
            var aliases = type.GetCustomAttribute<LayerAliasAttribute>()?.Aliases ?? [];
            entries.Add(new LayerTypeEntry(type, name, aliases, constructors[0], parameters));
        }
        return new LayerRegistry(entries);
    }
}
