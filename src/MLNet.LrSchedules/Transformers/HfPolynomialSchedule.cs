using System.Globalization;

namespace MLNet.LrSchedules;

/// <summary>
/// Linear warmup from 0, then polynomial decay from the base rate to <c>lr_end</c> at T, and <c>lr_end</c> after:
/// <c>lr(t) = (base − lr_end) · (1 − (t − W) / (T − W))^power + lr_end</c> for <c>W ≤ t ≤ T</c>.
/// transformers <c>get_polynomial_decay_schedule_with_warmup</c> (<c>SchedulerType "polynomial"</c>).
/// </summary>
/// <remarks>transformers takes the optimizer's base rate as the starting rate and requires it to exceed <c>lr_end</c>;
/// evaluating with a base rate at or below <see cref="LrEnd"/> throws.</remarks>
[ScheduleType("hf_polynomial", "get_polynomial_decay_schedule_with_warmup")]
public sealed class HfPolynomialSchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="numWarmupSteps">Warmup length W (0 for none).</param>
    /// <param name="numTrainingSteps">Total length T, warmup included (greater than W); the whole run by default.</param>
    /// <param name="lrEnd">The absolute rate reached at T; finite and &gt;= 0.</param>
    /// <param name="power">Power of the polynomial (1: linear); finite and &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public HfPolynomialSchedule(Duration numWarmupSteps, Duration numTrainingSteps = default, double lrEnd = 1e-7, double power = 1.0)
    {
        NumWarmupSteps = numWarmupSteps;
        NumTrainingSteps = Check.PositiveLength(numTrainingSteps);
        LrEnd = Check.NonNegative(lrEnd);
        Power = Check.NonNegative(power);
        // transformers divides by T − W at t = T: the decay phase must hold at least one step.
        if (numWarmupSteps.IsResolved && numTrainingSteps.IsResolved && numTrainingSteps.StepCount <= numWarmupSteps.StepCount)
            throw new ArgumentOutOfRangeException(nameof(numTrainingSteps), numTrainingSteps,
                $"Parameter 'numTrainingSteps' must be greater than numWarmupSteps ({numWarmupSteps}); received {numTrainingSteps}.");
    }

    /// <summary>Warmup length W.</summary>
    public Duration NumWarmupSteps { get; }

    /// <summary>Total length T, warmup included.</summary>
    public Duration NumTrainingSteps { get; }

    /// <summary>The absolute rate reached at T and kept after.</summary>
    public double LrEnd { get; }

    /// <summary>Power of the polynomial.</summary>
    public double Power { get; }

    /// <inheritdoc />
    public override bool IsResolved => NumWarmupSteps.IsResolved && NumTrainingSteps.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => NumTrainingSteps.IsResolved ? NumTrainingSteps : null;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new HfPolynomialSchedule(
            HfWarmup.Resolve(NumWarmupSteps, totalSteps), NumTrainingSteps.ResolvedTo(totalSteps, totalSteps), LrEnd, Power);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        if (!(baseLearningRate > LrEnd))
            throw new ArgumentOutOfRangeException(nameof(baseLearningRate), baseLearningRate,
                $"Parameter 'baseLearningRate' must be greater than lrEnd ({LrEnd.ToString("R", CultureInfo.InvariantCulture)}), as transformers requires of the initial rate; received {baseLearningRate.ToString("R", CultureInfo.InvariantCulture)}.");
        long warmup = NumWarmupSteps.StepCount, training = NumTrainingSteps.StepCount;
        if (step < warmup) return baseLearningRate * HfWarmup.Linear(step, warmup);
        // transformers returns a multiplier of the base rate; keep its arithmetic so results match to the last bits.
        double lrInit = baseLearningRate;
        if (step > training) return lrInit * (LrEnd / lrInit);
        double pctRemaining = 1 - (double)(step - warmup) / (training - warmup);
        double decay = (lrInit - LrEnd) * Math.Pow(pctRemaining, Power) + LrEnd;
        return lrInit * (decay / lrInit);
    }
}
