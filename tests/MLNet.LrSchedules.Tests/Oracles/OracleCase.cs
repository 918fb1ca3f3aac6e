using System.Text.Json;

namespace MLNet.LrSchedules.Tests.Oracles;

/// <summary>One recorded reference trajectory (format: Oracles/README.md).</summary>
public sealed record OracleCase(
    string Id, string Lib, string Kind, JsonElement Params, int Steps,
    double[] Lr, double[]? Momentum, double[]? Metrics, string? Optimizer)
{
    public override string ToString() => Id;

    public double Double(string name) => Params.GetProperty(name).GetDouble();
    public double? DoubleOrNull(string name) =>
        Params.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.GetDouble() : null;
    public int Int(string name) => Params.GetProperty(name).GetInt32();
    public int? IntOrNull(string name) =>
        Params.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.GetInt32() : null;
    public string String(string name) => Params.GetProperty(name).GetString()!;
    public bool Bool(string name) => Params.GetProperty(name).GetBoolean();
    public bool Has(string name) => Params.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;
    public int[] Ints(string name) => Params.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();
    public double[] Doubles(string name) => Params.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
}

/// <summary>Loads the reference trajectories copied from the shared oracles and compares trajectories.</summary>
public static class Oracle
{
    public const double DoubleTolerance = 1e-9;
    public const double Float32Tolerance = 1e-6;
    public const double AbsoluteFloor = 1e-15;

    private static readonly Dictionary<string, OracleCase[]> Cache = new();

    /// <summary>Every case of one file (torch, transformers, optax, timm, torch-momentum).</summary>
    public static OracleCase[] Load(string file)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(file, out var cached)) return cached;
            var path = Path.Combine(AppContext.BaseDirectory, "Oracles", file + ".json");
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var cases = doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new OracleCase(
                c.GetProperty("id").GetString()!,
                c.GetProperty("lib").GetString()!,
                c.GetProperty("kind").GetString()!,
                c.GetProperty("params").Clone(),
                c.GetProperty("steps").GetInt32(),
                c.GetProperty("lr").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
                c.TryGetProperty("momentum", out var m) ? m.EnumerateArray().Select(e => e.GetDouble()).ToArray() : null,
                c.TryGetProperty("metrics", out var x) ? x.EnumerateArray().Select(e => e.GetDouble()).ToArray() : null,
                c.TryGetProperty("optimizer", out var o) ? o.GetString() : null)).ToArray();
            Cache[file] = cases;
            return cases;
        }
    }

    /// <summary>MSTest DynamicData rows: one per case of <paramref name="file"/> whose kind starts with <paramref name="kindPrefix"/>.</summary>
    public static IEnumerable<object[]> Cases(string file, string kindPrefix = "") =>
        Load(file).Where(c => c.Kind.StartsWith(kindPrefix, StringComparison.Ordinal)).Select(c => new object[] { c });

    /// <summary>Asserts every value matches to a relative tolerance with an absolute floor, naming the first step that does not.</summary>
    public static void AssertMatches(string caseId, string what, IReadOnlyList<double> expected, IReadOnlyList<double> actual, double relativeTolerance)
    {
        Assert.AreEqual(expected.Count, actual.Count, $"{caseId}: {what} length");
        for (int i = 0; i < expected.Count; i++)
        {
            double e = expected[i], a = actual[i];
            double error = Math.Abs(e - a);
            if (error > Math.Max(AbsoluteFloor, relativeTolerance * Math.Abs(e)))
                Assert.Fail($"{caseId}: {what}[{i}] expected {e:R} but was {a:R} (relative error {error / Math.Max(Math.Abs(e), AbsoluteFloor):E2}).");
        }
    }

    /// <summary>The learning rates of steps 0..steps−1 of a closed-form schedule.</summary>
    public static double[] Trajectory(LrSchedule schedule, double baseLr, int steps)
    {
        var lr = new double[steps];
        schedule.GetLearningRates(0, baseLr, lr);
        return lr;
    }
}
