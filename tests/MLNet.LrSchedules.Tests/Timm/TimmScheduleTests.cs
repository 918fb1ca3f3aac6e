using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Timm;

[TestClass]
public sealed class TimmScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("timm");

    /// <summary>Builds the schedule from a case's timm parameters (timm's defaults where a parameter is absent).</summary>
    internal static LrSchedule Build(OracleCase c)
    {
        Duration warmup = Duration.Steps(c.IntOrNull("warmup_t") ?? 0);
        double warmupLrInit = c.DoubleOrNull("warmup_lr_init") ?? 0;
        bool Prefix(bool fallback) => c.Has("warmup_prefix") ? c.Bool("warmup_prefix") : fallback;
        return c.Kind switch
        {
            "CosineLRScheduler" => LrSchedule.TimmCosine(c.Int("t_initial"), c.DoubleOrNull("lr_min") ?? 0, c.DoubleOrNull("cycle_mul") ?? 1,
                c.DoubleOrNull("cycle_decay") ?? 1, c.IntOrNull("cycle_limit") ?? 1, warmup, warmupLrInit, Prefix(false), c.DoubleOrNull("k_decay") ?? 1),
            "PolyLRScheduler" => LrSchedule.TimmPoly(c.Int("t_initial"), c.DoubleOrNull("power") ?? 0.5, c.DoubleOrNull("lr_min") ?? 0,
                c.DoubleOrNull("cycle_mul") ?? 1, c.DoubleOrNull("cycle_decay") ?? 1, c.IntOrNull("cycle_limit") ?? 1, warmup, warmupLrInit,
                Prefix(false), c.DoubleOrNull("k_decay") ?? 1),
            "TanhLRScheduler" => LrSchedule.TimmTanh(c.Int("t_initial"), c.DoubleOrNull("lb") ?? -7, c.DoubleOrNull("ub") ?? 3,
                c.DoubleOrNull("lr_min") ?? 0, c.DoubleOrNull("cycle_mul") ?? 1, c.DoubleOrNull("cycle_decay") ?? 1, c.IntOrNull("cycle_limit") ?? 1,
                warmup, warmupLrInit, Prefix(false)),
            "StepLRScheduler" => LrSchedule.TimmStep(c.Double("decay_t"), c.DoubleOrNull("decay_rate") ?? 1, warmup, warmupLrInit, Prefix(true)),
            _ => throw new AssertInconclusiveException($"Unknown timm kind '{c.Kind}'."),
        };
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesTimm(OracleCase c)
    {
        Assert.IsFalse(c.Has("noise_range_t"), "timm noise is not supported");
        var schedule = Build(c);
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
    }

    private const double Base = 1.0;

    [TestMethod]
    public void CosineRestartsWithDecayAndStopsAtTheCycleLimit()
    {
        var s = LrSchedule.TimmCosine(10, lrMin: 0.1, cycleDecay: 0.5, cycleLimit: 2);
        Assert.AreEqual(1.0, s.GetLearningRate(0, Base), 1e-15);
        Assert.AreEqual(0.55, s.GetLearningRate(5, Base), 1e-15);
        Assert.AreEqual(0.5, s.GetLearningRate(10, Base), 1e-15);
        Assert.AreEqual(0.3, s.GetLearningRate(15, Base), 1e-15);
        Assert.AreEqual(0.1, s.GetLearningRate(20, Base));
        Assert.AreEqual(0.1, s.GetLearningRate(1_000_000_000_000, Base));
        Assert.AreEqual(Duration.Steps(20), s.Length);
    }

    [TestMethod]
    public void CosineCyclesGrowGeometrically()
    {
        // Cycles of 10, 20, 40 steps start at 0, 10, 30.
        var s = LrSchedule.TimmCosine(10, cycleMul: 2, cycleLimit: 3);
        Assert.AreEqual(1.0, s.GetLearningRate(10, Base), 1e-12);
        Assert.AreEqual(0.5, s.GetLearningRate(20, Base), 1e-12);
        Assert.AreEqual(1.0, s.GetLearningRate(30, Base), 1e-12);
        Assert.AreEqual(0.5, s.GetLearningRate(50, Base), 1e-12);
        Assert.AreEqual(0.0, s.GetLearningRate(70, Base));
        Assert.AreEqual(Duration.Steps(70), s.Length);
        double huge = LrSchedule.TimmCosine(10, cycleMul: 2, cycleLimit: int.MaxValue).GetLearningRate(1_000_000_000_000, Base);
        Assert.IsTrue(double.IsFinite(huge) && huge >= 0 && huge <= 1);
    }

    [TestMethod]
    public void ShrinkingCyclesEndAtLrMin()
    {
        // Cycles of 10, 5, 2.5, ... sum to 20: timm fails from there on; the rate is lr_min.
        var s = LrSchedule.TimmCosine(10, lrMin: 0.01, cycleMul: 0.5, cycleLimit: 100);
        Assert.AreEqual(1.0, s.GetLearningRate(10, Base), 1e-12);
        Assert.AreEqual(0.01, s.GetLearningRate(20, Base));
        Assert.AreEqual(0.01, s.GetLearningRate(1_000_000_000_000, Base));
    }

    [TestMethod]
    public void WarmupPrefixShiftsTheCycles()
    {
        var prefixed = LrSchedule.TimmCosine(10, warmupT: 4, warmupLrInit: 0.2, warmupPrefix: true);
        Assert.AreEqual(0.2, prefixed.GetLearningRate(0, Base), 1e-15);
        Assert.AreEqual(0.6, prefixed.GetLearningRate(2, Base), 1e-15);
        Assert.AreEqual(1.0, prefixed.GetLearningRate(4, Base), 1e-15);
        Assert.AreEqual(0.5, prefixed.GetLearningRate(9, Base), 1e-15);
        Assert.AreEqual(Duration.Steps(14), prefixed.Length);
        var inside = LrSchedule.TimmCosine(10, warmupT: 4, warmupLrInit: 0.2);
        Assert.AreEqual(0.5, inside.GetLearningRate(5, Base), 1e-15);
    }

    [TestMethod]
    public void KDecayBendsTheCosine()
    {
        var s = LrSchedule.TimmCosine(10, kDecay: 2);
        Assert.AreEqual(0.5 * (1 + Math.Cos(Math.PI * 0.25)), s.GetLearningRate(5, Base), 1e-15);
    }

    [TestMethod]
    public void PolyHandComputed()
    {
        var s = LrSchedule.TimmPoly(10, power: 2, lrMin: 0.1);
        Assert.AreEqual(0.1 + 0.9 * 0.25, s.GetLearningRate(5, Base), 1e-15);
        Assert.AreEqual(0.1, s.GetLearningRate(10, Base));
        Assert.AreEqual(0.1, s.GetLearningRate(1_000_000_000_000, Base));
    }

    [TestMethod]
    public void TanhWarmsUpToTheCurveWithoutPrefix()
    {
        var s = LrSchedule.TimmTanh(20, warmupT: 5);
        double atWarmupEnd = 0.5 * (1 - Math.Tanh(-7 * 0.75 + 3 * 0.25));
        Assert.AreEqual(atWarmupEnd, s.GetLearningRate(5, Base), 1e-15);
        Assert.AreEqual(atWarmupEnd * 0.4, s.GetLearningRate(2, Base), 1e-15);
        var prefixed = LrSchedule.TimmTanh(20, warmupT: 5, warmupPrefix: true);
        Assert.AreEqual(0.4, prefixed.GetLearningRate(2, Base), 1e-15);
        Assert.AreEqual(0.5 * (1 - Math.Tanh(-7)), prefixed.GetLearningRate(5, Base), 1e-15);
        Assert.AreEqual(0.0, s.GetLearningRate(1_000_000_000_000, Base));
    }

    [TestMethod]
    public void StepDecaysEveryPeriodAfterTheWarmup()
    {
        var s = LrSchedule.TimmStep(3, 0.5, warmupT: 2);
        Assert.AreEqual(0.0, s.GetLearningRate(0, Base));
        Assert.AreEqual(0.5, s.GetLearningRate(1, Base));
        Assert.AreEqual(1.0, s.GetLearningRate(4, Base));
        Assert.AreEqual(0.5, s.GetLearningRate(5, Base));
        Assert.AreEqual(0.25, s.GetLearningRate(8, Base));
        Assert.AreEqual(0.0, s.GetLearningRate(1_000_000_000_000, Base));
        var fractional = LrSchedule.TimmStep(2.5, 0.5, warmupPrefix: false);
        Assert.AreEqual(1.0, fractional.GetLearningRate(2, Base));
        Assert.AreEqual(0.5, fractional.GetLearningRate(3, Base));
        Assert.AreEqual(0.25, fractional.GetLearningRate(5, Base));
    }

    [TestMethod]
    public void OpenCycleResolvesToWhatThePrefixWarmupLeaves()
    {
        var s = LrSchedule.TimmCosine(warmupT: 10, warmupPrefix: true);
        Assert.ThrowsExactly<InvalidOperationException>(() => s.GetLearningRate(0, Base));
        var r = (TimmCosineSchedule)s.Resolve(110);
        Assert.AreEqual(100, r.TInitial.StepCount);
        Assert.AreEqual(10, r.WarmupT.StepCount);
    }

    [TestMethod]
    public void WarmupIncreasesAndDecayIsNonIncreasing()
    {
        LrSchedule[] all = [LrSchedule.TimmCosine(100, lrMin: 0.01, warmupT: 10, warmupLrInit: 0.001, warmupPrefix: true),
            LrSchedule.TimmPoly(100, power: 0.7, warmupT: 10, warmupPrefix: true), LrSchedule.TimmTanh(100, warmupT: 10),
            LrSchedule.TimmStep(7, 0.8, warmupT: 10)];
        foreach (var s in all)
        {
            for (int t = 1; t <= 10; t++)
                Assert.IsTrue(s.GetLearningRate(t, 0.1) > s.GetLearningRate(t - 1, 0.1), $"{s.GetType().Name} warmup {t}");
            for (int t = 11; t <= 300; t++)
                Assert.IsTrue(s.GetLearningRate(t, 0.1) <= s.GetLearningRate(t - 1, 0.1), $"{s.GetType().Name} decay {t}");
        }
    }

    private static void Throws(Action action, string message) =>
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(action).Message, message);

    [TestMethod]
    public void InvalidParametersThrowWithTheirNames()
    {
        Throws(() => LrSchedule.TimmCosine(0), "Parameter 'tInitial' must be a duration of at least 1 step, a fraction of the run or 'rest'; received 0.");
        Throws(() => LrSchedule.TimmCosine(10, lrMin: -0.1), "Parameter 'lrMin' must be a finite number >= 0; received -0.1.");
        Throws(() => LrSchedule.TimmCosine(10, cycleMul: 0), "Parameter 'cycleMul' must be a finite number > 0; received 0.");
        Throws(() => LrSchedule.TimmCosine(10, cycleDecay: -1), "Parameter 'cycleDecay' must be a finite number >= 0; received -1.");
        Throws(() => LrSchedule.TimmCosine(10, cycleLimit: -1), "Parameter 'cycleLimit' must be an integer >= 0; received -1.");
        Throws(() => LrSchedule.TimmCosine(10, warmupLrInit: double.PositiveInfinity), "Parameter 'warmupLrInit' must be a finite number >= 0; received Infinity.");
        Throws(() => LrSchedule.TimmCosine(10, kDecay: 0), "Parameter 'kDecay' must be a finite number > 0; received 0.");
        Throws(() => LrSchedule.TimmPoly(10, power: -1), "Parameter 'power' must be a finite number >= 0; received -1.");
        Throws(() => LrSchedule.TimmTanh(10, lb: 3, ub: 3), "Parameter 'ub' must be greater than lb (3); received 3.");
        Throws(() => LrSchedule.TimmTanh(10, lb: double.NaN), "Parameter 'lb' must be a finite number; received NaN.");
        Throws(() => LrSchedule.TimmStep(0), "Parameter 'decayT' must be a finite number > 0; received 0.");
        Throws(() => LrSchedule.TimmStep(5, -0.5), "Parameter 'decayRate' must be a finite number >= 0; received -0.5.");
    }
}
