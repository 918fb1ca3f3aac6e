using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Composition;

[TestClass]
public sealed class WarmupScheduleTests
{
    public static IEnumerable<object[]> ConstantLRCases => Oracle.Cases("torch", "ConstantLR");

    [TestMethod]
    [DynamicData(nameof(ConstantLRCases))]
    public void ConstantShapeMatchesPyTorchConstantLR(OracleCase c)
    {
        var schedule = LrSchedule.Warmup(c.Int("total_iters"), WarmupShape.Constant, c.Double("factor"));
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
    }

    public static IEnumerable<object[]> ConstantWithWarmupCases => Oracle.Cases("transformers", "constant_with_warmup");

    [TestMethod]
    [DynamicData(nameof(ConstantWithWarmupCases))]
    public void LinearShapeFromZeroMatchesTransformersConstantWithWarmup(OracleCase c)
    {
        int warmupSteps = c.Int("num_warmup_steps");
        double baseLr = c.Double("base_lr");
        double[] lr = warmupSteps == 0
            ? Enumerable.Repeat(baseLr, c.Steps).ToArray() // transformers divides by max(1, 0): no warmup at all
            : Oracle.Trajectory(LrSchedule.Warmup(warmupSteps), baseLr, c.Steps);
        Oracle.AssertMatches(c.Id, "lr", c.Lr, lr, Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void LinearRampsFromStartFactorAndReachesBaseAtLength()
    {
        var w = new WarmupSchedule(4);
        Assert.AreEqual(WarmupShape.Linear, w.Shape);
        Assert.AreEqual(0.0, w.StartFactor);
        double[] expected = [0, 0.25, 0.5, 0.75, 1, 1, 1];
        for (int t = 0; t < expected.Length; t++)
            Assert.AreEqual(expected[t] * 0.8, w.GetLearningRate(t, 0.8), 1e-15, $"step {t}");

        var fromHalf = LrSchedule.Warmup(4, startFactor: 0.5);
        Assert.AreEqual(0.5, fromHalf.GetLearningRate(0, 1.0));
        Assert.AreEqual(0.625, fromHalf.GetLearningRate(1, 1.0));
        Assert.AreEqual(0.875, fromHalf.GetLearningRate(3, 1.0));
        Assert.AreEqual(1.0, fromHalf.GetLearningRate(4, 1.0));
    }

    [TestMethod]
    public void ExponentialIsGeometric()
    {
        var w = LrSchedule.Warmup(3, WarmupShape.Exponential, 0.001);
        Assert.AreEqual(0.001, w.GetLearningRate(0, 1.0));
        Assert.AreEqual(0.01, w.GetLearningRate(1, 1.0), 1e-17);
        Assert.AreEqual(0.1, w.GetLearningRate(2, 1.0), 1e-16);
        Assert.AreEqual(1.0, w.GetLearningRate(3, 1.0));
        // Constant ratio between consecutive steps.
        var long_ = LrSchedule.Warmup(100, WarmupShape.Exponential, 1e-4);
        double ratio = long_.GetLearningRate(1, 2.0) / long_.GetLearningRate(0, 2.0);
        for (int t = 1; t < 100; t++)
            Assert.AreEqual(ratio, long_.GetLearningRate(t + 1, 2.0) / long_.GetLearningRate(t, 2.0), 1e-12, $"step {t}");
    }

    [TestMethod]
    public void ConstantHoldsStartFactorThenBase()
    {
        var w = LrSchedule.Warmup(3, WarmupShape.Constant, 0.25);
        Assert.AreEqual(0.5, w.GetLearningRate(0, 2.0));
        Assert.AreEqual(0.5, w.GetLearningRate(2, 2.0));
        Assert.AreEqual(2.0, w.GetLearningRate(3, 2.0));
    }

    [TestMethod]
    public void StartFactorOneIsFlatAndHugeStepsCostNothing()
    {
        foreach (var shape in new[] { WarmupShape.Linear, WarmupShape.Exponential, WarmupShape.Constant })
        {
            var w = LrSchedule.Warmup(10, shape, 1.0);
            Assert.AreEqual(0.3, w.GetLearningRate(0, 0.3), shape.ToString());
            Assert.AreEqual(0.3, w.GetLearningRate(7, 0.3), shape.ToString());
            Assert.AreEqual(0.3, LrSchedule.Warmup(10, shape, 0.5).GetLearningRate(long.MaxValue, 0.3), shape.ToString());
        }
        var huge = LrSchedule.Warmup(4_000_000_000_000L);
        Assert.AreEqual(0.5, huge.GetLearningRate(2_000_000_000_000L, 1.0));
    }

    [TestMethod]
    public void EveryShapeStaysBetweenStartAndBaseAndNeverDecreases()
    {
        var random = new Random(20260101);
        for (int trial = 0; trial < 200; trial++)
        {
            var shape = (WarmupShape)random.Next(3);
            double start = shape == WarmupShape.Exponential ? 1e-6 + random.NextDouble() * (1 - 1e-6) : random.NextDouble();
            long length = 1 + random.Next(1, 500);
            double baseLr = random.NextDouble() * 3;
            var w = LrSchedule.Warmup(length, shape, start);
            double previous = -1;
            for (long t = 0; t <= length + 1; t++)
            {
                double lr = w.GetLearningRate(t, baseLr);
                Assert.IsTrue(lr >= previous - 1e-15 * baseLr, $"{shape} s={start} L={length}: decreases at {t}");
                Assert.IsTrue(lr >= start * baseLr * (1 - 1e-12) && lr <= baseLr * (1 + 1e-12), $"{shape} s={start} L={length}: {lr} out of range at {t}");
                previous = lr;
            }
            Assert.AreEqual(start * baseLr, w.GetLearningRate(0, baseLr), 1e-15);
            Assert.AreEqual(baseLr, w.GetLearningRate(length, baseLr));
        }
    }

    [TestMethod]
    public void LengthAndResolve()
    {
        var steps = LrSchedule.Warmup(100);
        Assert.AreEqual(Duration.Steps(100), steps.Length);
        Assert.IsTrue(steps.IsResolved);
        Assert.AreSame(steps, steps.Resolve(1000));

        var fraction = LrSchedule.Warmup(Duration.Fraction(0.05), WarmupShape.Exponential, 0.1);
        Assert.IsFalse(fraction.IsResolved);
        Assert.AreEqual(Duration.Fraction(0.05), fraction.Length);
        var resolved = (WarmupSchedule)fraction.Resolve(1000);
        Assert.AreEqual(Duration.Steps(50), resolved.Steps);
        Assert.AreEqual(WarmupShape.Exponential, resolved.Shape);
        Assert.AreEqual(0.1, resolved.StartFactor);

        Assert.AreEqual(Duration.Steps(1000), ((WarmupSchedule)LrSchedule.Warmup(Duration.Rest).Resolve(1000)).Steps);

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => fraction.GetLearningRate(0, 1));
        StringAssert.StartsWith(e.Message, "Schedule 'WarmupSchedule' has durations given as a fraction of the run or left open");
    }

    [TestMethod]
    [DataRow(WarmupShape.Linear, -0.1, "Parameter 'startFactor' must be in [0, 1]; received -0.1.")]
    [DataRow(WarmupShape.Linear, 1.5, "Parameter 'startFactor' must be in [0, 1]; received 1.5.")]
    [DataRow(WarmupShape.Constant, double.NaN, "Parameter 'startFactor' must be in [0, 1]; received NaN.")]
    [DataRow(WarmupShape.Exponential, 0.0, "Parameter 'startFactor' must be in (0, 1] for an exponential warmup (a geometric ramp cannot start at 0); received 0.")]
    [DataRow(WarmupShape.Exponential, 2.0, "Parameter 'startFactor' must be in [0, 1]; received 2.")]
    public void RejectsStartFactor(WarmupShape shape, double startFactor, string message)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Warmup(10, shape, startFactor));
        StringAssert.StartsWith(e.Message, message);
        Assert.AreEqual("startFactor", e.ParamName);
    }

    [TestMethod]
    public void RejectsUnknownShape()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new WarmupSchedule(10, (WarmupShape)5));
        StringAssert.StartsWith(e.Message, "Parameter 'shape' must be one of Linear, Exponential, Constant; received 5.");
    }
}
