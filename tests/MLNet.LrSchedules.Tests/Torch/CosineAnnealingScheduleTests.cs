using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Torch;

[TestClass]
public sealed class CosineAnnealingScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("torch", "CosineAnnealingLR");

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesPyTorchIncludingPastTMax(OracleCase c)
    {
        var schedule = LrSchedule.CosineAnnealing(c.Int("T_max"), c.Double("eta_min"));
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void HandComputedHalfPeriodAndBeyond()
    {
        var schedule = LrSchedule.CosineAnnealing(2, 0.1);
        // Period 2·T_max = 4: base, middle, eta_min, middle, base, ...
        double[] expected = [1, 0.55, 0.1, 0.55, 1, 0.55, 0.1, 0.55, 1];
        Oracle.AssertMatches("cos", "lr", expected, Oracle.Trajectory(schedule, 1.0, 9), 1e-15);
    }

    [TestMethod]
    public void TMaxOfOneAlternatesLikePyTorchsRecursion()
    {
        var schedule = LrSchedule.CosineAnnealing(1, 0.2);
        double[] expected = [1, 0.2, 1, 0.2, 1];
        Oracle.AssertMatches("cos1", "lr", expected, Oracle.Trajectory(schedule, 1.0, 5), 1e-15);
    }

    [TestMethod]
    public void MatchesTheRecursionOverManyPeriods()
    {
        // PyTorch's chainable form, replayed step by step, is the reference for the oscillation past T_max.
        foreach (var (tMax, etaMin) in new[] { (3, 0.0), (7, 0.01), (50, 0.0), (1000, 0.001), (20000, 0.0) })
        {
            var schedule = LrSchedule.CosineAnnealing(tMax, etaMin);
            double baseLr = 0.3, lr = baseLr;
            for (long t = 0; t < 6L * tMax + 5; t++)
            {
                if (t > 0)
                {
                    lr = (t - 1 - tMax) % (2 * tMax) == 0
                        ? lr + (baseLr - etaMin) * (1 - Math.Cos(Math.PI / tMax)) / 2
                        : (1 + Math.Cos(Math.PI * t / tMax)) / (1 + Math.Cos(Math.PI * (t - 1) / tMax)) * (lr - etaMin) + etaMin;
                }
                double actual = schedule.GetLearningRate(t, baseLr);
                Assert.IsTrue(Math.Abs(actual - lr) <= Math.Max(1e-15, 1e-12 * Math.Abs(lr)),
                    $"T_max {tMax}, step {t}: recursion {lr:R}, closed form {actual:R}");
            }
        }
    }

    [TestMethod]
    public void HugeStepIsFinite()
    {
        var schedule = LrSchedule.CosineAnnealing(4, 0.0);
        // A multiple of the period 8, so the base rate up to the rounding of π·t, which PyTorch shares
        // (about 1e-4 rad at t = 10^12).
        double lr = schedule.GetLearningRate(1_000_000_000_000, 1.0);
        Assert.IsTrue(double.IsFinite(lr));
        Assert.AreEqual(1.0, lr, 1e-3);
        Assert.IsTrue(double.IsFinite(LrSchedule.CosineAnnealing(long.MaxValue / 2 + 7).GetLearningRate(long.MaxValue, 1.0)));
    }

    [TestMethod]
    public void DefaultTMaxIsTheRestOfTheRun()
    {
        var schedule = LrSchedule.CosineAnnealing(etaMin: 0.0);
        Assert.IsFalse(schedule.IsResolved);
        Assert.ThrowsExactly<InvalidOperationException>(() => schedule.GetLearningRate(0, 1.0));
        var resolved = (CosineAnnealingSchedule)schedule.Resolve(100);
        Assert.AreEqual(Duration.Steps(100), resolved.TMax);
        Assert.AreEqual(0.0, resolved.GetLearningRate(100, 1.0), 1e-15);
        Assert.AreEqual(Duration.Steps(100), resolved.Length);
    }

    [TestMethod]
    public void FractionOfTheRunResolves()
    {
        var resolved = (CosineAnnealingSchedule)LrSchedule.CosineAnnealing(Duration.Fraction(0.25)).Resolve(200);
        Assert.AreEqual(50, resolved.TMax.StepCount);
        Assert.AreSame(resolved, resolved.Resolve(10));
    }

    [TestMethod]
    public void RejectsInvalidParameters()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.CosineAnnealing(10, -0.1));
        StringAssert.Contains(e.Message, "Parameter 'etaMin' must be a finite number >= 0; received -0.1.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.CosineAnnealing(0));
        StringAssert.Contains(e.Message, "Parameter 'tMax' must be a duration of at least 1 step, a fraction of the run or 'rest'; received 0.");
    }

}
