using BenchmarkDotNet.Attributes;

namespace MLNet.LrSchedules.Benchmarks;

/// <summary>
/// The cost of one <c>GetLearningRate(step, baseLr)</c> call (argument checks included) for every sample schedule,
/// at step 1 and at step 1,000,000: closed forms cost the same at any step and allocate nothing.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public class ScheduleEvaluationBenchmarks
{
    public static IEnumerable<SampleSchedule> Schedules => SampleSchedules.All;

    [ParamsSource(nameof(Schedules))]
    public SampleSchedule Schedule { get; set; } = null!;

    [Params(1L, 1_000_000L)]
    public long Step { get; set; }

    [Benchmark]
    public double GetLearningRate() => Schedule.Schedule.GetLearningRate(Step, 0.1);
}
