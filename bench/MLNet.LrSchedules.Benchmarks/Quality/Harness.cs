using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Benchmarks.Quality;

/// <summary>
/// One fit of one trainer on one split: the preprocessing (multiclass label to key; features standardized with
/// <c>NormalizeMeanVariance(fixZero: false)</c> for tabular data) fitted on the training rows only, then the trainer, both timed.
/// </summary>
internal sealed class Trial : IDisposable
{
    private readonly MLContext _ml;
    private readonly Dataset _data;
    private readonly ITransformer? _model;
    private readonly IDisposable? _network;

    private Trial(MLContext ml, Dataset data, ITransformer? model, IDisposable? network, double fitSeconds, double fitCpuSeconds, IReadOnlyList<EpochRecord> epochs, string? failure,
        double preprocessingSeconds)
    {
        PreprocessingSeconds = preprocessingSeconds;
        _ml = ml;
        _data = data;
        _model = model;
        _network = network;
        FitSeconds = fitSeconds;
        FitCpuSeconds = fitCpuSeconds;
        Epochs = epochs;
        Failure = failure;
    }

    /// <summary>Wall time of the preprocessing fit and the trainer's Fit (per-epoch validation scoring included when asked for).</summary>
    public double FitSeconds { get; }
    /// <summary>Wall time of the preprocessing's fit alone (part of <see cref="FitSeconds"/>).</summary>
    public double PreprocessingSeconds { get; }
    /// <summary>
    /// CPU time of the whole process over the same span, every thread summed: with one torch thread about the wall time the fit
    /// would take on a quiet machine, whatever else shares the CPU (the time a busy machine adds is waiting, not CPU).
    /// </summary>
    public double FitCpuSeconds { get; }
    /// <summary>TorchSharp trainers' per-epoch history; empty for ML.NET's trainers.</summary>
    public IReadOnlyList<EpochRecord> Epochs { get; }
    /// <summary>Why there is no model (the loss diverged), or null.</summary>
    public string? Failure { get; }

    /// <summary>The task's metrics on <paramref name="rows"/>; NaN for a failed fit.</summary>
    public double[] Score(IReadOnlyList<int> rows) =>
        _model is null ? _data.Task.Metrics.Select(_ => double.NaN).ToArray() : _data.Task.Evaluate(_ml, _model.Transform(_data.View(_ml, rows)));

    /// <summary>Cumulative epoch wall time and epoch number when the per-epoch validation metric first reached <paramref name="target"/>; NaN when it never did.</summary>
    public (double Seconds, double Epoch) TimeTo(double target)
    {
        double elapsed = 0;
        foreach (var epoch in Epochs)
        {
            elapsed += epoch.WallTime.TotalSeconds;
            if (epoch.ValidationMetric >= target) return (elapsed, epoch.Epoch);
        }
        return (double.NaN, double.NaN);
    }

    public static Trial Fit(Dataset data, IReadOnlyList<int> trainRows, TrainerSpec trainer, int seed, IReadOnlyList<int>? validateEachEpochOn = null)
    {
        var ml = new MLContext(seed);
        var train = data.View(ml, trainRows);
        var validation = validateEachEpochOn is null ? null : data.View(ml, validateEachEpochOn);
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        double CpuSeconds() => (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var preprocessing = Preprocessing(ml, data).Fit(train);
        double preprocessingSeconds = clock.Elapsed.TotalSeconds;
        // ML.NET's advice for multi-pass trainers (AppendCacheCheckpoint); the TorchSharp trainer reads the data once either way.
        var prepared = ml.Data.Cache(preprocessing.Transform(train));
        var estimator = trainer.Create(new FitContext(ml, data.Task, seed, validation is null ? null : preprocessing.Transform(validation)));
        try
        {
            var model = estimator.Fit(prepared);
            double seconds = clock.Elapsed.TotalSeconds;
            var epochs = model is TorchNetworkTransformer torch ? torch.Model.History.Epochs : [];
            return new Trial(ml, data, preprocessing.Append(model), model as IDisposable, seconds, CpuSeconds(), epochs, null, preprocessingSeconds);
        }
        catch (TorchNetworkDivergedException diverged)
        {
            diverged.LastGoodModel?.Dispose();
            return new Trial(ml, data, null, null, clock.Elapsed.TotalSeconds, CpuSeconds(), [], "diverged", preprocessingSeconds);
        }
    }

    /// <summary>An untimed fit on a few rows, so that the timed fits that follow do not pay for JIT compilation and native loading.</summary>
    public static void WarmUp(Dataset data, TrainerSpec trainer)
    {
        using var trial = Fit(data, Split.Of(data, seed: 1, validationFraction: 0.2).Train.Take(200).ToArray(), trainer, seed: 1);
    }

    private static IEstimator<ITransformer> Preprocessing(MLContext ml, Dataset data)
    {
        IEstimator<ITransformer> pipeline = new EstimatorChain<ITransformer>();
        if (data.Task.LabelPreprocessing(ml) is { } label) pipeline = pipeline.Append(label);
        if (data.Standardize) pipeline = pipeline.Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false));
        return pipeline;
    }

    /// <summary>Frees the network's native tensors now rather than at finalization (a grid fits hundreds).</summary>
    public void Dispose() => _network?.Dispose();
}
