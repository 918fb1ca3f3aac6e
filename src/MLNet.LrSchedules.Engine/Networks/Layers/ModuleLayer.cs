using System.Text.Json;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A module of your own: a TorchSharp <c>Module&lt;Tensor, Tensor&gt;</c> built by the factory registered under
/// <see cref="Name"/> with <see cref="TorchModules.Register{TArgs}"/>, from <see cref="Arguments"/> (as Keras finds a
/// custom layer through <c>custom_objects</c>). The model file stores the name and the arguments, not the code: loading it
/// needs the same registration. Text: <c>module(residual, {"channels": 16})</c>.
/// </summary>
/// <remarks>
/// The shape the module gives is found by a dry forward pass of one zero example (in evaluation mode, without gradients)
/// when the network is built, before training.
/// </remarks>
public sealed class ModuleLayer : NetworkLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">The name the module's factory is registered under: letters, digits, '_', '-' and '.', starting with a letter.</param>
    /// <param name="arguments">The factory's arguments: a JSON object, or null for a factory without arguments.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid name, or <paramref name="arguments"/> is not a JSON object.</exception>
    public ModuleLayer(string name, JsonElement? arguments = null)
    {
        Name = TorchModuleNames.Check(name, nameof(name));
        if (arguments is { } args)
        {
            if (args.ValueKind != JsonValueKind.Object)
                throw new ArgumentException($"Parameter 'arguments' must be a JSON object such as {{\"channels\": 16}}; received a JSON {args.ValueKind.ToString().ToLowerInvariant()}.", nameof(arguments));
            Arguments = args.Clone();
        }
    }

    /// <summary>The name the module's factory is registered under.</summary>
    public string Name { get; }

    /// <summary>The factory's arguments as a JSON object, or null.</summary>
    public JsonElement? Arguments { get; }

    internal override TensorShape? InferShape(TensorShape? input) => null;
}

/// <summary>The rule for module names, shared by the layer and the registry.</summary>
internal static class TorchModuleNames
{
    public static string Check(string? name, string parameter)
    {
        MLNet.LrSchedules.Check.NotNull(name, parameter);
        bool ok = name!.Length is > 0 and <= 128 && char.IsAsciiLetter(name[0])
                  && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
        return ok ? name : throw new ArgumentException(
            $"Parameter '{parameter}' must be a module name of letters, digits, '_', '-' and '.' starting with a letter (at most 128 characters); received '{name}'.", parameter);
    }
}
