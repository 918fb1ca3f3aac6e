using BenchmarkDotNet.Running;
using MLNet.LrSchedules.Benchmarks;
using MLNet.LrSchedules.Benchmarks.Quality;

if (args.Length > 0 && args[0] == "gpu")
    return MLNet.LrSchedules.Benchmarks.Gpu.GpuBenchmark.Run(args[1..]);
if (args.Length > 0 && args[0] is "quality" or "check" or "mnist" or "defaults-grid" or "cnn-search")
{
    try
    {
        return args[0] switch
        {
            "quality" => TrainerQuality.Run(args[1..], check: false),
            "check" => TrainerQuality.Run(args[1..], check: true),
            "mnist" => MnistSchedules.Run(args[1..]),
            "cnn-search" => CnnSearch.Run(args[1..]),
            _ => DefaultsGrid.Run(args[1..]),
        };
    }
    catch (UsageException e)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 2;
    }
}
if (args.Length > 0 && args[0] == "overhead-quick")
    return MLNet.LrSchedules.Benchmarks.Training.QuickOverhead.Run(args[1..]);
if (args.Length > 0 && args[0] is "threads" or "cold-start")
{
    try
    {
        return args[0] == "threads"
            ? MLNet.LrSchedules.Benchmarks.Training.ThreadsBenchmark.Run(args[1..])
            : MLNet.LrSchedules.Benchmarks.Training.ColdStart.Run(args[1..]);
    }
    catch (UsageException e)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 2;
    }
}
if (args.Length > 0 && args[0] == "scale")
    return MLNet.LrSchedules.Benchmarks.Training.ScaleBenchmark.Run(args[1..]);
if (args.Contains("--list-samples"))
{
    foreach (var sample in SampleSchedules.All) Console.WriteLine($"built    {sample.Name}: {sample.Schedule.GetType().Name}");
    foreach (var skipped in SampleSchedules.Skipped) Console.WriteLine($"skipped  {skipped}");
    return 0;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
