namespace MLNet.LrSchedules;

/// <summary>
/// timm's <c>Scheduler</c> warmup, stepped per update: linear from <c>warmup_lr_init</c> over <c>warmup_t</c> steps, and with
/// <c>warmup_prefix</c> the schedule proper counts its steps from the warmup's end.
/// </summary>
internal readonly struct TimmWarmup(long steps, double lrInit, bool prefix)
{
    public bool Covers(long step) => step < steps;

    /// <summary>timm's <c>warmup_lr_init + t · warmup_steps</c>, with <c>warmup_steps = (target − warmup_lr_init) / warmup_t</c>.</summary>
    public double Rate(long step, double target) => lrInit + step * ((target - lrInit) / steps);

    /// <summary>The step t that timm's <c>_get_lr</c> uses once the warmup is over.</summary>
    public long ScheduleStep(long step) => prefix ? step - steps : step;
}

/// <summary>
/// The cycles of timm's cyclic schedulers (cosine, poly, tanh), for one resolved schedule: cycle i lasts
/// <c>t_initial · cycle_mul^i</c> steps and peaks at <c>base · cycle_decay^i</c>; after <c>cycle_limit</c> cycles the rate is lr_min.
/// </summary>
internal readonly struct TimmCycles(TimmWarmup warmup, long tInitial, double cycleMul, double cycleDecay, int cycleLimit, double kDecay = 1)
{
    public TimmWarmup Warmup => warmup;

    /// <summary>
    /// Places <paramref name="step"/> (counted from step 0, warmup included) in its cycle: the cycle's peak rate, and the
    /// k-decayed position <c>t_curr^k</c> inside it and length <c>t_i^k</c>, which timm divides only after its own products.
    /// </summary>
    /// <returns>False once cycle_limit cycles have run: the rate is then lr_min.</returns>
    public bool TryLocate(long step, double baseLearningRate, out double peak, out double position, out double length)
    {
        if (!Locate(warmup.ScheduleStep(step), tInitial, cycleMul, out double i, out double tI, out double tCurr) || !(i < cycleLimit))
        {
            peak = position = length = 0;
            return false;
        }
        peak = baseLearningRate * Math.Pow(cycleDecay, i);
        position = Math.Pow(tCurr, kDecay);
        length = Math.Pow(tI, kDecay);
        return true;
    }

    /// <summary>
    /// timm's cycle index i, cycle length t_i and position t_curr inside it for step t (after the warmup shift).
    /// Cycle lengths grow (or shrink) geometrically by <paramref name="cycleMul"/>, so the index is a logarithm.
    /// </summary>
    /// <returns>False when t lies beyond the end of infinitely many shrinking cycles (cycle_mul &lt; 1), where timm
    /// itself fails with a math domain error; the caller then treats the cycle limit as reached.</returns>
    private static bool Locate(long t, long tInitial, double cycleMul, out double i, out double tI, out double tCurr)
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
