using BenchmarkDotNet.Running;
using MLNet.LrSchedules.Benchmarks;

if (args.Length > 0 && args[0] == "gpu")
    return MLNet.LrSchedules.Benchmarks.Gpu.GpuBenchmark.Run(args[1..]);
if (args.Length > 0 && args[0] == "quality")
    return MLNet.LrSchedules.Benchmarks.Quality.TrainerQuality.Run(args[1..]);
if (args.Length > 0 && args[0] == "overhead-quick")
    return MLNet.LrSchedules.Benchmarks.Training.QuickOverhead.Run(args[1..]);
if (args.Length > 0 && args[0] == "mnist")
    return MLNet.LrSchedules.Benchmarks.Training.MnistTimeToAccuracy.Run(args[1..]);
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
