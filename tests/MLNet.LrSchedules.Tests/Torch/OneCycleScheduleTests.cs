using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Torch;

[TestClass]
public sealed class OneCycleScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("torch", "OneCycleLR");
    public static IEnumerable<object[]> MomentumCases => Oracle.Cases("torch-momentum", "OneCycleLR");

    private static OneCycleSchedule FromCase(OracleCase c) => LrSchedule.OneCycle(
        c.Double("max_lr"), c.Int("total_steps"), c.Double("pct_start"), c.String("anneal_strategy"),
        cycleMomentum: c.Has("cycle_momentum") && c.Bool("cycle_momentum"),
        baseMomentum: c.DoubleOrNull("base_momentum") ?? 0.85,
        maxMomentum: c.DoubleOrNull("max_momentum") ?? 0.95,
        divFactor: c.Double("div_factor"), finalDivFactor: c.Double("final_div_factor"), threePhase: c.Bool("three_phase"));

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesPyTorch(OracleCase c)
    {
        // OneCycleLR sets its own rates (max_lr / div_factor at step 0): the base passed in is ignored.
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(FromCase(c), c.Double("base_lr"), c.Steps), Oracle.DoubleTolerance);
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(FromCase(c), 42.0, c.Steps), Oracle.DoubleTolerance);
    }

    [TestMethod]
    [DynamicData(nameof(MomentumCases))]
    public void MatchesPyTorchMomentumForSgdAndAdam(OracleCase c)
    {
        var schedule = FromCase(c);
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, 1.0, c.Steps), Oracle.DoubleTolerance);
        var momentum = Enumerable.Range(0, c.Steps).Select(i => schedule.GetMomentum(i)).ToArray();
        Oracle.AssertMatches(c.Id, "momentum", c.Momentum!, momentum, Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void LinearTwoPhaseHandComputed()
    {
        // total 10, pct 0.3: warmup ends at step 2, annealing from step 2 to 9.
        var schedule = LrSchedule.OneCycle(1.0, 10, 0.3, "linear", divFactor: 4, finalDivFactor: 2.5);
        Assert.AreEqual(0.25, schedule.GetLearningRate(0, 1.0), 1e-15);
        Assert.AreEqual(0.625, schedule.GetLearningRate(1, 1.0), 1e-15);
        Assert.AreEqual(1.0, schedule.GetLearningRate(2, 1.0), 1e-15);
        Assert.AreEqual(1.0 + (0.1 - 1.0) / 7, schedule.GetLearningRate(3, 1.0), 1e-15);
        Assert.AreEqual(0.1, schedule.GetLearningRate(9, 1.0), 1e-15);
        Assert.AreEqual(0.95, schedule.GetMomentum(0), 1e-15);
        Assert.AreEqual(0.85, schedule.GetMomentum(2), 1e-15);
        Assert.AreEqual(0.95, schedule.GetMomentum(9), 1e-15);
    }

    [TestMethod]
    public void ThreePhaseComesBackToTheInitialRate()
    {
        // total 10, pct 0.3: ends at steps 2, 4 and 9.
        var schedule = LrSchedule.OneCycle(1.0, 10, 0.3, "linear", divFactor: 4, finalDivFactor: 2.5, threePhase: true);
        Assert.AreEqual(1.0, schedule.GetLearningRate(2, 1.0), 1e-15);
        Assert.AreEqual(0.625, schedule.GetLearningRate(3, 1.0), 1e-15);
        Assert.AreEqual(0.25, schedule.GetLearningRate(4, 1.0), 1e-15);
        Assert.AreEqual(0.25 + (0.1 - 0.25) / 5, schedule.GetLearningRate(5, 1.0), 1e-15);
        Assert.AreEqual(0.1, schedule.GetLearningRate(9, 1.0), 1e-15);
        Assert.AreEqual(0.9, schedule.GetMomentum(3), 1e-15);
        Assert.AreEqual(0.95, schedule.GetMomentum(4), 1e-15);
        Assert.AreEqual(0.95, schedule.GetMomentum(7), 1e-15);
    }

    [TestMethod]
    public void HoldsTheFinalValuePastTheEnd()
    {
        var schedule = LrSchedule.OneCycle(0.5, 100);
        double last = schedule.GetLearningRate(99, 1.0);
        Assert.AreEqual(0.5 / 25 / 1e4, last, 1e-20);
        Assert.AreEqual(last, schedule.GetLearningRate(100, 1.0));
        Assert.AreEqual(last, schedule.GetLearningRate(1_000_000_000_000, 1.0));
        Assert.AreEqual(schedule.GetMomentum(99), schedule.GetMomentum(1_000_000_000_000));
        Assert.AreEqual(0.95, schedule.GetMomentum(long.MaxValue), 1e-15);
    }

    [TestMethod]
    public void EpochsTimesStepsPerEpochGivesTheTotal()
    {
        var schedule = LrSchedule.OneCycle(0.1, epochs: 3, stepsPerEpoch: 7);
        Assert.AreEqual(Duration.Steps(21), schedule.TotalSteps);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.OneCycle(0.1, epochs: 0, stepsPerEpoch: 7));
        StringAssert.Contains(e.Message, "Parameter 'epochs' must be an integer >= 1; received 0.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.OneCycle(0.1, epochs: 3, stepsPerEpoch: -7));
        StringAssert.Contains(e.Message, "Parameter 'stepsPerEpoch' must be an integer >= 1; received -7.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.OneCycle(0.1, epochs: long.MaxValue, stepsPerEpoch: 2));
        StringAssert.Contains(e.Message, "Parameters 'epochs' and 'stepsPerEpoch' must multiply to at most");
    }

    [TestMethod]
    public void DefaultTotalIsTheRestOfTheRun()
    {
        var schedule = LrSchedule.OneCycle(0.1);
        Assert.IsFalse(schedule.IsResolved);
        Assert.ThrowsExactly<InvalidOperationException>(() => schedule.GetLearningRate(0, 1.0));
        Assert.ThrowsExactly<InvalidOperationException>(() => schedule.GetMomentum(0));
        var resolved = (OneCycleSchedule)schedule.Resolve(1000);
        Assert.AreEqual(Duration.Steps(1000), resolved.TotalSteps);
        Assert.AreEqual(Duration.Steps(1000), resolved.Length);
        Assert.AreEqual(0.1, resolved.GetLearningRate(299, 1.0), 1e-15);
        var scheduler = new LrScheduler(schedule, 1.0, totalSteps: 1000);
        Assert.AreEqual(0.95, scheduler.Momentum!.Value, 1e-15);
    }

    [TestMethod]
    public void DefaultsArePyTorchs()
    {
        var schedule = new OneCycleSchedule(1.0, 100);
        Assert.AreEqual(0.3, schedule.PctStart);
        Assert.AreEqual("cos", schedule.AnnealStrategy);
        Assert.IsTrue(schedule.CycleMomentum);
        Assert.AreEqual(0.85, schedule.BaseMomentum);
        Assert.AreEqual(0.95, schedule.MaxMomentum);
        Assert.AreEqual(25.0, schedule.DivFactor);
        Assert.AreEqual(1e4, schedule.FinalDivFactor);
        Assert.IsFalse(schedule.ThreePhase);
    }

    [TestMethod]
    public void PctStartBoundsAreAllowedAsInPyTorch()
    {
        var noWarmup = LrSchedule.OneCycle(1.0, 10, 0.0, "linear", divFactor: 2, finalDivFactor: 5);
        Assert.AreEqual(1.0 + (0.1 - 1.0) / 10, noWarmup.GetLearningRate(0, 1.0), 1e-15);
        var allWarmup = LrSchedule.OneCycle(1.0, 10, 1.0, "linear", divFactor: 2);
        Assert.AreEqual(1.0, allWarmup.GetLearningRate(9, 1.0), 1e-15);
    }

    [TestMethod]
    public void RejectsInvalidParameters()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.OneCycle(-0.1, 10));
        StringAssert.Contains(e.Message, "Parameter 'maxLr' must be a finite number >= 0; received -0.1.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.OneCycle(0.1, 10, 1.5));
        StringAssert.Contains(e.Message, "Parameter 'pctStart' must be in [0, 1]; received 1.5.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.OneCycle(0.1, 10, annealStrategy: "exp"));
        StringAssert.Contains(e.Message, "Parameter 'annealStrategy' must be one of 'cos', 'linear'; received 'exp'.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.OneCycle(0.1, 10, baseMomentum: 2));
        StringAssert.Contains(e.Message, "Parameter 'baseMomentum' must be in [0, 1]; received 2.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.OneCycle(0.1, 10, maxMomentum: -1));
        StringAssert.Contains(e.Message, "Parameter 'maxMomentum' must be in [0, 1]; received -1.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.OneCycle(0.1, 10, divFactor: 0));
        StringAssert.Contains(e.Message, "Parameter 'divFactor' must be a finite number > 0; received 0.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.OneCycle(0.1, 10, finalDivFactor: -1));
        StringAssert.Contains(e.Message, "Parameter 'finalDivFactor' must be a finite number > 0; received -1.");
        var a = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.OneCycle(0.1, 10, 0.1));
        StringAssert.Contains(a.Message, "PyTorch's OneCycleLR divides by zero; received pct_start 0.1 and total_steps 10.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.OneCycle(0.1, 10).GetMomentum(-3));
        StringAssert.Contains(e.Message, "Parameter 'step' must be an integer >= 0; received -3.");
    }

    [TestMethod]
    public void Constructor_ZeroTotalSteps_Throws()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new OneCycleSchedule(0.1, Duration.Zero));
        StringAssert.StartsWith(e.Message, "Parameter 'totalSteps' must be a duration of at least 1 step, a fraction of the run or 'rest'; received 0.");
    }
}
