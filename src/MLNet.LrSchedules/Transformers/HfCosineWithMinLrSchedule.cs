using System.Globalization;

namespace MLNet.LrSchedules;

/// <summary>
/// Linear warmup from 0, then a cosine from the base rate down to a floor:
/// <c>lr(t) = base · max(0, c · (1 − r) + r)</c>, <c>c = ½(1 + cos(π · num_cycles · 2 · (t − W) / max(1, T − W)))</c>,
/// <c>r = min_lr_rate</c> or <c>min_lr / base</c>.
/// transformers <c>get_cosine_with_min_lr_schedule_with_warmup</c> (<c>SchedulerType "cosine_with_min_lr"</c>).
/// </summary>
/// <remarks>transformers takes exactly one of <c>min_lr</c> (absolute) and <c>min_lr_rate</c> (a fraction of the base
/// rate); here the other one stays 0, and both 0 is a floor of 0. As in transformers the wave continues past T.</remarks>
[ScheduleType("hf_cosine_with_min_lr", "cosine_with_min_lr", "get_cosine_with_min_lr_schedule_with_warmup")]
public sealed class HfCosineWithMinLrSchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="numWarmupSteps">Warmup length W (0 for none).</param>
    /// <param name="numTrainingSteps">Total length T, warmup included; the whole run by default; at least 1 step.</param>
    /// <param name="numCycles">Number of cosine periods over T − W; finite and &gt;= 0.</param>
    /// <param name="minLr">The absolute floor (0 when <paramref name="minLrRate"/> is used); finite and &gt;= 0.</param>
    /// <param name="minLrRate">The floor as a fraction of the base rate (0 when <paramref name="minLr"/> is used); in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    /// <exception cref="ArgumentException">Both <paramref name="minLr"/> and <paramref name="minLrRate"/> are set.</exception>
    public HfCosineWithMinLrSchedule(Duration numWarmupSteps, Duration numTrainingSteps = default, double numCycles = 0.5,
        double minLr = 0, double minLrRate = 0)
    {
        NumWarmupSteps = numWarmupSteps;
        NumTrainingSteps = Check.PositiveLength(numTrainingSteps);
        NumCycles = Check.NonNegative(numCycles);
        MinLr = Check.NonNegative(minLr);
        MinLrRate = Check.InRange(minLrRate, 0, 1);
        if (minLr != 0 && minLrRate != 0)
            throw new ArgumentException(
                $"Only one of 'minLr' and 'minLrRate' may be set, as in transformers; received minLr={minLr.ToString("R", CultureInfo.InvariantCulture)} and minLrRate={minLrRate.ToString("R", CultureInfo.InvariantCulture)}.",
                nameof(minLrRate));
    }

    /// <summary>Warmup length W.</summary>
    public Duration NumWarmupSteps { get; }

    /// <summary>Total length T, warmup included.</summary>
    public Duration NumTrainingSteps { get; }

    /// <summary>Number of cosine periods over T − W.</summary>
    public double NumCycles { get; }

    /// <summary>The absolute floor (0 when unused).</summary>
    public double MinLr { get; }

    /// <summary>The floor as a fraction of the base rate (0 when unused).</summary>
    public double MinLrRate { get; }

    /// <inheritdoc />
    public override bool IsResolved => NumWarmupSteps.IsResolved && NumTrainingSteps.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => NumTrainingSteps.IsResolved ? NumTrainingSteps : null;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new HfCosineWithMinLrSchedule(
            HfWarmup.Resolve(NumWarmupSteps, totalSteps), NumTrainingSteps.ResolvedTo(totalSteps, totalSteps), NumCycles, MinLr, MinLrRate);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        long warmup = NumWarmupSteps.StepCount, training = NumTrainingSteps.StepCount;
        if (step < warmup) return baseLearningRate * HfWarmup.Linear(step, warmup);
        if (baseLearningRate == 0) return 0.0;
        double rate = MinLr != 0 ? MinLr / baseLearningRate : MinLrRate;
        double progress = HfWarmup.Progress(step, warmup, training);
        double factor = 0.5 * (1.0 + Math.Cos(Math.PI * NumCycles * 2.0 * progress));
        factor = factor * (1 - rate) + rate;
        return baseLearningRate * Math.Max(0.0, factor);
    }
}
