namespace MLNet.LrSchedules;

/// <summary>Cycle arithmetic and warmup shared by timm's cyclic schedulers (cosine, poly, tanh).</summary>
internal static class TimmCycles
{
    /// <summary>
    /// timm's cycle index i, cycle length t_i and position t_curr inside it for step t (after the warmup shift).
    /// Cycle lengths grow (or shrink) geometrically by <paramref name="cycleMul"/>, so the index is a logarithm.
    /// </summary>
    /// <returns>False when t lies beyond the end of infinitely many shrinking cycles (cycle_mul &lt; 1), where timm
    /// itself fails with a math domain error; the caller then treats the cycle limit as reached.</returns>
    public static bool Locate(long t, long tInitial, double cycleMul, out double i, out double tI, out double tCurr)
    {
        if (cycleMul != 1)
        {
            double x = 1 - (double)t / tInitial * (1 - cycleMul);
            if (!(x > 0))
            {
                i = double.PositiveInfinity; tI = tCurr = 0;
                return false;
            }
            i = Math.Floor(Math.Log(x) / Math.Log(cycleMul));
            double mulPowI = Math.Pow(cycleMul, i);
            tI = mulPowI * tInitial;
            tCurr = t - (1 - mulPowI) / (1 - cycleMul) * tInitial;
        }
        else
        {
            long cycle = t / tInitial;
            i = cycle;
            tI = tInitial;
            tCurr = t - tInitial * cycle;
        }
        return true;
    }

    /// <summary>timm's <c>get_cycle_length(cycle_limit)</c> (plus the warmup when it is a prefix), or null when it does not fit a step count.</summary>
    public static Duration? Length(Duration tInitial, Duration warmupT, double cycleMul, int cycleLimit, bool warmupPrefix)
    {
        if (!tInitial.IsResolved || !warmupT.IsResolved) return null;
        int cycles = Math.Max(1, cycleLimit);
        double length = cycleMul == 1.0
            ? (double)tInitial.StepCount * cycles
            : Math.Floor(-tInitial.StepCount * (Math.Pow(cycleMul, cycles) - 1) / (1 - cycleMul));
        if (warmupPrefix) length += warmupT.StepCount;
        return length is >= 1 and < 9e18 ? Duration.Steps((long)length) : null;
    }

    /// <summary>The warmup durations resolve against the whole run; the cycle against what the prefix warmup leaves.</summary>
    public static (Duration TInitial, Duration WarmupT) Resolve(Duration tInitial, Duration warmupT, bool warmupPrefix, long totalSteps)
    {
        var warmup = warmupT.ResolvedTo(totalSteps, totalSteps);
        long remaining = warmupPrefix ? Math.Max(1, totalSteps - warmup.StepCount) : totalSteps;
        return (tInitial.ResolvedTo(totalSteps, remaining), warmup);
    }
}
