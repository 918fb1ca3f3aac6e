#pragma warning disable CS0618 // ML.NET internals, used on purpose in this folder only (README.md).
using Microsoft.ML.Runtime;

namespace MLNet.LrSchedules.Trainers.MLNetInternals;

/// <summary>The few facts about an ML.NET host environment that only its internal interfaces expose.</summary>
internal static class MLNetHost
{
    /// <summary>True once <c>mlContext.CancelExecution()</c> was called for the context that owns <paramref name="host"/>.</summary>
    public static bool IsCanceled(IHost host) => host is ICancelable { IsCanceled: true };

    /// <summary>The seed the <c>MLContext</c> was created with, or null.</summary>
    public static int? Seed(IHostEnvironment env) => (env as IHostEnvironmentInternal)?.Seed;
}
