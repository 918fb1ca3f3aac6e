namespace MLNet.LrSchedules;

/// <summary>
/// Cosine annealing with warm restarts (SGDR): <c>lr(t) = eta_min + (base − eta_min) · (1 + cos(π·T_cur / T_i)) / 2</c>,
/// where cycle i lasts <c>T_i = T_0 · T_mult^i</c> steps and <c>T_cur</c> counts steps since its start.
/// PyTorch <c>CosineAnnealingWarmRestarts(T_0, T_mult=1, eta_min=0)</c>.
/// </summary>
/// <remarks>
/// The cycle holding a step is found with a logarithm and confirmed with exact integer arithmetic, so boundaries
/// match PyTorch's step-by-step counter exactly; O(1) for any step.
/// </remarks>
[ScheduleType("cosine_warm_restarts", "CosineAnnealingWarmRestarts")]
public sealed class CosineWarmRestartsSchedule : LrSchedule
{
    /// <summary>Creates a cosine annealing with warm restarts.</summary>
    /// <param name="t0">Steps of the first cycle, at least 1.</param>
    /// <param name="tMult">Growth factor of the cycle length after each restart, an integer &gt;= 1.</param>
    /// <param name="etaMin">The minimum rate, finite and &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public CosineWarmRestartsSchedule([ParameterAlias("t_0")] int t0, int tMult = 1, [ParameterAlias("min")] double etaMin = 0)
    {
        T0 = Check.Positive(t0);
        TMult = Check.Positive(tMult);
        EtaMin = Check.NonNegative(etaMin);
    }

    /// <summary>Steps of the first cycle.</summary>
    public int T0 { get; }

    /// <summary>Growth factor of the cycle length after each restart.</summary>
    public int TMult { get; }

    /// <summary>The minimum rate.</summary>
    public double EtaMin { get; }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        long stepsIntoCycle;
        Int128 cycleLength;
        if (TMult == 1)
        {
            stepsIntoCycle = step % T0;
            cycleLength = T0;
        }
        else
        {
            int cycle = CycleOf(step);
            Int128 start = CycleStart(cycle);
            stepsIntoCycle = (long)(step - start);
            cycleLength = T0 * Pow(TMult, cycle);
        }
        return EtaMin + (baseLearningRate - EtaMin) * (1 + Math.Cos(Math.PI * stepsIntoCycle / (double)cycleLength)) / 2;
    }

    /// <summary>The cycle holding <paramref name="step"/>, for <see cref="TMult"/> &gt; 1.</summary>
    private int CycleOf(long step)
    {
        // Cycle n starts at T_0·(m^n − 1)/(m − 1); the log gives n up to rounding, the integer checks settle it.
        int cycle = (int)Math.Floor(Math.Log((double)step / T0 * (TMult - 1) + 1, TMult));
        cycle = Math.Max(0, cycle);
        while (cycle > 0 && CycleStart(cycle) > step) cycle--;
        while (CycleStart(cycle + 1) <= step) cycle++;
        return cycle;
    }

    private Int128 CycleStart(int cycle) => T0 * (Pow(TMult, cycle) - 1) / (TMult - 1);

    private static Int128 Pow(int value, int exponent)
    {
        // Exponents stay below 64 (a cycle start never exceeds long.MaxValue), so this is bounded work.
        Int128 result = 1, factor = value;
        while (exponent > 0)
        {
            if ((exponent & 1) != 0) result *= factor;
            exponent >>= 1;
            if (exponent > 0) factor *= factor;
        }
        return result;
    }
}
