namespace MLNet.LrSchedules;

/// <summary>
/// Cosine annealing: <c>lr(t) = eta_min + (base − eta_min) · (1 + cos(π·t / T_max)) / 2</c>, a cosine of period
/// <c>2·T_max</c> that keeps oscillating past <c>T_max</c>. PyTorch <c>CosineAnnealingLR(T_max, eta_min=0)</c>.
/// </summary>
/// <remarks>
/// <para>PyTorch computes this rate recursively (its chainable form): each step multiplies <c>lr − eta_min</c> by
/// <c>(1 + cos(π·t/T_max)) / (1 + cos(π·(t−1)/T_max))</c>, and at the steps <c>t = T_max + 1 + 2k·T_max</c>, where that
/// ratio would divide by zero, adds <c>(base − eta_min)·(1 − cos(π/T_max))/2</c> instead. The ratios telescope, so the
/// observable rate is the cosine above, also past <c>T_max</c>. This schedule evaluates that telescoped form with the same
/// floating-point pieces (the restart value and the cosine ratio of each half period), so it also reproduces the
/// rounding of PyTorch's rates near the minimum for very long periods.</para>
/// <para>Immutable; O(1) for any step.</para>
/// </remarks>
[ScheduleType("cosine", "cosine_annealing", "CosineAnnealingLR")]
public sealed class CosineAnnealingSchedule : LrSchedule
{
    /// <summary>Creates a cosine annealing.</summary>
    /// <param name="tMax">Steps from the base rate to <paramref name="etaMin"/> (half the period), at least 1 step; the rest of the run by default.</param>
    /// <param name="etaMin">The minimum rate, finite and &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="etaMin"/> is out of range.</exception>
    public CosineAnnealingSchedule(Duration tMax = default, [ParameterAlias("min")] double etaMin = 0)
    {
        TMax = Check.PositiveLength(tMax);
        EtaMin = Check.NonNegative(etaMin);
    }

    /// <summary>Steps from the base rate to <see cref="EtaMin"/>: half the period.</summary>
    public Duration TMax { get; }

    /// <summary>The minimum rate.</summary>
    public double EtaMin { get; }

    /// <inheritdoc />
    public override bool IsResolved => TMax.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => TMax;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new CosineAnnealingSchedule(TMax.ResolvedTo(totalSteps, totalSteps), EtaMin);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        long tMax = TMax.StepCount;
        double amplitude = baseLearningRate - EtaMin;
        if (step <= tMax)
            return EtaMin + amplitude * OnePlusCos(step, tMax) / 2;

        // Past T_max PyTorch's recursion restarts from its additive step at s = T_max + 1 + 2k·T_max (the last one
        // at or before this step) and multiplies by cosine ratios from there.
        long halfPeriodsAfterFirstRestart = (step - tMax - 1) / 2 / tMax;
        long restart = tMax + 1 + 2 * halfPeriodsAfterFirstRestart * tMax;
        double restartRise = amplitude * (1 - Math.Cos(Math.PI / tMax)) / 2;
        double restartCos = OnePlusCos(restart, tMax);
        // For periods beyond 2^53 steps the restart rounds onto the minimum itself (PyTorch divides by zero there);
        // the direct cosine is what the recursion means.
        if (!(restartCos > 0))
            return EtaMin + amplitude * OnePlusCos(step, tMax) / 2;
        return EtaMin + restartRise * (OnePlusCos(step, tMax) / restartCos);
    }

    // Same operation order as PyTorch (π·t first, then / T_max), so the rounding matches.
    private static double OnePlusCos(long step, long tMax) => 1 + Math.Cos(Math.PI * step / tMax);
}
