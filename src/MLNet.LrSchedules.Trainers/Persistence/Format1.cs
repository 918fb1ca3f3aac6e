
namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Reads the entries of format version 1 (multilayer perceptrons only) as those of the current format: the network entry
/// becomes the equivalent resolved spec, <c>mlp(hidden…, activation, dropout)</c> with the head <c>linear(outputs)</c>, and
/// the weights' entries are renamed from <c>hidden.i.weight</c> / <c>output.weight</c> to the layers' indices. The optimizer
/// state and the previous update direction follow the parameters' order, which is unchanged.
/// </summary>
internal static class Format1
{
    private static readonly string[] WeightEntries = [TorchModelEntries.Weights, TorchModelSerializer.CheckpointWeights, TorchModelSerializer.BestWeights];

    public static IReadOnlyDictionary<string, byte[]> Upgrade(IReadOnlyDictionary<string, byte[]> entries, string where)
    {
        var old = TorchModelEntries.FromJsonBytes<NetworkDocumentV1>(entries, TorchModelEntries.Network);
        var mlp = old.Network;
        NetworkSpec spec;
        try
        {
            spec = NetworkSpec.Mlp(mlp.HiddenLayers, mlp.Activation, mlp.Dropout).Resolve(mlp.InputSize, mlp.OutputSize);
        }
        catch (ArgumentException e)
        {
            throw new TorchModelFormatException($"{where}: the network entry '{TorchModelEntries.Network}' of format version 1 is invalid ({e.Message}).", e);
        }
        // mlp() gives linear, activation and, with dropout, a dropout layer per hidden size; the head comes last.
        int stride = mlp.Dropout > 0 ? 3 : 2;
        string Rename(string name)
        {
            int dot = name.LastIndexOf('.');
            string module = name[..dot], tensor = name[(dot + 1)..];
            if (module == "output") return $"{mlp.HiddenLayers.Count * stride}.{tensor}";
            if (module.StartsWith("hidden.", StringComparison.Ordinal) && int.TryParse(module["hidden.".Length..], out int i) && i >= 0 && i < mlp.HiddenLayers.Count)
                return $"{i * stride}.{tensor}";
            throw new FormatException($"entry '{name}' is not a weight of a format-1 perceptron");
        }

        var upgraded = new Dictionary<string, byte[]>(entries, StringComparer.Ordinal)
        {
            [TorchModelEntries.Network] = TorchModelEntries.ToJsonBytes(new NetworkDocument(old.Task, spec, old.FeatureColumnName, old.LabelColumnName, old.ClassKeyValues)),
        };
        foreach (var name in WeightEntries)
        {
            if (!entries.TryGetValue(name, out var weights)) continue;
            try
            {
                upgraded[name] = ModuleStateFormat.Rename(weights, Rename);
            }
            catch (FormatException e)
            {
                throw new TorchModelFormatException($"{where}: the weights entry '{name}' of format version 1 cannot be read: {e.Message}", e);
            }
        }
        return upgraded;
    }

    /// <summary>The network entry of format version 1.</summary>
    private sealed record NetworkDocumentV1(TrainingTask Task, MlpShapeV1 Network, string FeatureColumnName, string LabelColumnName, LabelKeyValues? ClassKeyValues);

    /// <summary>Format version 1's description of a multilayer perceptron.</summary>
    private sealed record MlpShapeV1(int InputSize, IReadOnlyList<int> HiddenLayers, Activation Activation, double Dropout, int OutputSize);
}
