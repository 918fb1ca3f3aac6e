using System.Globalization;
using System.Text;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Why a learning-rate range test ended.</summary>
public enum LrRangeTestStopReason
{
    /// <summary>All planned steps ran: the loss never diverged (widen the range with a larger end rate to see where it does).</summary>
    Completed,
    /// <summary>The smoothed loss exceeded <see cref="LrRangeTestOptions.DivergenceThreshold"/> times its best.</summary>
    Diverged,
    /// <summary>The loss became NaN or infinite.</summary>
    NonFiniteLoss,
}

/// <summary>
/// The curve of a learning-rate range test and the rates it suggests.
/// </summary>
/// <remarks>
/// <para><see cref="SuggestedLearningRate"/> is the rate where the smoothed loss falls fastest against log(rate): the most
/// negative central difference of the smoothed loss, searched from the start of the curve (leaving out the first
/// min(10, Steps / 10) points, where the average holds too few losses) up to the point of lowest smoothed loss. It is one
/// of the tested rates, so it lies in [start, end]. fastai calls it <c>steep</c>; it is a good constant rate, or a
/// conservative peak for a one-cycle schedule.</para>
/// <para><see cref="MinLossLearningRate"/> is the rate of the lowest smoothed loss divided by 10 (fastai's <c>minimum</c>;
/// Smith's rule of thumb): a safe peak rate, one decade below where training stops improving.</para>
/// </remarks>
public sealed class LrRangeTestResult
{
    private LrRangeTestResult(double startLearningRate, double endLearningRate, int plannedSteps, double[] learningRates, double[] losses,
        double[] smoothedLosses, int suggestedIndex, int minLossIndex, LrRangeTestStopReason stopReason, long? stoppedAtStep)
    {
        StartLearningRate = startLearningRate;
        EndLearningRate = endLearningRate;
        PlannedSteps = plannedSteps;
        LearningRates = Array.AsReadOnly(learningRates);
        Losses = Array.AsReadOnly(losses);
        SmoothedLosses = Array.AsReadOnly(smoothedLosses);
        SuggestedIndex = suggestedIndex;
        MinLossIndex = minLossIndex;
        StopReason = stopReason;
        StoppedAtStep = stoppedAtStep;
    }

    /// <summary>The rate of the first step.</summary>
    public double StartLearningRate { get; }

    /// <summary>The rate the last planned step would have had.</summary>
    public double EndLearningRate { get; }

    /// <summary>The number of steps planned (<see cref="LrRangeTestOptions.Steps"/>).</summary>
    public int PlannedSteps { get; }

    /// <summary>The rate of each recorded step (step i at index i).</summary>
    public IReadOnlyList<double> LearningRates { get; }

    /// <summary>The training loss of each recorded step's batch.</summary>
    public IReadOnlyList<double> Losses { get; }

    /// <summary>The exponentially weighted, bias-corrected moving average of <see cref="Losses"/>.</summary>
    public IReadOnlyList<double> SmoothedLosses { get; }

    /// <summary>The steepest descent of the smoothed loss against log(rate) (fastai's <c>steep</c>); see the remarks of the class.</summary>
    public double SuggestedLearningRate => LearningRates[SuggestedIndex];

    /// <summary>The index of <see cref="SuggestedLearningRate"/> in the curve.</summary>
    public int SuggestedIndex { get; }

    /// <summary>The rate of the lowest smoothed loss divided by 10 (fastai's <c>minimum</c>).</summary>
    public double MinLossLearningRate => LearningRateAtMinLoss / 10;

    /// <summary>The rate of the lowest smoothed loss.</summary>
    public double LearningRateAtMinLoss => LearningRates[MinLossIndex];

    /// <summary>The index of the lowest smoothed loss in the curve.</summary>
    public int MinLossIndex { get; }

    /// <summary>The lowest smoothed loss.</summary>
    public double MinSmoothedLoss => SmoothedLosses[MinLossIndex];

    /// <summary>Why the run ended.</summary>
    public LrRangeTestStopReason StopReason { get; }

    /// <summary>True when the run ended before its planned steps because the loss diverged.</summary>
    public bool StoppedEarly => StopReason != LrRangeTestStopReason.Completed;

    /// <summary>
    /// The step (0-based) at which the loss diverged: for <see cref="LrRangeTestStopReason.Diverged"/> the last recorded step,
    /// for <see cref="LrRangeTestStopReason.NonFiniteLoss"/> the step after it (its loss is not recorded); null when completed.
    /// </summary>
    public long? StoppedAtStep { get; }

    /// <summary>The rate of the step at which the loss diverged; null when completed.</summary>
    public double? DivergedLearningRate => StoppedAtStep is { } step ? RateOf(step) : null;

    /// <summary>The rate the ramp gives step <paramref name="step"/>: <c>start · (end / start)^(step / (PlannedSteps − 1))</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative.</exception>
    public double RateOf(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return Ramp(StartLearningRate, EndLearningRate, PlannedSteps).GetLearningRate(step, StartLearningRate);
    }

    /// <summary>The ramp as a schedule of this library, for the base rate <paramref name="startLearningRate"/>: <c>exponential(gamma)</c> with <c>gamma = (end / start)^(1 / (steps − 1))</c>.</summary>
    internal static ExponentialSchedule Ramp(double startLearningRate, double endLearningRate, int steps) =>
        LrSchedule.Exponential(Math.Pow(endLearningRate / startLearningRate, 1.0 / (steps - 1)));

    /// <summary>A summary: the suggestions, the stop, and the curve every <paramref name="every"/>-th point.</summary>
    public string ToString(int every)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        var text = new StringBuilder();
        text.AppendLine(Summary());
        text.AppendLine(FormattableString.Invariant($"{"step",6}  {"learning_rate",-12}  {"loss",-12}  smoothed_loss"));
        for (int i = 0; i < LearningRates.Count; i++)
        {
            if (i % every != 0 && i != LearningRates.Count - 1 && i != SuggestedIndex && i != MinLossIndex) continue;
            string mark = i == SuggestedIndex ? "  <- steepest descent" : i == MinLossIndex ? "  <- min loss" : "";
            text.AppendLine(FormattableString.Invariant($"{i,6}  {LearningRates[i],-12:G4}  {Losses[i],-12:G5}  {SmoothedLosses[i]:G5}{mark}"));
        }
        return text.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Summary();

    private string Summary()
    {
        string stop = StopReason switch
        {
            LrRangeTestStopReason.Completed => FormattableString.Invariant($"completed all {PlannedSteps} steps without diverging"),
            LrRangeTestStopReason.Diverged => FormattableString.Invariant($"stopped at step {StoppedAtStep} (rate {DivergedLearningRate:G4}): the smoothed loss diverged"),
            _ => FormattableString.Invariant($"stopped at step {StoppedAtStep} (rate {DivergedLearningRate:G4}): the loss was not finite"),
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"Suggested learning rate {SuggestedLearningRate:G4} (steepest descent); min loss / 10: {MinLossLearningRate:G4} (min smoothed loss {MinSmoothedLoss:G5} at {LearningRateAtMinLoss:G4}); {LearningRates.Count} steps from {StartLearningRate:G4}, {stop}.");
    }

    /// <summary>Smooths the losses and finds the suggestions.</summary>
    /// <exception cref="InvalidOperationException">Fewer than 2 steps were recorded: the loss diverged at once.</exception>
    internal static LrRangeTestResult Analyze(LrRangeTestOptions options, IReadOnlyList<double> learningRates, IReadOnlyList<double> losses,
        LrRangeTestStopReason stopReason, long? stoppedAtStep)
    {
        if (learningRates.Count < 2)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"The loss diverged at step {stoppedAtStep} (rate {learningRates.Count switch { 0 => options.StartLearningRate, _ => learningRates[^1] }:G4}) before the range test recorded 2 steps: "
                + $"lower StartLearningRate ({options.StartLearningRate:G4})."));
        var smoothed = Smooth(losses, options.Smoothing);
        int minIndex = 0;
        for (int i = 1; i < smoothed.Length; i++)
            if (smoothed[i] < smoothed[minIndex]) minIndex = i;
        int suggested = SteepestDescent(smoothed, minIndex, skip: Math.Min(10, options.Steps / 10));
        return new LrRangeTestResult(options.StartLearningRate, options.EndLearningRate, options.Steps, learningRates.ToArray(), losses.ToArray(),
            smoothed, suggested, minIndex, stopReason, stoppedAtStep);
    }

    /// <summary>The bias-corrected exponentially weighted moving average (Adam's correction; fastai's <c>SmoothenValue</c>).</summary>
    internal static double[] Smooth(IReadOnlyList<double> losses, double beta)
    {
        var smoothed = new double[losses.Count];
        double average = 0, betaPower = 1;
        for (int i = 0; i < smoothed.Length; i++)
        {
            average = beta * average + (1 - beta) * losses[i];
            betaPower *= beta;
            smoothed[i] = average / (1 - betaPower);
        }
        return smoothed;
    }

    /// <summary>
    /// The index in [min(skip, end), end] (end = the lowest loss) of the most negative slope of <paramref name="smoothed"/>:
    /// central differences inside, one-sided at the ends. The rates are evenly spaced in log(rate), so differences of losses
    /// order the slopes.
    /// </summary>
    internal static int SteepestDescent(IReadOnlyList<double> smoothed, int end, int skip)
    {
        int last = smoothed.Count - 1;
        double Slope(int i) => i == 0 ? smoothed[1] - smoothed[0]
            : i == last ? smoothed[last] - smoothed[last - 1]
            : (smoothed[i + 1] - smoothed[i - 1]) / 2;
        int best = Math.Min(skip, end);
        for (int i = best + 1; i <= end; i++)
            if (Slope(i) < Slope(best)) best = i;
        return best;
    }
}
