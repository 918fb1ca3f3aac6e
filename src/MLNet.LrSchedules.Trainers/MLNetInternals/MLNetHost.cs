#pragma warning disable CS0618 // ML.NET internals, used on purpose in this folder only (README.md).
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLNet.LrSchedules.Trainers.MLNetInternals;

/// <summary>The few facts about ML.NET's host environment and schemas that only its internal API exposes.</summary>
internal static class MLNetHost
{
    /// <summary>The environment behind a trainers catalog (ML.NET's own trainers get it the same way).</summary>
    public static IHostEnvironment Environment(TrainCatalogBase.CatalogInstantiatorBase catalog) => ((IInternalCatalog)catalog).Environment;

    /// <summary>
    /// <c>mlContext.CancelExecution()</c>, internal in ML.NET 5 (AutoML cancels its trials with it): the trainers honour it as
    /// they honour <see cref="TorchTrainerOptions.CancellationToken"/>. Here for the tests that check that they do.
    /// </summary>
    public static void CancelExecution(MLContext ml) => ml.CancelExecution();

    /// <summary>True once <c>mlContext.CancelExecution()</c> was called for the context that owns <paramref name="host"/>.</summary>
    public static bool IsCanceled(IHost host) => host is ICancelable { IsCanceled: true };

    /// <summary>The seed the <c>MLContext</c> was created with, or null.</summary>
    public static int? Seed(IHostEnvironment env) => (env as IHostEnvironmentInternal)?.Seed;

    /// <summary>The estimator-time shape of a schema (ML.NET's <c>SchemaShape.Create</c>).</summary>
    public static SchemaShape ShapeOf(DataViewSchema schema) => SchemaShape.Create(schema);
}
