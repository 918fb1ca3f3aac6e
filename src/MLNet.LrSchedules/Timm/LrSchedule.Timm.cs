namespace MLNet.LrSchedules;

// timm schedulers (timm.scheduler), stepped per optimizer update: rates derive from the optimizer's base rate,
// lr_min and warmup_lr_init are absolute.
public abstract partial class LrSchedule
{
    /// <summary>Cosine annealing with warm restarts. timm <c>CosineLRScheduler</c> (<c>t_in_epochs=False</c>).</summary>
    /// <param name="tInitial">Length of the first cycle; the whole run (after a prefix warmup) when null.</param>
    /// <param name="lrMin">Absolute rate at the end of each cycle and after the last.</param>
    /// <param name="cycleMul">Factor on each next cycle's length.</param>
    /// <param name="cycleDecay">Factor on each next cycle's peak rate.</param>
    /// <param name="cycleLimit">Number of cycles run before holding <paramref name="lrMin"/>.</param>
    /// <param name="warmupT">Warmup length; none when null.</param>
    /// <param name="warmupLrInit">Absolute rate at the warmup's first step.</param>
    /// <param name="warmupPrefix">Start the cycles after the warmup instead of at step 0.</param>
    /// <param name="kDecay">k-decay exponent.</param>
    public static TimmCosineSchedule TimmCosine(Duration? tInitial = null, double lrMin = 0, double cycleMul = 1, double cycleDecay = 1,
        int cycleLimit = 1, Duration? warmupT = null, double warmupLrInit = 0, bool warmupPrefix = false, double kDecay = 1) =>
        new(tInitial ?? Duration.Rest, warmupT ?? Duration.Zero, lrMin, cycleMul, cycleDecay, cycleLimit, warmupLrInit, warmupPrefix, kDecay);

    /// <summary>Polynomial decay with restarts. timm <c>PolyLRScheduler</c> (<c>t_in_epochs=False</c>).</summary>
    /// <param name="tInitial">Length of the first cycle; the whole run (after a prefix warmup) when null.</param>
    /// <param name="power">Power of the polynomial.</param>
    /// <param name="lrMin">Absolute rate at the end of each cycle and after the last.</param>
    /// <param name="cycleMul">Factor on each next cycle's length.</param>
    /// <param name="cycleDecay">Factor on each next cycle's peak rate.</param>
    /// <param name="cycleLimit">Number of cycles run before holding <paramref name="lrMin"/>.</param>
    /// <param name="warmupT">Warmup length; none when null.</param>
    /// <param name="warmupLrInit">Absolute rate at the warmup's first step.</param>
    /// <param name="warmupPrefix">Start the cycles after the warmup instead of at step 0.</param>
    /// <param name="kDecay">k-decay exponent.</param>
    public static TimmPolySchedule TimmPoly(Duration? tInitial = null, double power = 0.5, double lrMin = 0, double cycleMul = 1,
        double cycleDecay = 1, int cycleLimit = 1, Duration? warmupT = null, double warmupLrInit = 0, bool warmupPrefix = false, double kDecay = 1) =>
        new(tInitial ?? Duration.Rest, warmupT ?? Duration.Zero, power, lrMin, cycleMul, cycleDecay, cycleLimit, warmupLrInit, warmupPrefix, kDecay);

    /// <summary>Hyperbolic-tangent decay with restarts. timm <c>TanhLRScheduler</c> (<c>t_in_epochs=False</c>).</summary>
    /// <param name="tInitial">Length of the first cycle; the whole run (after a prefix warmup) when null.</param>
    /// <param name="lb">Lower bound of the tanh argument.</param>
    /// <param name="ub">Upper bound of the tanh argument.</param>
    /// <param name="lrMin">Absolute rate approached at the end of each cycle and held after the last.</param>
    /// <param name="cycleMul">Factor on each next cycle's length.</param>
    /// <param name="cycleDecay">Factor on each next cycle's peak rate.</param>
    /// <param name="cycleLimit">Number of cycles run before holding <paramref name="lrMin"/>.</param>
    /// <param name="warmupT">Warmup length; none when null.</param>
    /// <param name="warmupLrInit">Absolute rate at the warmup's first step.</param>
    /// <param name="warmupPrefix">Start the cycles after the warmup instead of at step 0.</param>
    public static TimmTanhSchedule TimmTanh(Duration? tInitial = null, double lb = -7.0, double ub = 3.0, double lrMin = 0, double cycleMul = 1,
        double cycleDecay = 1, int cycleLimit = 1, Duration? warmupT = null, double warmupLrInit = 0, bool warmupPrefix = false) =>
        new(tInitial ?? Duration.Rest, warmupT ?? Duration.Zero, lb, ub, lrMin, cycleMul, cycleDecay, cycleLimit, warmupLrInit, warmupPrefix);

    /// <summary>Step decay after a warmup. timm <c>StepLRScheduler</c> (<c>t_in_epochs=False</c>).</summary>
    /// <param name="decayT">Steps between decays (may be fractional).</param>
    /// <param name="decayRate">Factor applied every <paramref name="decayT"/> steps.</param>
    /// <param name="warmupT">Warmup length; none when null.</param>
    /// <param name="warmupLrInit">Absolute rate at the warmup's first step.</param>
    /// <param name="warmupPrefix">Count the decay periods from the warmup's end instead of step 0.</param>
    public static TimmStepSchedule TimmStep(double decayT, double decayRate = 1.0, Duration? warmupT = null, double warmupLrInit = 0,
        bool warmupPrefix = true) =>
        new(decayT, warmupT ?? Duration.Zero, decayRate, warmupLrInit, warmupPrefix);
}
