namespace MLNet.LrSchedules.Plotting;

/// <summary>
/// The plot of a learning-rate range test (Smith 2015; fastai's <c>lr_find</c>): loss against learning rate on a
/// logarithmic x-axis, with dashed lines at the suggested rates.
/// </summary>
/// <example>
/// <code>
/// var r = ml.MulticlassClassification.Trainers.FindLearningRate(data, options);
/// RangeTestPlot.Create(r.LearningRates, r.Losses, r.SmoothedLosses, r.SuggestedLearningRate, r.MinLossLearningRate).Save("lr-range.png");
/// </code>
/// </example>
public static class RangeTestPlot
{
    /// <summary>Builds the plot; save it with <see cref="CurvePlot.Save"/> or render it to bytes.</summary>
    /// <param name="learningRates">The rate of each step, all &gt; 0.</param>
    /// <param name="losses">The raw loss of each step; null to leave it out. Raw losses above 1.1× the highest smoothed loss are left out, so that the spikes of a diverging run do not flatten the curve.</param>
    /// <param name="smoothedLosses">The smoothed loss of each step.</param>
    /// <param name="suggestedLearningRate">Marked with a dashed line (the steepest descent); null for none.</param>
    /// <param name="minLossLearningRate">Marked with a second dashed line (the minimum-loss rate / 10); null for none.</param>
    /// <exception cref="ArgumentException">The series are empty or of different lengths.</exception>
    public static CurvePlot Create(IReadOnlyList<double> learningRates, IReadOnlyList<double>? losses, IReadOnlyList<double> smoothedLosses,
        double? suggestedLearningRate = null, double? minLossLearningRate = null)
    {
        ArgumentNullException.ThrowIfNull(learningRates);
        ArgumentNullException.ThrowIfNull(smoothedLosses);
        var plot = new CurvePlot("learning rate", "loss") { LogX = true, Title = "Learning-rate range test" };
        if (losses is not null)
        {
            double cap = 1.1 * smoothedLosses.Where(double.IsFinite).DefaultIfEmpty(double.PositiveInfinity).Max();
            plot.Add("loss", learningRates, losses.Select(l => l <= cap ? l : double.NaN).ToArray());
        }
        plot.Add("smoothed loss", learningRates, smoothedLosses);
        if (suggestedLearningRate is { } suggested)
            plot.AddMarker(FormattableString.Invariant($"steepest descent {suggested:G3}"), suggested);
        if (minLossLearningRate is { } minimum)
            plot.AddMarker(FormattableString.Invariant($"min loss / 10 {minimum:G3}"), minimum);
        return plot;
    }
}
