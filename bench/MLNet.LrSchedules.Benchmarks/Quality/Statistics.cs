namespace MLNet.LrSchedules.Benchmarks.Quality;

/// <summary>Helpers shared by the benchmarks' own timing loops.</summary>
internal static class Timings
{
    /// <summary>The median (the mean of the two middle values for an even count); NaN for no values.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>Mean and sample standard deviation (n − 1) of the finite values among <see cref="Total"/> (NaN = no value: a target never reached, a diverged fit).</summary>
internal readonly record struct Summary(double Mean, double StandardDeviation, int Count, int Total)
{
    public static Summary Of(IReadOnlyList<double> values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0) return new Summary(double.NaN, double.NaN, 0, values.Count);
        double mean = finite.Average();
        double sd = finite.Length < 2 ? double.NaN : Math.Sqrt(finite.Sum(v => (v - mean) * (v - mean)) / (finite.Length - 1));
        return new Summary(mean, sd, finite.Length, values.Count);
    }
}

/// <summary>
/// The paired difference of two rows measured on the same seeds (same split, same initialization seed): the mean of the
/// per-seed differences and its standard error, sd(differences) / √n. Pairing removes the split-to-split variation both
/// rows share, which is most of it.
/// </summary>
internal sealed record Difference(double Mean, double StandardError, int Count)
{
    /// <summary>|mean| &gt; 2 SE (about a 95% two-sided level; with 5 seeds a t test would ask for 2.78 SE, so read 2–3 SE as a hint).</summary>
    public bool ExceedsTwoStandardErrors => StandardError == 0 ? Mean != 0 : Math.Abs(Mean) > 2 * StandardError;

    /// <summary>Null unless both rows have a finite value for every seed and there are at least two seeds.</summary>
    public static Difference? Paired(IReadOnlyList<double> row, IReadOnlyList<double> reference)
    {
        if (row.Count != reference.Count || row.Count < 2 || row.Concat(reference).Any(v => !double.IsFinite(v))) return null;
        var d = row.Zip(reference, (a, b) => a - b).ToArray();
        var summary = Summary.Of(d);
        return new Difference(summary.Mean, summary.StandardDeviation / Math.Sqrt(d.Length), d.Length);
    }
}
