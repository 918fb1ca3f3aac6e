using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Tests.Serialization;

/// <summary>The JSON and text forms of the families' schedules, as users write them.</summary>
[TestClass]
public sealed class RealScheduleSerializationTests
{
    [TestMethod]
    public void WarmupThenCosine_TextJsonAndRates()
    {
        var schedule = LrSchedule.Parse("warmup(500) >> cosine(t_max=rest, eta_min=1e-5)");
        Assert.AreEqual("warmup(steps=500) >> cosine(eta_min=1e-05)", schedule.ToString());
        Assert.AreEqual(
            """{"format_version":1,"type":"sequence","schedules":[{"type":"warmup","steps":500,"shape":"linear","start_factor":0},{"type":"cosine","t_max":"rest","eta_min":1E-05}],"lengths":[500]}""",
            schedule.ToJson());
        var resolved = schedule.Resolve(1500);
        Assert.AreEqual(
            """{"format_version":1,"type":"sequence","schedules":[{"type":"warmup","steps":500,"shape":"linear","start_factor":0},{"type":"cosine","t_max":1000,"eta_min":1E-05}],"lengths":[500]}""",
            resolved.ToJson());
        var back = LrSchedule.FromJson(resolved.ToJson());
        for (long step = 0; step < 1500; step += 37)
            Assert.AreEqual(resolved.GetLearningRate(step, 0.1), back.GetLearningRate(step, 0.1));
    }

    [TestMethod]
    public void FractionalWarmup_IsWrittenAsPercentage()
    {
        var schedule = LrSchedule.Parse("warmup(steps=0.05) >> cosine(rest, min=1e-5)");
        StringAssert.Contains(schedule.ToJson(), "\"steps\":\"5%\"");
        StringAssert.Contains(schedule.ToJson(), "\"lengths\":[\"5%\"]");
        Assert.AreEqual("warmup(steps=5%) >> cosine(eta_min=1e-05)", schedule.ToString());
    }

    [TestMethod]
    public void ReferenceNames_AndParameterAliases_AreAccepted()
    {
        Assert.AreEqual(LrSchedule.Parse("cosine(t_max=100, eta_min=0.001)").ToJson(), LrSchedule.Parse("CosineAnnealingLR(100, min=0.001)").ToJson());
        Assert.AreEqual(LrSchedule.Parse("plateau(mode=max)").ToJson(), LrSchedule.Parse("ReduceLROnPlateau(MODE=Max)").ToJson());
        Assert.IsInstanceOfType<OneCycleSchedule>(LrSchedule.Parse("OneCycleLR(max_lr=0.01, total_steps=1000, anneal_strategy=linear)"));
    }

    [TestMethod]
    public void Operators_BuildProductMinAndClamp()
    {
        Assert.AreEqual("step(step_size=30) * exponential(gamma=0.99)", LrSchedule.Parse("step(30) * exponential(0.99)").ToString());
        Assert.IsInstanceOfType<ProductSchedule>(LrSchedule.Parse("step(30) * exponential(0.99)"));
        Assert.AreEqual("min(cosine(t_max=100), exponential(gamma=0.9))", LrSchedule.Parse("min(cosine(100), exponential(0.9))").ToString());
        Assert.AreEqual("clamp(exponential(gamma=0.9), min_lr=0.0001, max_lr=0.01)", LrSchedule.Parse("clamp(exponential(gamma=0.9), min=1e-4, max=1e-2)").ToString());
    }

    [TestMethod]
    public void ConstructorRejection_InText_PointsAtTheSchedule()
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrSchedule.Parse("warmup(500) >> cosine(t_max=rest, eta_min=-1)"));
        Assert.AreEqual(15, ex.Position);
        StringAssert.StartsWith(ex.Message, "Invalid 'cosine' schedule: Parameter 'etaMin' must be a finite number >= 0; received -1. (position 15, line 1, column 16)");
    }

    [TestMethod]
    public void PlateauScheduler_StateWithInfiniteBest_RoundTrips()
    {
        var schedule = new PlateauSchedule(patience: 1);
        var scheduler = new LrScheduler(schedule, 0.1);
        string initial = LrScheduleJson.SerializeState(new LrSchedulerState(0.1, 0, schedule.CreateState(0.1)));
        StringAssert.Contains(initial, "\"best\":\"Infinity\"");
        foreach (double metric in new[] { 1.0, 1.0, 1.0, 0.5, 0.6, 0.7 })
        {
            scheduler.Report(ScheduleSignal.Metric, metric);
            scheduler.Advance();
        }
        string json = LrScheduleJson.SerializeState(scheduler.GetState());
        StringAssert.StartsWith(json, "{\"format_version\":1,\"base_learning_rate\":0.1,\"step\":6,\"reactive\":{\"type\":\"plateau_state\",");
        var resumed = new LrScheduler(LrSchedule.FromJson(schedule.ToJson()), LrScheduleJson.DeserializeState(json));
        Assert.AreEqual(scheduler.LearningRate, resumed.LearningRate);
        Assert.AreEqual(scheduler.ReactiveState, resumed.ReactiveState);
        Assert.AreEqual(initial, LrScheduleJson.SerializeState(LrScheduleJson.DeserializeState(initial)));
    }

    [TestMethod]
    public void InvalidReactiveState_IsRejected_AtItsObject()
    {
        string json = """{"base_learning_rate":0.1,"step":0,"reactive":{"type":"plateau_state","learning_rate":-1,"best":0,"num_bad_epochs":0,"cooldown_counter":0,"last_epoch":0}}""";
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.DeserializeState(json));
        StringAssert.Contains(ex.Message, "Invalid 'plateau_state' state in the scheduler state JSON: Parameter 'learningRate' must be a finite number >= 0; received -1.");
        Assert.AreEqual(json.IndexOf("{\"type\"", StringComparison.Ordinal), ex.Position);
    }
}
