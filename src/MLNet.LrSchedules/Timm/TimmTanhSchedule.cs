using System.Globalization;

namespace MLNet.LrSchedules;

/// <summary>
/// Hyperbolic-tangent decay with restarts, cycle growth and decay:
/// <c>lr = lr_min + ½(base · cycle_decay^i − lr_min)(1 − tanh(lb · (1 − r) + ub · r))</c>, <c>r = t_curr / t_i</c>, in cycle
/// i &lt; cycle_limit, <c>lr_min</c> after.
/// timm <c>TanhLRScheduler</c> stepped per update (<c>t_in_epochs=False</c>, <c>step_update(num_updates=t)</c>).
/// </summary>
/// <remarks>Cycle i lasts <c>t_initial · cycle_mul^i</c> steps (found with a logarithm). The warmup goes linearly from
/// <c>warmup_lr_init</c> to the base rate with <c>warmup_prefix</c> (the cycles then start after it), and otherwise to the
/// tanh curve's value at step <c>warmup_t</c>, as timm does. timm's optional noise (<c>noise_range_t</c>) is not supported:
/// timm draws it from torch's random generator, which cannot be reproduced here. With <c>cycle_mul &lt; 1</c> the shrinking
/// cycles end at <c>t_initial / (1 − cycle_mul)</c>, where timm fails; from there the rate is <c>lr_min</c>.</remarks>
[ScheduleType("timm_tanh", "TanhLRScheduler")]
public sealed class TimmTanhSchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="tInitial">Length of the first cycle; at least 1 step.</param>
    /// <param name="warmupT">Warmup length (0 for none).</param>
    /// <param name="lb">Lower bound of the tanh argument (start of a cycle); finite.</param>
    /// <param name="ub">Upper bound of the tanh argument (end of a cycle), greater than <paramref name="lb"/>.</param>
    /// <param name="lrMin">Absolute rate approached at the end of each cycle and held after the last; finite and &gt;= 0.</param>
    /// <param name="cycleMul">Factor on each next cycle's length; finite and &gt; 0.</param>
    /// <param name="cycleDecay">Factor on each next cycle's peak rate; finite and &gt;= 0.</param>
    /// <param name="cycleLimit">Number of cycles run before holding <paramref name="lrMin"/>; &gt;= 0.</param>
    /// <param name="warmupLrInit">Absolute rate at the warmup's first step; finite and &gt;= 0.</param>
    /// <param name="warmupPrefix">Start the cycles after the warmup instead of at step 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public TimmTanhSchedule(Duration tInitial, Duration warmupT, double lb = -7.0, double ub = 3.0, double lrMin = 0, double cycleMul = 1,
        double cycleDecay = 1, int cycleLimit = 1, double warmupLrInit = 0, bool warmupPrefix = false)
    {
        TInitial = Check.PositiveLength(tInitial);
        WarmupT = warmupT;
        Lb = Check.Finite(lb);
        Ub = Check.Finite(ub);
        if (!(ub > lb))
            throw new ArgumentOutOfRangeException(nameof(ub), ub,
                $"Parameter 'ub' must be greater than lb ({lb.ToString("R", CultureInfo.InvariantCulture)}); received {ub.ToString("R", CultureInfo.InvariantCulture)}.");
        LrMin = Check.NonNegative(lrMin);
        CycleMul = Check.Positive(cycleMul);
        CycleDecay = Check.NonNegative(cycleDecay);
        CycleLimit = Check.NonNegative(cycleLimit);
        WarmupLrInit = Check.NonNegative(warmupLrInit);
        WarmupPrefix = warmupPrefix;
    }

    /// <summary>Length of the first cycle.</summary>
    public Duration TInitial { get; }

    /// <summary>Warmup length.</summary>
    public Duration WarmupT { get; }

    /// <summary>Lower bound of the tanh argument.</summary>
    public double Lb { get; }

    /// <summary>Upper bound of the tanh argument.</summary>
    public double Ub { get; }

    /// <summary>Absolute rate approached at the end of each cycle and held after the last.</summary>
    public double LrMin { get; }

    /// <summary>Factor on each next cycle's length.</summary>
    public double CycleMul { get; }

    /// <summary>Factor on each next cycle's peak rate.</summary>
    public double CycleDecay { get; }

    /// <summary>Number of cycles run.</summary>
    public int CycleLimit { get; }

    /// <summary>Absolute rate at the warmup's first step.</summary>
    public double WarmupLrInit { get; }

    /// <summary>Whether the cycles start after the warmup.</summary>
    public bool WarmupPrefix { get; }

    /// <inheritdoc />
    public override bool IsResolved => TInitial.IsResolved && WarmupT.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => TimmCycles.Length(TInitial, WarmupT, CycleMul, CycleLimit, WarmupPrefix);

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        if (IsResolved) return this;
        var (tInitial, warmupT) = TimmCycles.Resolve(TInitial, WarmupT, WarmupPrefix, totalSteps);
        return new TimmTanhSchedule(tInitial, warmupT, Lb, Ub, LrMin, CycleMul, CycleDecay, CycleLimit, WarmupLrInit, WarmupPrefix);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        // timm's tanh has no k_decay: the position in the cycle is t_curr / t_i.
        var cycles = new TimmCycles(new TimmWarmup(WarmupT.StepCount, WarmupLrInit, WarmupPrefix),
            TInitial.StepCount, CycleMul, CycleDecay, CycleLimit);
        if (cycles.Warmup.Covers(step))
            return cycles.Warmup.Rate(step, WarmupPrefix ? baseLearningRate : Curve(cycles, WarmupT.StepCount, baseLearningRate));
        return Curve(cycles, step, baseLearningRate);
    }

    private double Curve(TimmCycles cycles, long step, double baseLearningRate)
    {
        if (!cycles.TryLocate(step, baseLearningRate, out double peak, out double position, out double length))
            return LrMin;
        double tr = position / length;
        return LrMin + 0.5 * (peak - LrMin) * (1 - Math.Tanh(Lb * (1.0 - tr) + Ub * tr));
    }
}
