using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;

namespace MLNet.LrSchedules.Benchmarks;

/// <summary>Shows schedule names in full (the default cuts parameter values at 20 characters).</summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig() => SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(48);
}
