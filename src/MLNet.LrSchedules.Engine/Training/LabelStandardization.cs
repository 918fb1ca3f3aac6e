namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The affine map between a regression label and the network's output: the network learns <c>(y − Mean) / StandardDeviation</c>
/// and its prediction is <c>Mean + StandardDeviation · output</c>, in the label's own units (scikit-learn's
/// <c>TransformedTargetRegressor</c> with a <c>StandardScaler</c>). Part of a run's <see cref="EngineSettings"/>, computed once
/// from the training data with <see cref="Of"/>, and kept by a resumed run.
/// </summary>
/// <remarks>
/// Training on the standardized label makes the loss's scale, and so the learning rate that works, independent of the
/// label's units: a raw target such as a price trains with the same defaults as a scaled one. The engine standardizes the
/// labels of the training and validation batches, reports the validation RMSE in the label's units (<c>StandardDeviation ·</c>
/// the standardized RMSE), and <see cref="NetworkScorer"/> maps the output back. Losses (step, epoch and validation) stay
/// those of the standardized problem, the quantity the optimizer minimizes.
/// </remarks>
public sealed record LabelStandardization
{
    /// <summary>Creates the map.</summary>
    /// <param name="mean">The mean of the training labels; finite.</param>
    /// <param name="standardDeviation">Their standard deviation; finite and &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public LabelStandardization(double mean, double standardDeviation)
    {
        if (!double.IsFinite(mean))
            throw new ArgumentOutOfRangeException(nameof(mean), mean, $"Parameter 'mean' must be finite; received {mean}.");
        if (!(double.IsFinite(standardDeviation) && standardDeviation > 0))
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), standardDeviation, $"Parameter 'standardDeviation' must be finite and > 0; received {standardDeviation}.");
        Mean = mean;
        StandardDeviation = standardDeviation;
    }

    /// <summary>The mean of the training labels.</summary>
    public double Mean { get; }

    /// <summary>The standard deviation of the training labels (population: divided by the weight sum, not n − 1).</summary>
    public double StandardDeviation { get; }

    /// <summary>
    /// The mean and standard deviation of <paramref name="source"/>'s labels, weighted by its example weights when it has
    /// any, read once in the data's order (so the same data always gives the same values). Labels that do not vary get a
    /// standard deviation of 1 (they are only centered), as scikit-learn's <c>StandardScaler</c> does.
    /// </summary>
    /// <param name="source">The training data.</param>
    /// <param name="batchSize">Rows per batch read (any size gives the same result).</param>
    /// <exception cref="ArgumentException">The source has no rows, or its example weights sum to 0.</exception>
    public static LabelStandardization Of(IBatchSource source, int batchSize = 4096)
    {
        Check.NotNull(source);
        Check.Positive(batchSize, nameof(batchSize));
        // West's weighted incremental mean and variance: one pass, no cancellation between large sums.
        double weightSum = 0, mean = 0, squares = 0;
        long rows = 0;
        foreach (var batch in source.ReadBatches(batchSize, epoch: 0, seed: 0, shuffle: false))
        {
            for (int i = 0; i < batch.Rows; i++)
            {
                double w = batch.Weights?[i] ?? 1;
                if (w == 0) continue;
                double y = batch.Labels[i];
                weightSum += w;
                double delta = y - mean;
                mean += w / weightSum * delta;
                squares += w * delta * (y - mean);
            }
            rows += batch.Rows;
        }
        if (rows == 0)
            throw new ArgumentException("Parameter 'source' holds no rows: there are no labels to standardize.", nameof(source));
        if (!(weightSum > 0))
            throw new ArgumentException($"The example weights of the {rows} training rows sum to 0: there are no labels to standardize.", nameof(source));
        double deviation = Math.Sqrt(Math.Max(squares, 0) / weightSum);
        return new LabelStandardization(mean, deviation > 0 && double.IsFinite(deviation) ? deviation : 1);
    }

    /// <summary>The standardized labels, <c>(y − Mean) / StandardDeviation</c> rounded to float (a new array).</summary>
    internal float[] Standardize(ReadOnlySpan<float> labels)
    {
        var result = new float[labels.Length];
        for (int i = 0; i < labels.Length; i++) result[i] = (float)((labels[i] - Mean) / StandardDeviation);
        return result;
    }

    /// <summary>A root-mean-square error of standardized labels in the label's units.</summary>
    internal double InLabelUnits(double standardizedRmse) => standardizedRmse * StandardDeviation;
}
