using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Transformers;

[TestClass]
public sealed class TransformersScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("transformers");

    /// <summary>Builds the schedule from a case's transformers parameters (get_scheduler's names).</summary>
    internal static LrSchedule Build(OracleCase c)
    {
        Duration warmup = c.Has("num_warmup_steps") ? Duration.Steps(c.Int("num_warmup_steps")) : Duration.Zero;
        Duration? training = c.Has("num_training_steps") ? Duration.Steps(c.Int("num_training_steps")) : null;
        return c.Kind switch
        {
            "linear" => LrSchedule.HfLinear(warmup, training),
            "cosine" => LrSchedule.HfCosine(warmup, training, c.DoubleOrNull("num_cycles") ?? 0.5),
            "cosine_with_restarts" => LrSchedule.HfCosineWithRestarts(warmup, training, c.IntOrNull("num_cycles") ?? 1),
            "polynomial" => LrSchedule.HfPolynomial(warmup, training, c.DoubleOrNull("lr_end") ?? 1e-7, c.DoubleOrNull("power") ?? 1.0),
            "constant" => LrSchedule.HfConstant(),
            "constant_with_warmup" => LrSchedule.HfConstantWithWarmup(warmup),
            "inverse_sqrt" => LrSchedule.HfInverseSqrt(warmup, c.IntOrNull("timescale")),
            "cosine_with_min_lr" => LrSchedule.HfCosineWithMinLr(warmup, training, c.DoubleOrNull("num_cycles") ?? 0.5,
                c.DoubleOrNull("min_lr"), c.DoubleOrNull("min_lr_rate")),
            "warmup_stable_decay" => LrSchedule.HfWarmupStableDecay(warmup, Duration.Steps(c.Int("num_decay_steps")),
                c.Has("num_stable_steps") ? Duration.Steps(c.Int("num_stable_steps")) : null, training,
                c.Has("warmup_type") ? c.String("warmup_type") : "linear",
                c.Has("decay_type") ? c.String("decay_type") : "cosine",
                c.DoubleOrNull("min_lr_ratio") ?? 0, c.DoubleOrNull("num_cycles") ?? 0.5),
            _ => throw new AssertInconclusiveException($"Unknown transformers kind '{c.Kind}'."),
        };
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesTransformers(OracleCase c)
    {
        var schedule = Build(c);
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
    }

    private const double Base = 0.1;

    [TestMethod]
    public void LinearHandComputed()
    {
        var s = LrSchedule.HfLinear(4, 12);
        Assert.AreEqual(0.0, s.GetLearningRate(0, Base));
        Assert.AreEqual(0.05, s.GetLearningRate(2, Base), 1e-15);
        Assert.AreEqual(0.1, s.GetLearningRate(4, Base), 1e-15);
        Assert.AreEqual(0.05, s.GetLearningRate(8, Base), 1e-15);
        Assert.AreEqual(0.0, s.GetLearningRate(12, Base));
        Assert.AreEqual(0.0, s.GetLearningRate(1_000_000_000_000, Base));
    }

    [TestMethod]
    public void WarmupOfZeroStartsAtTheBaseRate()
    {
        Assert.AreEqual(Base, LrSchedule.HfLinear(0, 10).GetLearningRate(0, Base));
        Assert.AreEqual(Base, LrSchedule.HfCosine(0, 10).GetLearningRate(0, Base));
        Assert.AreEqual(Base, LrSchedule.HfConstantWithWarmup(0).GetLearningRate(0, Base));
    }

    [TestMethod]
    public void ZeroStepDurationsSwitchWarmupsOff()
    {
        Assert.AreEqual(Duration.Zero, (Duration)0);
        Assert.AreEqual(Duration.Zero, Duration.Parse("0"));
        Assert.AreEqual("0", Duration.Zero.ToString());
        Assert.AreEqual(0, Duration.Zero.StepCount);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Duration.Steps(-1)).Message,
            "Parameter 'steps' must be an integer >= 0; received -1.");
    }

    [TestMethod]
    public void CosineKeepsTheWavePastTheEnd()
    {
        var s = LrSchedule.HfCosine(0, 10);
        Assert.AreEqual(0.05, s.GetLearningRate(5, Base), 1e-15);
        Assert.AreEqual(0.0, s.GetLearningRate(10, Base), 1e-15);
        // transformers does not clamp progress: half a period later the rate is back at the top.
        Assert.AreEqual(Base, s.GetLearningRate(20, Base), 1e-15);
    }

    [TestMethod]
    public void CosineWithRestartsRestartsAndEndsAtZero()
    {
        var s = LrSchedule.HfCosineWithRestarts(0, 10, numCycles: 2);
        Assert.AreEqual(Base, s.GetLearningRate(0, Base), 1e-15);
        Assert.AreEqual(Base, s.GetLearningRate(5, Base), 1e-15);
        Assert.AreEqual(0.5 * Base * (1 + Math.Cos(Math.PI * 0.4)), s.GetLearningRate(7, Base), 1e-15);
        Assert.AreEqual(0.0, s.GetLearningRate(10, Base));
        Assert.AreEqual(0.0, s.GetLearningRate(1_000_000_000_000, Base));
    }

    [TestMethod]
    public void PolynomialReachesLrEndAndStays()
    {
        var s = LrSchedule.HfPolynomial(2, 10, lrEnd: 0.01, power: 2);
        Assert.AreEqual(0.05, s.GetLearningRate(1, Base), 1e-15);
        Assert.AreEqual(Base, s.GetLearningRate(2, Base), 1e-15);
        Assert.AreEqual((Base - 0.01) * 0.25 + 0.01, s.GetLearningRate(6, Base), 1e-15);
        Assert.AreEqual(0.01, s.GetLearningRate(10, Base), 1e-15);
        Assert.AreEqual(0.01, s.GetLearningRate(1_000_000_000_000, Base), 1e-15);
    }

    [TestMethod]
    public void PolynomialRejectsABaseRateNotAboveLrEnd()
    {
        var s = LrSchedule.HfPolynomial(2, 10, lrEnd: 0.01);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s.GetLearningRate(0, 0.01));
        StringAssert.Contains(e.Message, "Parameter 'baseLearningRate' must be greater than lrEnd (0.01), as transformers requires of the initial rate; received 0.01.");
    }

    [TestMethod]
    public void InverseSqrtDefaultsTheTimescale()
    {
        var withWarmup = LrSchedule.HfInverseSqrt(100);
        Assert.AreEqual(Base, withWarmup.GetLearningRate(100, Base), 1e-15);
        Assert.AreEqual(Base / 2, withWarmup.GetLearningRate(400, Base), 1e-15);
        var noWarmup = LrSchedule.HfInverseSqrt(0);
        Assert.AreEqual(Base, noWarmup.GetLearningRate(0, Base), 1e-15);
        Assert.AreEqual(Base / 2, noWarmup.GetLearningRate(30_000, Base), 1e-15);
        var explicitScale = LrSchedule.HfInverseSqrt(10, timescale: 40);
        Assert.AreEqual(Base / 2, explicitScale.GetLearningRate(130, Base), 1e-15);
    }

    [TestMethod]
    public void CosineWithMinLrUsesAbsoluteOrRelativeFloor()
    {
        var rate = LrSchedule.HfCosineWithMinLr(0, 10, minLrRate: 0.1);
        var absolute = LrSchedule.HfCosineWithMinLr(0, 10, minLr: 0.01);
        Assert.AreEqual(0.01, rate.GetLearningRate(10, Base), 1e-15);
        Assert.AreEqual(0.01, absolute.GetLearningRate(10, Base), 1e-15);
        Assert.AreEqual(0.01, absolute.GetLearningRate(10, 1.0), 1e-15);
        Assert.AreEqual(0.1, rate.GetLearningRate(10, 1.0), 1e-15);
    }

    [TestMethod]
    public void WarmupStableDecayPhases()
    {
        var s = LrSchedule.HfWarmupStableDecay(4, 4, numStableSteps: 2, decayType: "linear", minLrRatio: 0.1);
        Assert.AreEqual(0.01, s.GetLearningRate(0, Base), 1e-15);
        Assert.AreEqual(Base * (0.5 * 0.9 + 0.1), s.GetLearningRate(2, Base), 1e-15);
        Assert.AreEqual(Base, s.GetLearningRate(4, Base), 1e-15);
        Assert.AreEqual(Base, s.GetLearningRate(5, Base), 1e-15);
        Assert.AreEqual(Base, s.GetLearningRate(6, Base), 1e-15);
        Assert.AreEqual(Base * (0.5 * 0.9 + 0.1), s.GetLearningRate(8, Base), 1e-15);
        Assert.AreEqual(0.01, s.GetLearningRate(10, Base), 1e-15);
        Assert.AreEqual(0.01, s.GetLearningRate(1_000_000_000_000, Base), 1e-15);
        Assert.AreEqual(Duration.Steps(10), s.Length);
    }

    [TestMethod]
    public void WarmupStableDecayShapes()
    {
        var cosine = LrSchedule.HfWarmupStableDecay(4, 4, numStableSteps: 0, warmupType: "cosine", decayType: "cosine");
        Assert.AreEqual(Base * 0.5 * (1 - Math.Cos(Math.PI * 0.25)), cosine.GetLearningRate(1, Base), 1e-15);
        Assert.AreEqual(Base * 0.5 * (1 + Math.Cos(Math.PI * 0.25)), cosine.GetLearningRate(5, Base), 1e-15);
        var sqrt = LrSchedule.HfWarmupStableDecay(4, 4, numStableSteps: 0, warmupType: "1-sqrt", decayType: "1-sqrt");
        Assert.AreEqual(Base * (1 - Math.Sqrt(0.75)), sqrt.GetLearningRate(1, Base), 1e-15);
        Assert.AreEqual(Base * (1 - Math.Sqrt(0.25)), sqrt.GetLearningRate(5, Base), 1e-15);
    }

    [TestMethod]
    public void WarmupStableDecayOpenPlateauTakesWhatTheRunLeaves()
    {
        var s = LrSchedule.HfWarmupStableDecay(10, 20);
        Assert.IsFalse(s.IsResolved);
        var resolved = (HfWarmupStableDecaySchedule)s.Resolve(100);
        Assert.AreEqual(70, resolved.NumStableSteps.StepCount);
        var fromTraining = LrSchedule.HfWarmupStableDecay(10, 20, numTrainingSteps: 100);
        Assert.AreEqual(70, fromTraining.NumStableSteps.StepCount);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s.Resolve(25));
        StringAssert.Contains(e.Message, "Parameter 'totalSteps' must leave room for numWarmupSteps (10) and numDecaySteps (20) when numStableSteps is 'rest'; received 25.");
    }

    [TestMethod]
    public void FractionsResolveAgainstTheRun()
    {
        var s = LrSchedule.HfLinear(Duration.Fraction(0.1));
        Assert.IsFalse(s.IsResolved);
        Assert.ThrowsExactly<InvalidOperationException>(() => s.GetLearningRate(0, Base));
        var r = (HfLinearSchedule)s.Resolve(200);
        Assert.AreEqual(20, r.NumWarmupSteps.StepCount);
        Assert.AreEqual(200, r.NumTrainingSteps.StepCount);
        Assert.AreEqual(Duration.Steps(200), r.Length);
    }

    public static IEnumerable<object[]> AllKinds() =>
    [
        [LrSchedule.HfLinear(100, 1000)], [LrSchedule.HfCosine(100, 1000)], [LrSchedule.HfCosineWithRestarts(100, 1000, 3)],
        [LrSchedule.HfPolynomial(100, 1000, 1e-4, 2)], [LrSchedule.HfConstant()], [LrSchedule.HfConstantWithWarmup(100)],
        [LrSchedule.HfInverseSqrt(100)], [LrSchedule.HfCosineWithMinLr(100, 1000, minLrRate: 0.1)],
        [LrSchedule.HfWarmupStableDecay(100, 300, 600, warmupType: "cosine", decayType: "1-sqrt", minLrRatio: 0.05)],
    ];

    [TestMethod]
    [DynamicData(nameof(AllKinds))]
    public void WarmupIncreasesAndHugeStepsAreFinite(LrSchedule s)
    {
        for (int t = 1; t < 100; t++)
            Assert.IsTrue(s.GetLearningRate(t, Base) >= s.GetLearningRate(t - 1, Base), $"step {t}");
        foreach (long step in new[] { 1_000_000_000_000L, long.MaxValue / 4 })
        {
            double lr = s.GetLearningRate(step, Base);
            Assert.IsTrue(double.IsFinite(lr) && lr >= 0 && lr <= Base, $"{step}: {lr}");
        }
    }

    [TestMethod]
    public void DecayIsNonIncreasing()
    {
        LrSchedule[] decaying = [LrSchedule.HfLinear(10, 200), LrSchedule.HfCosine(10, 200), LrSchedule.HfPolynomial(10, 200, 1e-3, 0.5),
            LrSchedule.HfInverseSqrt(10), LrSchedule.HfCosineWithMinLr(10, 200, minLr: 0.01), LrSchedule.HfWarmupStableDecay(10, 100, 90)];
        foreach (var s in decaying)
            for (int t = 11; t <= 200; t++)
                Assert.IsTrue(s.GetLearningRate(t, Base) <= s.GetLearningRate(t - 1, Base) + 1e-18, $"{s.GetType().Name} step {t}");
    }

    [TestMethod]
    public void InvalidParametersThrowWithTheirNames()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.HfLinear(0, 0)).Message,
            "Parameter 'numTrainingSteps' must be a duration of at least 1 step, a fraction of the run or 'rest'; received 0.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.HfCosine(0, 10, -1)).Message,
            "Parameter 'numCycles' must be a finite number >= 0; received -1.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.HfCosineWithRestarts(0, 10, -1)).Message,
            "Parameter 'numCycles' must be an integer >= 0; received -1.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.HfPolynomial(10, 10)).Message,
            "Parameter 'numTrainingSteps' must be greater than numWarmupSteps (10); received 10.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.HfPolynomial(0, 10, lrEnd: -1)).Message,
            "Parameter 'lrEnd' must be a finite number >= 0; received -1.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.HfPolynomial(0, 10, power: double.NaN)).Message,
            "Parameter 'power' must be a finite number >= 0; received NaN.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.HfInverseSqrt(0, 0)).Message,
            "Parameter 'timescale' must be an integer >= 1; received 0.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new HfInverseSqrtSchedule(0, -5)).Message,
            "Parameter 'timescale' must be an integer >= 0; received -5.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.HfCosineWithMinLr(0, 10)).Message,
            "Exactly one of 'minLr' and 'minLrRate' must be given, as in transformers; received neither.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.HfCosineWithMinLr(0, 10, minLr: 0.1, minLrRate: 0.1)).Message,
            "received both.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new HfCosineWithMinLrSchedule(0, 10, 0.5, 0.1, 0.1)).Message,
            "Only one of 'minLr' and 'minLrRate' may be set, as in transformers; received minLr=0.1 and minLrRate=0.1.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.HfCosineWithMinLr(0, 10, minLrRate: 1.5)).Message,
            "Parameter 'minLrRate' must be in [0, 1]; received 1.5.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.HfWarmupStableDecay(0, 10, decayType: "exp")).Message,
            "Parameter 'decayType' must be one of 'linear', 'cosine', '1-sqrt'; received 'exp'.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.HfWarmupStableDecay(0, 10, warmupType: "step")).Message,
            "Parameter 'warmupType' must be one of 'linear', 'cosine', '1-sqrt'; received 'step'.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.HfWarmupStableDecay(0, 10, minLrRatio: -0.1)).Message,
            "Parameter 'minLrRatio' must be in [0, 1]; received -0.1.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.HfWarmupStableDecay(5, 10, numTrainingSteps: 12)).Message,
            "Parameter 'numTrainingSteps' must be at least numWarmupSteps + numDecaySteps (15); received 12.");
    }
}
