using FsCheck;
using FsCheck.Fluent;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Tests.Serialization;

[TestClass]
public sealed class SerializationPropertyTests
{
    private const int Depth = 2;

    private static Arbitrary<LrSchedule> Schedules() =>
        Arb.From(Gen.Choose(0, int.MaxValue).Select(seed => new RandomSchedules(new Random(seed)).Schedule(Depth)));

    private static Config Config(int tests) => FsCheck.Config.QuickThrowOnFailure.WithMaxTest(tests);

    [TestMethod]
    public void Json_RoundTrip_KeepsTrajectory_AndText()
    {
        FsCheck.Check.One(Config(300), Prop.ForAll(Schedules(), schedule =>
        {
            string json = LrScheduleJson.Serialize(schedule);
            var back = LrScheduleJson.Deserialize(json);
            Assert.AreEqual(schedule.GetType(), back.GetType());
            Assert.AreEqual(json, LrScheduleJson.Serialize(back));
            Assert.AreEqual(Trajectory.Of(schedule), Trajectory.Of(back), json);
            Assert.AreEqual(json, LrScheduleJson.Serialize(LrScheduleJson.Deserialize(LrScheduleJson.Serialize(schedule, indented: true))));
        }));
    }

    [TestMethod]
    public void Text_RoundTrip_KeepsTrajectory_AndJson()
    {
        FsCheck.Check.One(Config(300), Prop.ForAll(Schedules(), schedule =>
        {
            string text = LrScheduleText.Format(schedule);
            var back = LrScheduleText.Parse(text);
            string json = LrScheduleJson.Serialize(schedule);
            Assert.AreEqual(json, LrScheduleJson.Serialize(back), text);
            Assert.AreEqual(text, LrScheduleText.Format(back));
            Assert.AreEqual(Trajectory.Of(schedule), Trajectory.Of(back), text);
        }));
    }

    [TestMethod]
    public void Resolved_RoundTrips_WithIntegerDurations()
    {
        FsCheck.Check.One(Config(200), Prop.ForAll(Schedules(), schedule =>
        {
            LrSchedule resolved;
            try { resolved = schedule.Resolve(1000); }
            catch (ArgumentException) { return; }
            string json = LrScheduleJson.Serialize(resolved);
            Assert.IsTrue(LrScheduleJson.Deserialize(json).IsResolved, json);
            Assert.IsFalse(json.Contains('%') || json.Contains("\"rest\""), json);
        }));
    }

    [TestMethod]
    public void SchedulerState_RoundTrips()
    {
        var states = Arb.From(Gen.Choose(0, int.MaxValue).Select(seed => new RandomSchedules(new Random(seed)).SchedulerState()));
        FsCheck.Check.One(Config(300), Prop.ForAll(states, state =>
        {
            string json = LrScheduleJson.SerializeState(state);
            var back = LrScheduleJson.DeserializeState(json);
            Assert.AreEqual(state, back, json);
            Assert.AreEqual(json, LrScheduleJson.SerializeState(back));
        }));
    }

    [TestMethod]
    public void Scheduler_ResumedFromJson_ContinuesIdentically()
    {
        double[] signals = [1.0, 0.9, 0.95, 0.95, 0.97, 0.8, 1.2, 0.7, 0.7, 0.7, 0.71, 0.6];
        FsCheck.Check.One(Config(200), Prop.ForAll(Schedules(), schedule =>
        {
            LrScheduler scheduler;
            try { scheduler = new LrScheduler(schedule, 0.1, totalSteps: 40); }
            catch (ArgumentException) { return; }
            for (int i = 0; i < 20; i++)
            {
                if (scheduler.Listens is { } signal && Outcome(() => scheduler.LearningRate) is not ['!', ..])
                    scheduler.Report(signal, signals[i % signals.Length]);
                scheduler.Advance();
            }
            string scheduleJson = scheduler.Schedule.ToJson();
            string stateJson = LrScheduleJson.SerializeState(scheduler.GetState());
            var resumed = new LrScheduler(LrSchedule.FromJson(scheduleJson), LrScheduleJson.DeserializeState(stateJson));
            Assert.AreEqual(stateJson, LrScheduleJson.SerializeState(resumed.GetState()));
            for (int i = 0; i < 20; i++)
            {
                // Some schedules reject some base rates when evaluated: the same for both is what counts.
                string rate = Outcome(() => scheduler.LearningRate);
                Assert.AreEqual(rate, Outcome(() => resumed.LearningRate), stateJson);
                Assert.AreEqual(Outcome(() => scheduler.Momentum), Outcome(() => resumed.Momentum), stateJson);
                if (scheduler.Listens is { } signal && rate is not ['!', ..])
                {
                    scheduler.Report(signal, signals[(i + 5) % signals.Length]);
                    resumed.Report(signal, signals[(i + 5) % signals.Length]);
                }
                scheduler.Advance();
                resumed.Advance();
            }
        }));
    }

    [TestMethod]
    public void ConcurrentUse_GivesTheSameText()
    {
        var schedules = Enumerable.Range(0, 64).Select(i => new RandomSchedules(new Random(i)).Schedule(Depth)).ToArray();
        var expected = schedules.Select(s => (Json: s.ToJson(), Text: s.ToString())).ToArray();
        Parallel.For(0, 512, i =>
        {
            var (json, text) = expected[i % expected.Length];
            Assert.AreEqual(json, LrSchedule.FromJson(json).ToJson());
            Assert.AreEqual(json, LrSchedule.Parse(text).ToJson());
        });
    }

    private static string Outcome(Func<double?> value)
    {
        try { return value()?.ToString("R", System.Globalization.CultureInfo.InvariantCulture) ?? "null"; }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException) { return "!" + ex.GetType().Name; }
    }

    [TestMethod]
    public void EveryRegisteredType_CanBeGenerated_AndRoundTrips()
    {
        var random = new Random(1234);
        var generator = new RandomSchedules(random);
        var failures = new List<string>();
        foreach (var entry in ScheduleRegistry.Default.Entries)
        {
            for (int i = 0; i < 20; i++)
            {
                if (!generator.TryCreate(entry, Depth, out var instance))
                {
                    failures.Add($"'{entry.Name}': no random arguments were accepted by its constructor (give parameters reference defaults)");
                    break;
                }
                try
                {
                    if (instance is LrSchedule schedule)
                    {
                        Assert.AreEqual(schedule.ToJson(), LrSchedule.FromJson(schedule.ToJson()).ToJson());
                        Assert.AreEqual(schedule.ToJson(), LrSchedule.Parse(schedule.ToString()).ToJson());
                    }
                    else
                    {
                        var state = new LrSchedulerState(0.1, 3, (ReactiveState)instance);
                        Assert.AreEqual(state, LrScheduleJson.DeserializeState(LrScheduleJson.SerializeState(state)));
                    }
                }
                catch (Exception ex)
                {
                    failures.Add($"'{entry.Name}': {ex.GetType().Name}: {ex.Message}");
                    break;
                }
            }
        }
        Assert.IsEmpty(failures, string.Join("\n", failures));
    }
}
