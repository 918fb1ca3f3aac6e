namespace MLNet.LrSchedules.Tests.Composition;

[TestClass]
public sealed class CompositionFactoryTests
{
    [TestMethod]
    public void WithWarmupPutsAWarmupInFront()
    {
        var main = LrSchedule.Warmup(100, WarmupShape.Constant, 0.5);
        var s = main.WithWarmup(10, WarmupShape.Linear, 0.1);
        Assert.HasCount(2, s.Schedules);
        var warmup = (WarmupSchedule)s.Schedules[0];
        Assert.AreEqual(Duration.Steps(10), warmup.Steps);
        Assert.AreEqual(0.1, warmup.StartFactor);
        Assert.AreSame(main, s.Schedules[1]);
        CollectionAssert.AreEqual(new[] { Duration.Steps(10) }, s.Lengths.ToArray());
        Assert.AreEqual(0.1, s.GetLearningRate(0, 1.0), 1e-15);
        Assert.AreEqual(0.91, s.GetLearningRate(9, 1.0), 1e-15);
        Assert.AreEqual(0.5, s.GetLearningRate(10, 1.0));
        Assert.AreEqual(1.0, s.GetLearningRate(110, 1.0));
        Assert.AreEqual(Duration.Steps(110), s.Length);
    }

    [TestMethod]
    public void WithWarmupWorksInFrontOfReactiveSchedules()
    {
        foreach (ReactiveLrSchedule reactive in new ReactiveLrSchedule[] { new PlateauSchedule(), new LossAdaptiveSchedule(), new HypergradientSchedule(0.1) })
        {
            var s = reactive.WithWarmup(Duration.Fraction(0.1));
            Assert.AreSame(reactive, s.Schedules[^1]);
            var scheduler = new LrScheduler(s, 1.0, totalSteps: 50);
            Assert.AreEqual(0.0, scheduler.LearningRate);
            Assert.AreEqual(reactive.Signal, scheduler.Listens);
        }
    }

    [TestMethod]
    public void WithWarmupRejectsRest()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => new PlateauSchedule().WithWarmup(Duration.Rest));
        StringAssert.StartsWith(e.Message, "Parameter 'length' must be a number of steps or a fraction of the run; received 'rest', which would leave no room for the schedule after the warmup.");
        Assert.AreEqual("length", e.ParamName);
    }

    [TestMethod]
    public void ThenRunsTheFirstScheduleForItsLength()
    {
        var s = LrSchedule.Warmup(4).Then(LrSchedule.Warmup(2, WarmupShape.Constant, 0.5));
        CollectionAssert.AreEqual(new[] { Duration.Steps(4) }, s.Lengths.ToArray());
        double[] expected = [0, 0.25, 0.5, 0.75, 0.5, 0.5, 1, 1];
        for (int t = 0; t < expected.Length; t++)
            Assert.AreEqual(expected[t], s.GetLearningRate(t, 1.0), $"step {t}");
    }

    [TestMethod]
    public void ThenFlattensSequencesWithStepLengths()
    {
        var a = LrSchedule.Warmup(4);
        var b = LrSchedule.Warmup(6, WarmupShape.Constant, 0.5);
        var c = LrSchedule.Warmup(8, startFactor: 0.25);
        var d = new PlateauSchedule();

        var left = a.Then(b).Then(c).Then(d);
        CollectionAssert.AreEqual(new LrSchedule[] { a, b, c, d }, left.Schedules.ToArray());
        CollectionAssert.AreEqual(new[] { Duration.Steps(4), Duration.Steps(6), Duration.Steps(8) }, left.Lengths.ToArray());

        var right = a.Then(b.Then(c));
        CollectionAssert.AreEqual(new LrSchedule[] { a, b, c }, right.Schedules.ToArray());
        CollectionAssert.AreEqual(new[] { Duration.Steps(4), Duration.Steps(6) }, right.Lengths.ToArray());

        var nested = LrSchedule.Sequence([a, LrSchedule.Sequence([b, c], [6])], [4]);
        for (int t = 0; t < 25; t++)
            Assert.AreEqual(nested.GetLearningRate(t, 1.0), right.GetLearningRate(t, 1.0), $"step {t}");
    }

    [TestMethod]
    public void ThenKeepsSequencesWithFractionalLengthsNested()
    {
        var a = LrSchedule.Warmup(4);
        var tail = LrSchedule.Sequence([LrSchedule.Warmup(2), LrSchedule.Warmup(Duration.Rest)], [Duration.Fraction(0.5)]);
        var s = a.Then(tail);
        CollectionAssert.AreEqual(new LrSchedule[] { a, tail }, s.Schedules.ToArray(), "the 50% is of the tail's segment, so it must stay nested");
        var resolved = (SequenceSchedule)((SequenceSchedule)s.Resolve(104)).Schedules[1];
        Assert.AreEqual(Duration.Steps(50), resolved.Lengths[0]);

        var head = LrSchedule.Sequence([LrSchedule.Warmup(4), LrSchedule.Warmup(Duration.Fraction(0.5))], [4]);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => head.Then(LrSchedule.Warmup(2)));
        StringAssert.StartsWith(e.Message, "Schedule 'SequenceSchedule' has no length of its own (it runs forever, or its length depends on durations not yet resolved)");
    }

    [TestMethod]
    public void ThenNeedsALength()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => new PlateauSchedule().Then(LrSchedule.Warmup(3)));
        StringAssert.StartsWith(e.Message,
            "Schedule 'PlateauSchedule' has no length of its own (it runs forever, or its length depends on durations not yet resolved), so nothing can follow it with Then(); use LrSchedule.Sequence(schedules, lengths) to give each segment a length.");
        e = Assert.ThrowsExactly<InvalidOperationException>(() => LrSchedule.Warmup(Duration.Rest).Then(LrSchedule.Warmup(3)));
        StringAssert.StartsWith(e.Message,
            "Schedule 'WarmupSchedule' runs for the rest of the training (length 'rest'), so nothing can follow it with Then(); give it a length in steps or a fraction of the run.");
        Assert.ThrowsExactly<ArgumentNullException>(() => LrSchedule.Warmup(3).Then(null!));
    }

    [TestMethod]
    public void ReactiveCanFollowButNotPrecede()
    {
        var s = LrSchedule.Warmup(3).Then(new HypergradientSchedule(0.1));
        Assert.IsInstanceOfType<HypergradientSchedule>(s.Schedules[^1]);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => s.Then(LrSchedule.Warmup(3)));
        StringAssert.StartsWith(e.Message, "Schedule 'SequenceSchedule' has no length of its own");
    }
}
