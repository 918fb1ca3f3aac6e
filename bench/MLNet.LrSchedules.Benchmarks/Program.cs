using BenchmarkDotNet.Running;
using MLNet.LrSchedules.Benchmarks;

if (args.Contains("--list-samples"))
{
    foreach (var sample in SampleSchedules.All) Console.WriteLine($"built    {sample.Name}: {sample.Schedule.GetType().Name}");
    foreach (var skipped in SampleSchedules.Skipped) Console.WriteLine($"skipped  {skipped}");
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
