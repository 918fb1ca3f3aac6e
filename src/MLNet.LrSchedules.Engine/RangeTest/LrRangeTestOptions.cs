using System.Globalization;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Settings of a learning-rate range test: the rate grows exponentially from <see cref="StartLearningRate"/> to
/// <see cref="EndLearningRate"/> over <see cref="Steps"/> optimizer steps, <c>lr_i = start · (end / start)^(i / (Steps − 1))</c>.
/// </summary>
/// <remarks>The defaults follow Smith (2015) and fastai's <c>lr_find</c>: smoothing 0.98, stop once the smoothed loss exceeds 4× its best.</remarks>
public sealed class LrRangeTestOptions
{
    /// <summary>The rate of the first step.</summary>
    /// <value>Default 1e-6. Must be finite, &gt; 0 and &lt; <see cref="EndLearningRate"/>.</value>
    public double StartLearningRate { get; set; } = 1e-6;

    /// <summary>The rate of the last step.</summary>
    /// <value>Default 10. Must be finite and &gt; <see cref="StartLearningRate"/>.</value>
    public double EndLearningRate { get; set; } = 10;

    /// <summary>The number of optimizer steps (points on the curve) when the loss does not diverge first.</summary>
    /// <value>Default 200. Must be in [3, 1,000,000].</value>
    public int Steps { get; set; } = 200;

    /// <summary>The factor β of the exponentially weighted moving average of the loss: <c>avg_i = β·avg_(i−1) + (1 − β)·loss_i</c>, divided by <c>1 − β^(i+1)</c> (bias correction).</summary>
    /// <value>Default 0.98. Must be in [0, 1); 0 disables smoothing.</value>
    public double Smoothing { get; set; } = 0.98;

    /// <summary>The run stops once the smoothed loss exceeds this multiple of the lowest smoothed loss so far.</summary>
    /// <value>Default 4. Must be finite and &gt; 1.</value>
    public double DivergenceThreshold { get; set; } = 4;

    /// <summary>Whether to stop at <see cref="DivergenceThreshold"/>; a NaN or infinite loss always stops the run.</summary>
    /// <value>Default true.</value>
    public bool StopOnDivergence { get; set; } = true;

    /// <summary>Throws when a setting is out of range; the message names the option, the value and the allowed range.</summary>
    internal void Validate()
    {
        Require(double.IsFinite(StartLearningRate) && StartLearningRate > 0, nameof(StartLearningRate), StartLearningRate, "a finite number > 0");
        Require(double.IsFinite(EndLearningRate) && EndLearningRate > 0, nameof(EndLearningRate), EndLearningRate, "a finite number > 0");
        Require(EndLearningRate > StartLearningRate, nameof(EndLearningRate), EndLearningRate,
            $"greater than StartLearningRate ({Format(StartLearningRate)}): the rate grows from start to end");
        Require(Steps is >= 3 and <= 1_000_000, nameof(Steps), Steps, "an integer in [3, 1000000]");
        Require(Smoothing >= 0 && Smoothing < 1, nameof(Smoothing), Smoothing, "in [0, 1)");
        Require(double.IsFinite(DivergenceThreshold) && DivergenceThreshold > 1, nameof(DivergenceThreshold), DivergenceThreshold, "a finite number > 1");
    }

    /// <summary>A copy, so that a run is not affected by later changes to the caller's instance.</summary>
    internal LrRangeTestOptions Clone() => (LrRangeTestOptions)MemberwiseClone();

    private static void Require(bool ok, string option, object value, string allowed)
    {
        if (!ok)
            throw new ArgumentOutOfRangeException(option, value, $"Option '{option}' must be {allowed}; received {Format(value)}.");
    }

    private static string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null";
}
