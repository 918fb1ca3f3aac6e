using System.Globalization;

namespace MLNet.LrSchedules;

/// <summary>Validation and construction shared by optax's piecewise schedules (boundaries_and_scales).</summary>
internal static class OptaxPiecewise
{
    public static (long[] Boundaries, double[] Scales) Validate(IReadOnlyList<long>? boundaries, IReadOnlyList<double>? scales)
    {
        Check.NotNull(boundaries, nameof(boundaries));
        Check.NotNull(scales, nameof(scales));
        if (boundaries!.Count != scales!.Count)
            throw new ArgumentException(
                $"Parameters 'boundaries' and 'scales' must have the same length (one scale per boundary); received {boundaries.Count} and {scales.Count}.",
                nameof(scales));
        Check.StrictlyIncreasing(boundaries, allowEmpty: true);
        for (int i = 0; i < boundaries.Count; i++)
        {
            if (boundaries[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(boundaries), boundaries[i],
                    $"Parameter 'boundaries' must hold steps >= 0; received {boundaries[i]} at index {i}.");
            if (!double.IsFinite(scales[i]) || scales[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(scales), scales[i],
                    $"Parameter 'scales' must hold finite numbers >= 0, as optax requires non-negative scale factors; received {scales[i].ToString("R", CultureInfo.InvariantCulture)} at index {i}.");
        }
        return (boundaries.ToArray(), scales.ToArray());
    }

    /// <summary>optax's dict <c>{step: scale}</c>, sorted by step, as the two parallel lists the schedules hold.</summary>
    public static (long[] Boundaries, double[] Scales) FromDictionary(IReadOnlyDictionary<long, double> boundariesAndScales)
    {
        Check.NotNull(boundariesAndScales, nameof(boundariesAndScales));
        var sorted = boundariesAndScales.OrderBy(kv => kv.Key).ToArray();
        return (sorted.Select(kv => kv.Key).ToArray(), sorted.Select(kv => kv.Value).ToArray());
    }

    /// <summary>
    /// The interpolation optax's onecycle schedules build from a dict literal <c>{step: scale}</c>: a step listed twice keeps
    /// the later scale, as in a Python dict.
    /// </summary>
    public static OptaxPiecewiseInterpolateSchedule Interpolate(string interpolateType, double initValue, params (long Step, double Scale)[] stepsAndScales)
    {
        var scales = new SortedDictionary<long, double>();
        foreach (var (step, scale) in stepsAndScales) scales[step] = scale;
        return new OptaxPiecewiseInterpolateSchedule(interpolateType, initValue, scales.Keys.ToArray(), scales.Values.ToArray());
    }
}
