using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Torch;

[TestClass]
public sealed class CosineWarmRestartsScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("torch", "CosineAnnealingWarmRestarts");

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesPyTorch(OracleCase c)
    {
        var schedule = LrSchedule.CosineWarmRestarts(c.Int("T_0"), c.Int("T_mult"), c.Double("eta_min"));
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void RestartsEveryT0WhenTMultIsOne()
    {
        var schedule = LrSchedule.CosineWarmRestarts(2);
        double[] expected = [1, 0.5, 1, 0.5, 1];
        Oracle.AssertMatches("sgdr", "lr", expected, Oracle.Trajectory(schedule, 1.0, 5), 1e-15);
    }

    [TestMethod]
    public void CycleBoundariesMatchPyTorchsCounter()
    {
        // Replays PyTorch's step-by-step counter (T_cur += 1; on T_cur >= T_i restart with T_i *= T_mult).
        foreach (var (t0, tMult) in new[] { (1, 2), (2, 3), (3, 2), (5, 7), (1, 10) })
        {
            var schedule = LrSchedule.CosineWarmRestarts(t0, tMult, 0.05);
            long tCur = 0, tI = t0;
            for (long t = 0; t < 5000; t++)
            {
                if (t > 0 && ++tCur >= tI) { tCur %= tI; tI *= tMult; }
                double expected = 0.05 + (1.0 - 0.05) * (1 + Math.Cos(Math.PI * tCur / tI)) / 2;
                Assert.AreEqual(expected, schedule.GetLearningRate(t, 1.0), 0.0, $"T_0 {t0}, T_mult {tMult}, step {t}");
            }
        }
    }

    [TestMethod]
    public void HugeStepsFindTheirCycleExactly()
    {
        // Cycles of 1, 2, 4, ...: cycle n starts at 2^n − 1.
        var schedule = LrSchedule.CosineWarmRestarts(1, 2);
        Assert.AreEqual(1.0, schedule.GetLearningRate((1L << 40) - 1, 1.0));
        Assert.AreEqual(1.0, schedule.GetLearningRate((1L << 62) - 1, 1.0));
        Assert.AreEqual((1 + Math.Cos(Math.PI * ((1L << 40) - 1) / (1L << 40))) / 2, schedule.GetLearningRate((1L << 41) - 2, 1.0));
        Assert.IsTrue(double.IsFinite(schedule.GetLearningRate(long.MaxValue, 1.0)));
        Assert.IsTrue(double.IsFinite(LrSchedule.CosineWarmRestarts(int.MaxValue, int.MaxValue).GetLearningRate(long.MaxValue, 1.0)));
        Assert.AreEqual(1.0, LrSchedule.CosineWarmRestarts(10).GetLearningRate(1_000_000_000_000, 1.0));
    }

    [TestMethod]
    public void RejectsInvalidParameters()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.CosineWarmRestarts(0));
        StringAssert.Contains(e.Message, "Parameter 't0' must be an integer >= 1; received 0.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.CosineWarmRestarts(5, 0));
        StringAssert.Contains(e.Message, "Parameter 'tMult' must be an integer >= 1; received 0.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.CosineWarmRestarts(5, 1, double.NaN));
        StringAssert.Contains(e.Message, "Parameter 'etaMin' must be a finite number >= 0; received NaN.");
    }
}
