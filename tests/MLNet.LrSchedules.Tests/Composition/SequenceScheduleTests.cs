namespace MLNet.LrSchedules.Tests.Composition;

[TestClass]
public sealed class SequenceScheduleTests
{
    [TestMethod]
    public void EachChildSeesItsLocalStep()
    {
        // 0 → base over 10 steps, then 0.5 → base over 20 steps, then a flat 0.25·base.
        var sequence = LrSchedule.Sequence(
            [LrSchedule.Warmup(10), LrSchedule.Warmup(20, startFactor: 0.5), LrSchedule.Warmup(Duration.Rest, WarmupShape.Constant, 0.25)],
            [10, 20]);
        var resolved = sequence.Resolve(100);
        Assert.AreEqual(0.0, resolved.GetLearningRate(0, 1.0));
        Assert.AreEqual(0.9, resolved.GetLearningRate(9, 1.0), 1e-15);
        Assert.AreEqual(0.5, resolved.GetLearningRate(10, 1.0), "segment 1 starts at its own step 0");
        Assert.AreEqual(0.75, resolved.GetLearningRate(20, 1.0), 1e-15);
        Assert.AreEqual(0.975, resolved.GetLearningRate(29, 1.0), 1e-15);
        Assert.AreEqual(0.25, resolved.GetLearningRate(30, 1.0));
        Assert.AreEqual(0.25, resolved.GetLearningRate(99, 1.0));
        Assert.AreEqual(1.0, resolved.GetLearningRate(100, 1.0), "the last child's own length was resolved to its segment: 70 steps");
        Assert.AreEqual(1.0, resolved.GetLearningRate(long.MaxValue, 1.0));
    }

    [TestMethod]
    public void SingleChildIsTheChild()
    {
        var single = new SequenceSchedule([LrSchedule.Warmup(4)], []);
        Assert.AreEqual(0.25, single.GetLearningRate(1, 1.0));
        Assert.AreEqual(Duration.Steps(4), single.Length);
    }

    [TestMethod]
    public void ResolveTurnsFractionsAndRestIntoSteps()
    {
        var sequence = LrSchedule.Sequence(
            [LrSchedule.Warmup(50), LrSchedule.Warmup(Duration.Fraction(0.5)), LrSchedule.Warmup(Duration.Rest)],
            [Duration.Fraction(0.2), Duration.Fraction(0.3)]);
        Assert.IsFalse(sequence.IsResolved);
        Assert.IsNull(sequence.Length);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => sequence.GetLearningRate(0, 1));
        StringAssert.StartsWith(e.Message, "Schedule 'SequenceSchedule' has durations given as a fraction of the run or left open");

        var resolved = (SequenceSchedule)sequence.Resolve(1000);
        Assert.IsTrue(resolved.IsResolved);
        CollectionAssert.AreEqual(new[] { Duration.Steps(200), Duration.Steps(300) }, resolved.Lengths.ToArray());
        Assert.AreEqual(Duration.Steps(50), ((WarmupSchedule)resolved.Schedules[0]).Steps, "step counts stay as given");
        Assert.AreEqual(Duration.Steps(150), ((WarmupSchedule)resolved.Schedules[1]).Steps, "a child's fraction is of its segment");
        Assert.AreEqual(Duration.Steps(500), ((WarmupSchedule)resolved.Schedules[2]).Steps, "the last segment is the rest of the run");
        Assert.AreEqual(Duration.Steps(1000), resolved.Length);
        Assert.AreSame(resolved, resolved.Resolve(7));
    }

    [TestMethod]
    public void AChildPlacedForItsOwnFractionalLengthFillsItsSegment()
    {
        // warmup(5%) >> b: the 5% is of the whole run, not 5% of the warmup's own segment.
        var sequence = LrSchedule.Warmup(Duration.Fraction(0.05)).Then(LrSchedule.Warmup(Duration.Rest, WarmupShape.Constant, 0.5));
        var resolved = (SequenceSchedule)sequence.Resolve(1000);
        Assert.AreEqual(Duration.Steps(50), resolved.Lengths[0]);
        Assert.AreEqual(Duration.Steps(50), ((WarmupSchedule)resolved.Schedules[0]).Steps);
        Assert.AreEqual(0.98, resolved.GetLearningRate(49, 1.0), 1e-15);
        Assert.AreEqual(0.5, resolved.GetLearningRate(50, 1.0));
    }

    [TestMethod]
    public void ResolveKeepsEverySegmentAtLeastOneStep()
    {
        var resolved = (SequenceSchedule)LrSchedule.Sequence(
            [LrSchedule.Warmup(10), LrSchedule.Warmup(Duration.Fraction(0.001)), LrSchedule.Warmup(Duration.Rest)],
            [10, Duration.Fraction(0.001)]).Resolve(5);
        CollectionAssert.AreEqual(new[] { Duration.Steps(10), Duration.Steps(1) }, resolved.Lengths.ToArray());
        Assert.AreEqual(Duration.Steps(1), ((WarmupSchedule)resolved.Schedules[2]).Steps);
    }

    [TestMethod]
    public void LengthIsTheSumWhenTheLastChildHasOne()
    {
        Assert.AreEqual(Duration.Steps(35), LrSchedule.Sequence([LrSchedule.Warmup(10), LrSchedule.Warmup(25)], [10]).Length);
        Assert.IsNull(LrSchedule.Sequence([LrSchedule.Warmup(10), new PlateauSchedule()], [10]).Length);
        Assert.IsNull(LrSchedule.Sequence([LrSchedule.Warmup(10), LrSchedule.Warmup(Duration.Rest)], [10]).Length);
    }

    [TestMethod]
    public void ValidationMessages()
    {
        var w = LrSchedule.Warmup(10);
        var e = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Sequence([], []));
        StringAssert.StartsWith(e.Message, "Parameter 'schedules' must hold at least one schedule; received none.");
        e = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Sequence([w, w], []));
        StringAssert.StartsWith(e.Message, "Parameter 'lengths' must hold one length per schedule but the last (1); received 0.");
        Assert.AreEqual("lengths", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Sequence([w], [10]));
        StringAssert.StartsWith(e.Message, "Parameter 'lengths' must hold one length per schedule but the last (0); received 1.");
        e = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Sequence([w, null!], [10]));
        StringAssert.StartsWith(e.Message, "Parameter 'schedules' must not contain null; received null at index 1.");
        e = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Sequence([new PlateauSchedule(), w], [10]));
        StringAssert.StartsWith(e.Message, "Parameter 'schedules' may hold a reactive schedule only in last position; received 'PlateauSchedule' at index 0.");
        e = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Sequence([w, w], [Duration.Rest]));
        StringAssert.StartsWith(e.Message, "Parameter 'lengths' must give every segment but the last a length; received 'rest' at index 0.");
        Assert.ThrowsExactly<ArgumentNullException>(() => LrSchedule.Sequence(null!, []));
        Assert.ThrowsExactly<ArgumentNullException>(() => LrSchedule.Sequence([w], null!));
    }

    [TestMethod]
    public void ASequenceEndingInAReactiveScheduleMayOnlyComeLast()
    {
        var reactiveTail = new PlateauSchedule().WithWarmup(5);
        var e = Assert.ThrowsExactly<ArgumentException>(() => LrSchedule.Sequence([reactiveTail, LrSchedule.Warmup(10)], [20]));
        StringAssert.StartsWith(e.Message, "Parameter 'schedules' may hold a reactive schedule only in last position; received 'SequenceSchedule' at index 0.");
        Assert.IsNotNull(LrSchedule.Sequence([LrSchedule.Warmup(10), reactiveTail], [10]));
    }

    [TestMethod]
    public void ReactiveTailEvaluatesToItsInitialRateInClosedForm()
    {
        var sequence = new LossAdaptiveSchedule(1).WithWarmup(4);
        Assert.AreEqual(0.5, sequence.GetLearningRate(2, 1.0));
        Assert.AreEqual(1.0, sequence.GetLearningRate(4, 1.0));
        Assert.AreEqual(1.0, sequence.GetLearningRate(1_000_000_000, 1.0));
    }
}
