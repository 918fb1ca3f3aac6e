using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Core;

[TestClass]
public sealed class LrSchedulerTests
{
    private static double Signal(int step) => 1.0 / (1 + step % 7) + 0.01 * Math.Sin(step);

    private static double[] Run(LrScheduler scheduler, ScheduleSignal signal, int steps, Func<int, double> value)
    {
        var lr = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            lr[i] = scheduler.LearningRate;
            scheduler.Report(signal, value((int)scheduler.Step));
            scheduler.Advance();
        }
        return lr;
    }

    public static IEnumerable<object[]> ReactiveSchedules =>
    [
        [new PlateauSchedule(factor: 0.5, patience: 1, cooldown: 1).WithWarmup(5), ScheduleSignal.Metric],
        [new LossAdaptiveSchedule(2).WithWarmup(Duration.Fraction(0.1)), ScheduleSignal.Loss],
        [new HypergradientSchedule(0.01, maxLr: 2), ScheduleSignal.GradientDot],
        [LrSchedule.Warmup(3).Then(LrSchedule.Warmup(4, WarmupShape.Exponential, 0.1)).Then(new PlateauSchedule(PlateauMode.Max, patience: 0)), ScheduleSignal.Metric],
    ];

    [TestMethod]
    [DynamicData(nameof(ReactiveSchedules))]
    public void ResumingFromGetStateContinuesIdentically(LrSchedule schedule, ScheduleSignal signal)
    {
        const int total = 60;
        var reference = Run(new LrScheduler(schedule, 0.3, total), signal, total, Signal);
        foreach (int split in new[] { 0, 1, 4, 5, 6, 17, 59 })
        {
            var first = new LrScheduler(schedule, 0.3, total);
            var head = Run(first, signal, split, Signal);
            var saved = first.GetState();
            Assert.AreEqual(split, saved.Step);
            var resumed = new LrScheduler(schedule, saved, total);
            Assert.AreEqual(first.LearningRate, resumed.LearningRate);
            Assert.AreEqual(first.ReactiveState, resumed.ReactiveState);
            var tail = Run(resumed, signal, total - split, Signal);
            CollectionAssert.AreEqual(reference, head.Concat(tail).ToArray(), $"split at {split}");
        }
        Assert.IsTrue(reference.Distinct().Count() > 2, "the signals must have changed the rate for this test to mean anything");
    }

    [TestMethod]
    public void ClosedFormSchedulesAreFollowedStepByStep()
    {
        var schedule = LrSchedule.Warmup(Duration.Fraction(0.25)).Then(LrSchedule.Warmup(Duration.Rest, WarmupShape.Constant, 0.5));
        var scheduler = new LrScheduler(schedule, 2.0, totalSteps: 40);
        Assert.IsTrue(scheduler.Schedule.IsResolved);
        Assert.IsNull(scheduler.Listens);
        Assert.IsNull(scheduler.ReactiveState);
        for (int t = 0; t < 45; t++)
        {
            Assert.AreEqual(t, scheduler.Step);
            Assert.AreEqual(scheduler.Schedule.GetLearningRate(t, 2.0), scheduler.LearningRate, $"step {t}");
            scheduler.Report(ScheduleSignal.Loss, 123); // ignored
            scheduler.Advance();
        }
        Assert.AreEqual(new LrSchedulerState(2.0, 45, null), scheduler.GetState());
    }

    [TestMethod]
    public void SignalsAreIgnoredDuringAWarmupAndAppliedAfterIt()
    {
        var scheduler = new LrScheduler(new HypergradientSchedule(0.1).WithWarmup(4), 1.0);
        var initial = scheduler.ReactiveState;
        Assert.AreEqual(new HypergradientState(1.0), initial);
        double[] warmup = [0, 0.25, 0.5, 0.75];
        for (int t = 0; t < 4; t++)
        {
            Assert.AreEqual(warmup[t], scheduler.LearningRate, $"step {t}");
            scheduler.Report(ScheduleSignal.GradientDot, 1.0);
            Assert.AreSame(initial, scheduler.ReactiveState, $"step {t}: report during the warmup must be ignored");
            scheduler.Advance();
        }
        Assert.AreEqual(1.0, scheduler.LearningRate, "the reactive tail starts from the base rate");
        scheduler.Report(ScheduleSignal.GradientDot, 1.0);
        Assert.AreEqual(1.1, scheduler.LearningRate, 1e-15);
        scheduler.Advance();
        scheduler.Report(ScheduleSignal.GradientDot, -2.0);
        Assert.AreEqual(0.9, scheduler.LearningRate, 1e-15);
    }

    [TestMethod]
    public void PlateauBehindAWarmupMatchesPyTorchShiftedByTheWarmup()
    {
        var c = Oracle.Load("torch").First(x => x.Kind == "ReduceLROnPlateau");
        var plateau = new PlateauSchedule(factor: c.Double("factor"), patience: c.Int("patience"), threshold: c.Double("threshold"),
            cooldown: c.Int("cooldown"), minLr: c.Double("min_lr"), eps: c.Double("eps"));
        const int warmup = 7;
        var scheduler = new LrScheduler(plateau.WithWarmup(warmup), c.Double("base_lr"));
        var lr = Run(scheduler, ScheduleSignal.Metric, warmup + c.Steps, step => step < warmup ? -1e9 : c.Metrics![step - warmup]);
        Oracle.AssertMatches(c.Id, "lr after warmup", c.Lr, lr[warmup..], Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void RejectsAStateOfAnotherScheduleKind()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            new LrScheduler(new PlateauSchedule(), new LrSchedulerState(0.1, 3, new HypergradientState(0.1))));
        StringAssert.StartsWith(e.Message, "Parameter 'state' must be a PlateauState; received a HypergradientState.");

        e = Assert.ThrowsExactly<ArgumentException>(() =>
            new LrScheduler(LrSchedule.Warmup(10), new LrSchedulerState(0.1, 3, new HypergradientState(0.1))));
        StringAssert.StartsWith(e.Message, "Parameter 'state' holds a reactive state (HypergradientState) but the schedule 'WarmupSchedule' is not reactive.");
    }

    [TestMethod]
    public void ResumesAReactiveTailWithoutASavedStateFromItsInitialState()
    {
        var scheduler = new LrScheduler(new LossAdaptiveSchedule(1).WithWarmup(2), new LrSchedulerState(0.5, 10, null));
        Assert.AreEqual(new LossAdaptiveState(0.5, 0.5, null), scheduler.ReactiveState);
        Assert.AreEqual(0.5, scheduler.LearningRate);
    }

    [TestMethod]
    public void RejectsNaNSignals()
    {
        var scheduler = new LrScheduler(new LossAdaptiveSchedule(), 0.1);
        scheduler.Advance();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => scheduler.Report(ScheduleSignal.Loss, double.NaN));
        StringAssert.StartsWith(e.Message, "Parameter 'value' must not be NaN; received NaN for signal Loss at step 1.");
        // Even signals the schedule does not listen to, so a broken metric never goes unnoticed.
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LrScheduler(LrSchedule.Warmup(3), 0.1).Report(ScheduleSignal.Metric, double.NaN));
        StringAssert.StartsWith(e.Message, "Parameter 'value' must not be NaN; received NaN for signal Metric at step 0.");
    }

    [TestMethod]
    public void MomentumIsNullForSchedulesThatDoNotCycleIt()
    {
        Assert.IsNull(new LrScheduler(LrSchedule.Warmup(3), 0.1).Momentum);
        Assert.IsNull(new LrScheduler(new PlateauSchedule(), 0.1).Momentum);
        Assert.IsNull(new LrScheduler(new HypergradientSchedule(0.1).WithWarmup(3), 0.1).Momentum);
        Assert.IsNull(new LrScheduler(LrSchedule.Clamp(LrSchedule.Warmup(3), 0, 1), 0.1).Momentum);
    }

    [TestMethod]
    public void UnresolvedSchedulesNeedTheTotalSteps()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => new LrScheduler(LrSchedule.Warmup(Duration.Fraction(0.1)), 0.1));
        StringAssert.StartsWith(e.Message, "Parameter 'totalSteps' is required: the schedule has durations given as a fraction of the run or left open.");
        var scheduler = new LrScheduler(LrSchedule.Warmup(Duration.Fraction(0.1)), 0.1, totalSteps: 100);
        Assert.AreEqual(Duration.Steps(10), ((WarmupSchedule)scheduler.Schedule).Steps);
    }

    [TestMethod]
    public void RejectsInvalidArguments()
    {
        Assert.ThrowsExactly<ArgumentNullException>(() => new LrScheduler(null!, 0.1));
        Assert.ThrowsExactly<ArgumentNullException>(() => new LrScheduler(LrSchedule.Warmup(3), (LrSchedulerState)null!));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LrScheduler(LrSchedule.Warmup(3), -0.1));
        StringAssert.StartsWith(e.Message, "Parameter 'baseLearningRate' must be a finite number >= 0; received -0.1.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LrScheduler(LrSchedule.Warmup(3), new LrSchedulerState(0.1, -1, null)));
        StringAssert.StartsWith(e.Message, "Parameter 'step' must be an integer >= 0; received -1.");
    }

    [TestMethod]
    public void Momentum_FollowsTheSegmentInForce()
    {
        var oneCycle = LrSchedule.OneCycle(1.0, totalSteps: 20);
        var scheduler = new LrScheduler(oneCycle.WithWarmup(5), 0.1);
        for (int step = 0; step < 25; step++, scheduler.Advance())
        {
            if (step < 5) Assert.IsNull(scheduler.Momentum, $"step {step}");
            else Assert.AreEqual(oneCycle.GetMomentum(step - 5), scheduler.Momentum, $"step {step}");
        }
        Assert.AreEqual(oneCycle.GetMomentum(0), new LrScheduler(oneCycle, 0.1).Momentum);
    }
}
