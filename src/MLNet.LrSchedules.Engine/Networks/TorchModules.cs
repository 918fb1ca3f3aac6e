using System.Collections.Concurrent;
using System.Text.Json;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Modules of your own, registered under a name (as Keras finds custom layers through <c>custom_objects</c>): a
/// <see cref="ModuleLayer"/> <c>module(name, {json arguments})</c> in a <see cref="NetworkSpec"/> is built by the factory
/// registered under its name, from its arguments. Model files store the name and the arguments, not the code: loading or
/// resuming a model needs the same registration, and fails without it with a message naming what to register.
/// </summary>
/// <remarks>
/// <para>A factory returns a new TorchSharp <c>Module&lt;Tensor, Tensor&gt;</c> on the CPU taking a batch (the first
/// dimension) of the shape the layer receives; the engine registers it inside the network, moves it to the device, and trains
/// its parameters and buffers with the rest (saved with the weights, restored on resume).</para>
/// <para>Determinism: the engine calls <c>torch.manual_seed(seed)</c> before building a network that holds modules of your
/// own, then builds them in layer order, so their initialization depends on the run's seed only. Dropout inside your module
/// draws from torch's global generator: a resumed run is exact only without it (use the spec's <c>dropout</c> layer, whose
/// masks come from the engine's per-epoch generator).</para>
/// <para>Thread-safe. Registering a name again replaces its factory.</para>
/// </remarks>
/// <example>
/// <code>
/// public sealed record ResidualArgs(int Channels);
/// TorchModules.Register("residual", (ResidualArgs a) => new ResidualBlock(a.Channels));
/// var spec = NetworkSpec.Parse("reshape(1, 8, 8) >> conv2d(8, kernel=3, padding=1) >> module(residual, {\"channels\": 8}) >> flatten");
/// </code>
/// </example>
public static class TorchModules
{
    private static readonly ConcurrentDictionary<string, Registration> Factories = new(StringComparer.Ordinal);

    /// <summary>Registers <paramref name="factory"/> under <paramref name="name"/>; its arguments are read from the layer's JSON object.</summary>
    /// <typeparam name="TArgs">The arguments: a JSON-serializable type (a record), read with snake_case property names, case-insensitively.</typeparam>
    /// <param name="name">The name a spec's <c>module(name, ...)</c> refers to: letters, digits, '_', '-' and '.', starting with a letter.</param>
    /// <param name="factory">Builds a new module from the arguments.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid name.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is null.</exception>
    public static void Register<TArgs>(string name, Func<TArgs, nn.Module<Tensor, Tensor>> factory)
    {
        TorchModuleNames.Check(name, nameof(name));
        Check.NotNull(factory);
        Factories[name] = new Registration(typeof(TArgs), arguments =>
        {
            if (arguments is not { } json)
                throw new ArgumentsError($"needs its arguments, a JSON object for {typeof(TArgs).Name}, as in module({name}, {{...}})");
            TArgs value;
            try
            {
                value = json.Deserialize<TArgs>(NetworkSpecJson.ArgumentOptions)
                        ?? throw new JsonException("the arguments are null");
            }
            catch (JsonException e)
            {
                throw new ArgumentsError($"has arguments {JsonSerializer.Serialize(json)} that cannot be read as {typeof(TArgs).Name}: {e.Message.TrimEnd('.')}", e);
            }
            return factory(value);
        });
    }

    /// <summary>Registers <paramref name="factory"/>, which takes no arguments, under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid name.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is null.</exception>
    public static void Register(string name, Func<nn.Module<Tensor, Tensor>> factory)
    {
        TorchModuleNames.Check(name, nameof(name));
        Check.NotNull(factory);
        Factories[name] = new Registration(null, _ => factory());
    }

    /// <summary>Removes the registration of <paramref name="name"/>; false when there was none.</summary>
    public static bool Unregister(string name) => Factories.TryRemove(Check.NotNull(name), out _);

    /// <summary>True when a factory is registered under <paramref name="name"/>.</summary>
    public static bool IsRegistered(string name) => Factories.ContainsKey(Check.NotNull(name));

    /// <summary>The registered names, sorted.</summary>
    public static IReadOnlyList<string> Names => Factories.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Throws when a module layer of <paramref name="spec"/> has no registration; <paramref name="what"/> says what needs it.</summary>
    /// <exception cref="InvalidOperationException">A module is not registered; the message names it and how to register it.</exception>
    public static void EnsureRegistered(NetworkSpec spec, string what)
    {
        Check.NotNull(spec);
        for (int i = 0; i < spec.Layers.Count; i++)
            if (spec.Layers[i] is ModuleLayer module && !Factories.ContainsKey(module.Name))
                throw Missing(module, i, what);
    }

    /// <summary>Builds layer <paramref name="index"/>, <paramref name="layer"/>, with its registered factory.</summary>
    internal static nn.Module<Tensor, Tensor> Create(ModuleLayer layer, int index)
    {
        if (!Factories.TryGetValue(layer.Name, out var registration))
            throw Missing(layer, index, "Building the network");
        nn.Module<Tensor, Tensor>? module;
        try
        {
            module = registration.Create(layer.Arguments);
        }
        catch (ArgumentsError e)
        {
            throw new ArgumentException($"Layer {index} '{layer}' of the network {e.Message}.", e.InnerException);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ArgumentException($"Layer {index} '{layer}' of the network could not be built by the factory registered under '{layer.Name}': {e.Message}", e);
        }
        return module ?? throw new InvalidOperationException($"The factory registered under '{layer.Name}' returned null for layer {index} '{layer}'; it must return a new module.");
    }

    private static InvalidOperationException Missing(ModuleLayer layer, int index, string what) => new(
        $"{what} needs a module registered under the name '{layer.Name}' (layer {index}: '{layer}'), and none is. " +
        $"Call TorchModules.Register(\"{layer.Name}\", (YourArgs args) => new YourModule(...)) first, with the factory that built it" +
        (Factories.IsEmpty ? "; no module is registered." : $"; registered: {string.Join(", ", Names.Select(n => $"'{n}'"))}."));

    /// <summary>The arguments of a module layer do not fit its factory; the message continues "Layer i '...' of the network".</summary>
    private sealed class ArgumentsError(string message, Exception? inner = null) : Exception(message, inner);

    private sealed record Registration(Type? ArgumentsType, Func<JsonElement?, nn.Module<Tensor, Tensor>?> Create);
}
