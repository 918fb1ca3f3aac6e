using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Reactive;

[TestClass]
public sealed class PlateauScheduleTests
{
    public static IEnumerable<object[]> TorchCases => Oracle.Cases("torch", "ReduceLROnPlateau");

    private static PlateauSchedule FromTorch(OracleCase c) => new(
        mode: c.String("mode") switch { "min" => PlateauMode.Min, "max" => PlateauMode.Max, var m => throw new InvalidDataException(m) },
        factor: c.Double("factor"),
        patience: c.Int("patience"),
        threshold: c.Double("threshold"),
        thresholdMode: c.String("threshold_mode") switch { "rel" => PlateauThresholdMode.Rel, "abs" => PlateauThresholdMode.Abs, var m => throw new InvalidDataException(m) },
        cooldown: c.Int("cooldown"),
        minLr: c.Double("min_lr"),
        eps: c.Double("eps"));

    [TestMethod]
    [DynamicData(nameof(TorchCases))]
    public void MatchesPyTorchReduceLROnPlateau(OracleCase c)
    {
        var scheduler = new LrScheduler(FromTorch(c), c.Double("base_lr"));
        var lr = new double[c.Steps];
        for (int i = 0; i < c.Steps; i++)
        {
            lr[i] = scheduler.LearningRate;
            scheduler.Report(ScheduleSignal.Metric, c.Metrics![i]);
            scheduler.Advance();
        }
        Oracle.AssertMatches(c.Id, "lr", c.Lr, lr, Oracle.DoubleTolerance);
    }

    [TestMethod]
    [DynamicData(nameof(TorchCases))]
    public void MatchesPyTorchWhenDrivenDirectlyThroughStates(OracleCase c)
    {
        var schedule = FromTorch(c);
        var state = schedule.CreateState(c.Double("base_lr"));
        var lr = new double[c.Steps];
        for (int i = 0; i < c.Steps; i++)
        {
            lr[i] = schedule.GetLearningRate(state);
            state = schedule.Observe(state, c.Metrics![i]);
        }
        Oracle.AssertMatches(c.Id, "lr", c.Lr, lr, Oracle.DoubleTolerance);
        Assert.AreEqual(c.Steps, ((PlateauState)state).LastEpoch);
    }

    [TestMethod]
    public void DefaultsArePyTorchs()
    {
        var s = new PlateauSchedule();
        Assert.AreEqual(PlateauMode.Min, s.Mode);
        Assert.AreEqual(0.1, s.Factor);
        Assert.AreEqual(10, s.Patience);
        Assert.AreEqual(1e-4, s.Threshold);
        Assert.AreEqual(PlateauThresholdMode.Rel, s.ThresholdMode);
        Assert.AreEqual(0, s.Cooldown);
        Assert.AreEqual(0.0, s.MinLr);
        Assert.AreEqual(1e-8, s.Eps);
        Assert.AreEqual(ScheduleSignal.Metric, s.Signal);
    }

    [TestMethod]
    public void InitialStateMirrorsPyTorch()
    {
        var min = (PlateauState)new PlateauSchedule(PlateauMode.Min).CreateState(0.5);
        Assert.AreEqual(new PlateauState(0.5, double.PositiveInfinity, 0, 0, 0), min);
        var max = (PlateauState)new PlateauSchedule(PlateauMode.Max).CreateState(0.5);
        Assert.AreEqual(double.NegativeInfinity, max.Best);
        Assert.AreEqual(0.5, new PlateauSchedule().GetLearningRate(3, 0.5), "closed-form view is the rate before any report");
    }

    [TestMethod]
    public void PatienceZeroReducesOnTheFirstWorseReport()
    {
        var s = new PlateauSchedule(factor: 0.5, patience: 0);
        var state = s.Observe(s.CreateState(1.0), 1.0); // baseline
        Assert.AreEqual(1.0, state.LearningRate);
        state = s.Observe(state, 1.0); // equal is not better
        Assert.AreEqual(0.5, state.LearningRate);
        state = s.Observe(state, 2.0);
        Assert.AreEqual(0.25, state.LearningRate);
        state = s.Observe(state, 0.5); // improvement
        Assert.AreEqual(0.25, state.LearningRate);
        Assert.AreEqual(new PlateauState(0.25, 0.5, 0, 0, 4), state);
    }

    [TestMethod]
    public void PatienceCountsBadReportsAndImprovementResetsThem()
    {
        var s = new PlateauSchedule(factor: 0.1, patience: 2);
        var state = s.Observe(s.CreateState(1.0), 10);
        state = s.Observe(state, 11);
        state = s.Observe(state, 12);
        Assert.AreEqual(2, ((PlateauState)state).NumBadEpochs);
        Assert.AreEqual(1.0, state.LearningRate);
        state = s.Observe(state, 5); // improvement clears the count
        Assert.AreEqual(0, ((PlateauState)state).NumBadEpochs);
        state = s.Observe(s.Observe(s.Observe(state, 6), 6), 6);
        Assert.AreEqual(0.1, state.LearningRate, 1e-15);
        Assert.AreEqual(0, ((PlateauState)state).NumBadEpochs);
    }

    [TestMethod]
    public void CooldownForgetsBadReportsUntilItEnds()
    {
        var s = new PlateauSchedule(factor: 0.5, patience: 0, cooldown: 2);
        var state = s.Observe(s.CreateState(1.0), 1.0);
        state = s.Observe(state, 2.0);
        Assert.AreEqual(0.5, state.LearningRate);
        Assert.AreEqual(2, ((PlateauState)state).CooldownCounter);
        state = s.Observe(state, 2.0); // cooldown 2 -> 1, bad report forgotten
        Assert.AreEqual(0.5, state.LearningRate);
        state = s.Observe(state, 2.0); // cooldown 1 -> 0, still forgotten
        Assert.AreEqual(0.5, state.LearningRate);
        Assert.AreEqual(0, ((PlateauState)state).CooldownCounter);
        state = s.Observe(state, 2.0); // counts again
        Assert.AreEqual(0.25, state.LearningRate);
    }

    [TestMethod]
    public void MinLrBoundsReductionsAndEpsSkipsTinyOnesButCooldownStillRestarts()
    {
        var s = new PlateauSchedule(factor: 0.5, patience: 0, cooldown: 1, minLr: 0.3);
        var state = s.Observe(s.CreateState(1.0), 1.0);
        state = s.Observe(state, 2.0);
        Assert.AreEqual(0.5, state.LearningRate);
        state = s.Observe(s.Observe(state, 2.0), 2.0);
        Assert.AreEqual(0.3, state.LearningRate);

        var eps = new PlateauSchedule(factor: 0.5, patience: 0, cooldown: 3, eps: 0.6);
        var e = eps.Observe(eps.Observe(eps.CreateState(1.0), 1.0), 2.0);
        Assert.AreEqual(1.0, e.LearningRate, "a reduction of 0.5 is not more than eps = 0.6");
        Assert.AreEqual(3, ((PlateauState)e).CooldownCounter);

        var above = new PlateauSchedule(factor: 0.5, patience: 0, minLr: 2.0);
        var a = above.Observe(above.Observe(above.CreateState(1.0), 1.0), 2.0);
        Assert.AreEqual(1.0, a.LearningRate, "min_lr above the rate never raises it");
    }

    [TestMethod]
    public void ThresholdModesFollowPyTorchFormulas()
    {
        PlateauState After(PlateauSchedule s, params double[] metrics)
        {
            var state = s.CreateState(1.0);
            foreach (var m in metrics) state = s.Observe(state, m);
            return (PlateauState)state;
        }
        // min/rel: better iff a < best·(1 − 0.1)
        Assert.AreEqual(0.89, After(new PlateauSchedule(PlateauMode.Min, threshold: 0.1), 1.0, 0.89).Best);
        Assert.AreEqual(1.0, After(new PlateauSchedule(PlateauMode.Min, threshold: 0.1), 1.0, 0.9).Best);
        // min/rel with a negative best: best·0.9 is above best, so a slightly worse metric counts as better (as in PyTorch).
        Assert.AreEqual(-0.95, After(new PlateauSchedule(PlateauMode.Min, threshold: 0.1), -1.0, -0.95).Best);
        // min/abs: better iff a < best − 0.1
        Assert.AreEqual(0.85, After(new PlateauSchedule(PlateauMode.Min, threshold: 0.1, thresholdMode: PlateauThresholdMode.Abs), 1.0, 0.85).Best);
        Assert.AreEqual(1.0, After(new PlateauSchedule(PlateauMode.Min, threshold: 0.1, thresholdMode: PlateauThresholdMode.Abs), 1.0, 0.95).Best);
        // max/rel: better iff a > best·1.1
        Assert.AreEqual(1.2, After(new PlateauSchedule(PlateauMode.Max, threshold: 0.1), 1.0, 1.2).Best);
        Assert.AreEqual(1.0, After(new PlateauSchedule(PlateauMode.Max, threshold: 0.1), 1.0, 1.05).Best);
        // max/abs: better iff a > best + 0.1
        Assert.AreEqual(1.15, After(new PlateauSchedule(PlateauMode.Max, threshold: 0.1, thresholdMode: PlateauThresholdMode.Abs), 1.0, 1.15).Best);
        Assert.AreEqual(1.0, After(new PlateauSchedule(PlateauMode.Max, threshold: 0.1, thresholdMode: PlateauThresholdMode.Abs), 1.0, 1.05).Best);
        // min/rel with threshold 1: ∞·0 is NaN in PyTorch too, so nothing is ever better than the initial best.
        var never = After(new PlateauSchedule(PlateauMode.Min, threshold: 1, patience: 5), 1.0, 0.5);
        Assert.AreEqual(double.PositiveInfinity, never.Best);
        Assert.AreEqual(2, never.NumBadEpochs);
    }

    [TestMethod]
    public void InfiniteMetricsAreAcceptedAsPyTorchDoes()
    {
        var s = new PlateauSchedule(patience: 0, factor: 0.5);
        var state = s.Observe(s.CreateState(1.0), double.PositiveInfinity);
        Assert.AreEqual(double.PositiveInfinity, ((PlateauState)state).Best, "inf is not below the initial +inf best");
        Assert.AreEqual(0.5, state.LearningRate, "so it is a bad report, and patience 0 reduces at once");
        state = s.Observe(state, double.NegativeInfinity);
        Assert.AreEqual(double.NegativeInfinity, ((PlateauState)state).Best);
    }

    [TestMethod]
    public void ObserveLeavesTheGivenStateUnchanged()
    {
        var s = new PlateauSchedule(patience: 0);
        var before = s.CreateState(1.0);
        var after = s.Observe(before, 3.0);
        Assert.AreEqual(new PlateauState(1.0, double.PositiveInfinity, 0, 0, 0), before);
        Assert.AreNotSame(before, after);
    }

    [TestMethod]
    public void RejectsAStateOfAnotherSchedule()
    {
        var s = new PlateauSchedule();
        var e = Assert.ThrowsExactly<ArgumentException>(() => s.Observe(new HypergradientState(0.1), 1.0));
        StringAssert.StartsWith(e.Message, "Parameter 'state' must be a PlateauState; received a HypergradientState.");
        e = Assert.ThrowsExactly<ArgumentException>(() => s.GetLearningRate(new LossAdaptiveState(0.1, 0.1, null)));
        StringAssert.StartsWith(e.Message, "Parameter 'state' must be a PlateauState; received a LossAdaptiveState.");
        Assert.ThrowsExactly<ArgumentNullException>(() => s.Observe(null!, 1.0));
    }

    [TestMethod]
    public void RejectsNaNMetric()
    {
        var s = new PlateauSchedule();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s.Observe(s.CreateState(1), double.NaN));
        StringAssert.StartsWith(e.Message, "Parameter 'value' must not be NaN; received NaN.");
    }

    [TestMethod]
    [DataRow(1.0, "Parameter 'factor' must be in [0, 1); received 1.")]
    [DataRow(1.5, "Parameter 'factor' must be in [0, 1); received 1.5.")]
    [DataRow(-0.1, "Parameter 'factor' must be in [0, 1); received -0.1.")]
    [DataRow(double.NaN, "Parameter 'factor' must be in [0, 1); received NaN.")]
    public void RejectsFactor(double factor, string message)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PlateauSchedule(factor: factor));
        StringAssert.StartsWith(e.Message, message);
        Assert.AreEqual("factor", e.ParamName);
    }

    [TestMethod]
    public void RejectsOtherParameters()
    {
        void Expect(Func<object> create, string param, string message)
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(create);
            StringAssert.StartsWith(e.Message, message);
            Assert.AreEqual(param, e.ParamName);
        }
        Expect(() => new PlateauSchedule(patience: -1), "patience", "Parameter 'patience' must be an integer >= 0; received -1.");
        Expect(() => new PlateauSchedule(threshold: -1e-4), "threshold", "Parameter 'threshold' must be a finite number >= 0; received -0.0001.");
        Expect(() => new PlateauSchedule(threshold: double.PositiveInfinity), "threshold", "Parameter 'threshold' must be a finite number >= 0; received Infinity.");
        Expect(() => new PlateauSchedule(cooldown: -2), "cooldown", "Parameter 'cooldown' must be an integer >= 0; received -2.");
        Expect(() => new PlateauSchedule(minLr: -1), "minLr", "Parameter 'minLr' must be a finite number >= 0; received -1.");
        Expect(() => new PlateauSchedule(eps: double.NaN), "eps", "Parameter 'eps' must be a finite number >= 0; received NaN.");
        Expect(() => new PlateauSchedule(mode: (PlateauMode)7), "mode", "Parameter 'mode' must be Min or Max; received 7.");
        Expect(() => new PlateauSchedule(thresholdMode: (PlateauThresholdMode)9), "thresholdMode", "Parameter 'thresholdMode' must be Rel or Abs; received 9.");
    }

    [TestMethod]
    public void StateValidatesItsFields()
    {
        StringAssert.StartsWith(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PlateauState(-1, 0, 0, 0, 0)).Message,
            "Parameter 'learningRate' must be a finite number >= 0; received -1.");
        StringAssert.StartsWith(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PlateauState(1, double.NaN, 0, 0, 0)).Message,
            "Parameter 'best' must not be NaN; received NaN.");
        StringAssert.StartsWith(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PlateauState(1, 0, -1, 0, 0)).Message,
            "Parameter 'numBadEpochs' must be an integer >= 0; received -1.");
        StringAssert.StartsWith(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PlateauState(1, 0, 0, -1, 0)).Message,
            "Parameter 'cooldownCounter' must be an integer >= 0; received -1.");
        StringAssert.StartsWith(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PlateauState(1, 0, 0, 0, -1)).Message,
            "Parameter 'lastEpoch' must be an integer >= 0; received -1.");
    }
}
