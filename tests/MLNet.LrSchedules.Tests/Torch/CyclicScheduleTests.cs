using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Torch;

[TestClass]
public sealed class CyclicScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("torch", "CyclicLR");
    public static IEnumerable<object[]> MomentumCases => Oracle.Cases("torch-momentum", "CyclicLR");

    private static CyclicSchedule FromCase(OracleCase c) => LrSchedule.Cyclic(
        c.Double("base_lr"), c.Double("max_lr"), c.Int("step_size_up"), c.IntOrNull("step_size_down"), c.String("mode"),
        c.Double("gamma"),
        cycleMomentum: c.Has("cycle_momentum") && c.Bool("cycle_momentum"),
        baseMomentum: c.DoubleOrNull("base_momentum") ?? 0.8,
        maxMomentum: c.DoubleOrNull("max_momentum") ?? 0.9);

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesPyTorch(OracleCase c)
    {
        // CyclicLR replaces the optimizer's rate with base_lr: any base passed in is ignored.
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(FromCase(c), 123.0, c.Steps), Oracle.DoubleTolerance);
    }

    [TestMethod]
    [DynamicData(nameof(MomentumCases))]
    public void MatchesPyTorchMomentumForSgdAndAdam(OracleCase c)
    {
        var schedule = FromCase(c);
        Assert.IsTrue(((IMomentumSchedule)schedule).CyclesMomentum);
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, 1.0, c.Steps), Oracle.DoubleTolerance);
        var momentum = Enumerable.Range(0, c.Steps).Select(i => schedule.GetMomentum(i)).ToArray();
        Oracle.AssertMatches(c.Id, "momentum", c.Momentum!, momentum, Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void SchedulerReportsTheMomentum()
    {
        var scheduler = new LrScheduler(LrSchedule.Cyclic(0.1, 0.5, 2, baseMomentum: 0.8, maxMomentum: 0.9), 1.0);
        scheduler.Advance();
        Assert.AreEqual(0.3, scheduler.LearningRate, 1e-15);
        Assert.AreEqual(0.85, scheduler.Momentum!.Value, 1e-15);
        var noMomentum = new LrScheduler(LrSchedule.Cyclic(0.1, 0.5, 2, cycleMomentum: false), 1.0);
        Assert.IsNull(noMomentum.Momentum);
    }

    [TestMethod]
    public void TriangularHandComputed()
    {
        var schedule = LrSchedule.Cyclic(1, 3, stepSizeUp: 2, stepSizeDown: 1);
        double[] expected = [1, 2, 3, 1, 2, 3, 1];
        Oracle.AssertMatches("tri", "lr", expected, Oracle.Trajectory(schedule, 0.5, 7), 1e-15);
        double[] momentum = [0.9, 0.85, 0.8, 0.9, 0.85, 0.8, 0.9];
        Oracle.AssertMatches("tri", "momentum", momentum, Enumerable.Range(0, 7).Select(i => schedule.GetMomentum(i)).ToArray(), 1e-15);
    }

    [TestMethod]
    public void Triangular2HalvesTheAmplitudeEveryCycle()
    {
        var schedule = LrSchedule.Cyclic(0, 4, stepSizeUp: 1, mode: "triangular2");
        double[] expected = [0, 4, 0, 2, 0, 1, 0, 0.5];
        Oracle.AssertMatches("tri2", "lr", expected, Oracle.Trajectory(schedule, 1.0, 8), 1e-15);
        Assert.AreEqual("cycle", schedule.ScaleMode);
    }

    [TestMethod]
    public void ExpRangeScalesByGammaToTheStep()
    {
        var schedule = LrSchedule.Cyclic(0, 1, stepSizeUp: 1, mode: "exp_range", gamma: 0.5);
        Assert.AreEqual("iterations", schedule.ScaleMode);
        Assert.AreEqual(0.5, schedule.GetLearningRate(1, 1.0), 1e-15);
        Assert.AreEqual(0.125, schedule.GetLearningRate(3, 1.0), 1e-15);
        var byCycle = LrSchedule.Cyclic(0, 1, stepSizeUp: 1, mode: "exp_range", gamma: 0.5, scaleMode: "cycle");
        Assert.AreEqual(0.25, byCycle.GetLearningRate(3, 1.0), 1e-15);
    }

    [TestMethod]
    public void DefaultsArePyTorchs()
    {
        var schedule = new CyclicSchedule(0.001, 0.01);
        Assert.AreEqual(2000, schedule.StepSizeUp);
        Assert.IsNull(schedule.StepSizeDown);
        Assert.AreEqual("triangular", schedule.Mode);
        Assert.AreEqual(1.0, schedule.Gamma);
        Assert.IsTrue(schedule.CycleMomentum);
        Assert.AreEqual(0.8, schedule.BaseMomentum);
        Assert.AreEqual(0.9, schedule.MaxMomentum);
        Assert.AreEqual(0.01, schedule.GetLearningRate(2000, 0.5), 1e-15);
        Assert.AreEqual(0.001, schedule.GetLearningRate(4000, 0.5), 1e-15);
    }

    [TestMethod]
    public void HugeStepIsFinite()
    {
        foreach (var mode in new[] { "triangular", "triangular2", "exp_range" })
        {
            var schedule = LrSchedule.Cyclic(0.1, 1.0, 3, mode: mode, gamma: 0.99);
            Assert.IsTrue(double.IsFinite(schedule.GetLearningRate(1_000_000_000_000, 1.0)), mode);
            Assert.IsTrue(double.IsFinite(schedule.GetMomentum(1_000_000_000_000)), mode);
        }
        Assert.AreEqual(0.1, LrSchedule.Cyclic(0.1, 1.0, 3, mode: "triangular2").GetLearningRate(1_000_000_000_001, 1.0), 1e-15);
    }

    [TestMethod]
    public void RejectsInvalidParameters()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Cyclic(-1, 1));
        StringAssert.Contains(e.Message, "Parameter 'baseLr' must be a finite number >= 0; received -1.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Cyclic(0.1, double.NaN));
        StringAssert.Contains(e.Message, "Parameter 'maxLr' must be a finite number >= 0; received NaN.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Cyclic(0.1, 1, 0));
        StringAssert.Contains(e.Message, "Parameter 'stepSizeUp' must be an integer >= 1; received 0.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Cyclic(0.1, 1, 5, -1));
        StringAssert.Contains(e.Message, "Parameter 'stepSizeDown' must be an integer >= 0; received -1.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Cyclic(0.1, 1, mode: "cosine"));
        StringAssert.Contains(e.Message, "Parameter 'mode' must be one of 'triangular', 'triangular2', 'exp_range'; received 'cosine'.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Cyclic(0.1, 1, gamma: 0));
        StringAssert.Contains(e.Message, "Parameter 'gamma' must be in (0, 1]; received 0.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Cyclic(0.1, 1, scaleMode: "epoch"));
        StringAssert.Contains(e.Message, "Parameter 'scaleMode' must be one of 'cycle', 'iterations'; received 'epoch'.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Cyclic(0.1, 1, baseMomentum: 1.2));
        StringAssert.Contains(e.Message, "Parameter 'baseMomentum' must be in [0, 1]; received 1.2.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Cyclic(0.1, 1, maxMomentum: -0.1));
        StringAssert.Contains(e.Message, "Parameter 'maxMomentum' must be in [0, 1]; received -0.1.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Cyclic(0.1, 1).GetMomentum(-1));
        StringAssert.Contains(e.Message, "Parameter 'step' must be an integer >= 0; received -1.");
    }
}
