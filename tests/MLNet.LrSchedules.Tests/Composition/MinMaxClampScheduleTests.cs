namespace MLNet.LrSchedules.Tests.Composition;

[TestClass]
public sealed class MinMaxClampScheduleTests
{
    // Rising 0 → base over 10 steps, and constant 0.5·base for 10 steps then base.
    private static readonly LrSchedule Rising = LrSchedule.Warmup(10);
    private static readonly LrSchedule Half = LrSchedule.Warmup(10, WarmupShape.Constant, 0.5);

    [TestMethod]
    public void MinAndMaxAreElementWise()
    {
        var min = LrSchedule.Min(Rising, Half);
        var max = LrSchedule.Max(Rising, Half);
        for (int t = 0; t < 15; t++)
        {
            double a = Rising.GetLearningRate(t, 2.0), b = Half.GetLearningRate(t, 2.0);
            Assert.AreEqual(Math.Min(a, b), min.GetLearningRate(t, 2.0), $"min step {t}");
            Assert.AreEqual(Math.Max(a, b), max.GetLearningRate(t, 2.0), $"max step {t}");
        }
        Assert.AreEqual(0.0, min.GetLearningRate(0, 2.0));
        Assert.AreEqual(1.0, max.GetLearningRate(0, 2.0));
        Assert.AreEqual(1.2, max.GetLearningRate(6, 2.0), 1e-15);
        Assert.AreEqual(2.0, min.GetLearningRate(long.MaxValue, 2.0));
        Assert.AreEqual(0.4, LrSchedule.Min(Rising, Half, LrSchedule.Warmup(10, WarmupShape.Constant, 0.2)).GetLearningRate(9, 2.0), 1e-15);
        Assert.HasCount(2, min.Schedules);
        Assert.IsNull(min.Length);
    }

    [TestMethod]
    public void MinIsBelowAndMaxAboveEveryChildAndClampInsideItsBounds()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 100; trial++)
        {
            var children = Enumerable.Range(0, 2 + random.Next(3))
                .Select(_ => (LrSchedule)LrSchedule.Warmup(1 + random.Next(50), (WarmupShape)random.Next(3), 0.01 + 0.99 * random.NextDouble()))
                .ToArray();
            var min = LrSchedule.Min(children);
            var max = LrSchedule.Max(children);
            double lo = random.NextDouble(), hi = lo + random.NextDouble();
            var clamp = LrSchedule.Clamp(children[0], lo, hi);
            for (long t = 0; t < 60; t++)
            {
                double[] rates = children.Select(c => c.GetLearningRate(t, 1.5)).ToArray();
                Assert.AreEqual(rates.Min(), min.GetLearningRate(t, 1.5));
                Assert.AreEqual(rates.Max(), max.GetLearningRate(t, 1.5));
                double clamped = clamp.GetLearningRate(t, 1.5);
                Assert.IsTrue(clamped >= lo && clamped <= hi);
                if (rates[0] >= lo && rates[0] <= hi) Assert.AreEqual(rates[0], clamped);
            }
        }
    }

    [TestMethod]
    public void MinMaxResolveTheirChildrenAgainstTheRun()
    {
        var min = LrSchedule.Min(LrSchedule.Warmup(Duration.Fraction(0.1)), Half);
        Assert.IsFalse(min.IsResolved);
        var resolved = (MinSchedule)min.Resolve(200);
        Assert.IsTrue(resolved.IsResolved);
        Assert.AreEqual(Duration.Steps(20), ((WarmupSchedule)resolved.Schedules[0]).Steps);
        Assert.AreSame(Half, resolved.Schedules[1]);
        Assert.AreSame(resolved, resolved.Resolve(5));
        var max = (MaxSchedule)LrSchedule.Max(Half, LrSchedule.Warmup(Duration.Rest)).Resolve(50);
        Assert.AreEqual(Duration.Steps(50), ((WarmupSchedule)max.Schedules[1]).Steps);
    }

    [TestMethod]
    public void ClampBoundsTheRateAbsolutely()
    {
        var clamp = LrSchedule.Clamp(Rising, minLr: 0.1, maxLr: 0.7);
        Assert.AreEqual(0.1, clamp.GetLearningRate(0, 1.0));
        Assert.AreEqual(0.5, clamp.GetLearningRate(5, 1.0));
        Assert.AreEqual(0.7, clamp.GetLearningRate(9, 1.0));
        Assert.AreEqual(0.7, clamp.GetLearningRate(1000, 1.0));
        Assert.AreEqual(0.1, clamp.GetLearningRate(1000, 0.05), "bounds are rates, not multiples of the base");
        Assert.AreEqual(Duration.Steps(10), clamp.Length);
        var defaults = new ClampSchedule(Rising);
        Assert.AreEqual(0.0, defaults.MinLr);
        Assert.AreEqual(double.MaxValue, defaults.MaxLr);
        Assert.AreEqual(0.3, LrSchedule.Clamp(Rising, 0.3, 0.3).GetLearningRate(4, 1.0));
    }

    [TestMethod]
    public void ClampResolvesItsChild()
    {
        var clamp = LrSchedule.Clamp(LrSchedule.Warmup(Duration.Fraction(0.5)), 0.1, 1);
        Assert.IsFalse(clamp.IsResolved);
        var resolved = (ClampSchedule)clamp.Resolve(40);
        Assert.AreEqual(Duration.Steps(20), ((WarmupSchedule)resolved.Schedule).Steps);
        Assert.AreEqual(0.1, resolved.MinLr);
        Assert.AreEqual(1.0, resolved.MaxLr);
    }

    [TestMethod]
    public void MinMaxRejectBadChildren()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Min(Rising));
        StringAssert.StartsWith(e.Message, "Parameter 'schedules' must hold at least 2 schedules; received 1.");
        e = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Max());
        StringAssert.StartsWith(e.Message, "Parameter 'schedules' must hold at least 2 schedules; received 0.");
        e = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Max(Rising, null!));
        StringAssert.StartsWith(e.Message, "Parameter 'schedules' must not contain null; received null at index 1.");
        Assert.ThrowsExactly<ArgumentNullException>(() => new MinSchedule(null!));
        e = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Min(Rising, Half, new PlateauSchedule()));
        StringAssert.StartsWith(e.Message,
            "Parameter 'schedules' must hold closed-form schedules only; received the reactive schedule 'PlateauSchedule' at index 2. Reactive schedules can only run last in a sequence.");
        e = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Max(new HypergradientSchedule(0.1).WithWarmup(5), Rising));
        StringAssert.StartsWith(e.Message,
            "Parameter 'schedules' must hold closed-form schedules only; received the reactive schedule 'SequenceSchedule' at index 0.");
    }

    [TestMethod]
    public void ClampRejectsBadArguments()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Clamp(Rising, minLr: -0.1));
        StringAssert.StartsWith(e.Message, "Parameter 'minLr' must be a finite number >= 0; received -0.1.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Clamp(Rising, maxLr: double.NaN));
        StringAssert.StartsWith(e.Message, "Parameter 'maxLr' must be a finite number >= 0; received NaN.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Clamp(Rising, 0.5, 0.1));
        StringAssert.StartsWith(e.Message, "Parameter 'maxLr' must be >= minLr (0.5); received 0.1.");
        Assert.AreEqual("maxLr", e.ParamName);
        var r = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Clamp(new LossAdaptiveSchedule(), 0, 1));
        StringAssert.StartsWith(r.Message,
            "Parameter 'schedule' must be a closed-form schedule; received the reactive schedule 'LossAdaptiveSchedule'. Reactive schedules can only run last in a sequence.");
        Assert.ThrowsExactly<ArgumentNullException>(() => LrSchedule.Clamp(null!, 0, 1));
    }
}
