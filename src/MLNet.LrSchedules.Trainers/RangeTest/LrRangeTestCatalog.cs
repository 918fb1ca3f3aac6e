using Microsoft.Extensions.Logging;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNet.LrSchedules.Trainers.MLNetInternals;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// <c>FindLearningRate</c> on ML.NET's trainer catalogs: the learning-rate range test (<see cref="LrRangeTest"/>) for the
/// <c>TorchMlp</c> and <c>TorchNetwork</c> trainers (any network), to pick a peak rate before <c>Fit</c>.
/// </summary>
/// <example>
/// <code>
/// var prep = ml.Transforms.Conversion.MapValueToKey("Label")
///     .Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false))
///     .Fit(train);
/// var options = new TorchMlpMulticlassOptions { HiddenLayers = [128], Epochs = 20 };
/// var prepared = prep.Transform(train);
/// var range = ml.MulticlassClassification.Trainers.FindLearningRate(prepared, options);
/// options.Schedule = LrSchedule.OneCycle(maxLr: range.SuggestedLearningRate);
/// var model = prep.Append(ml.MulticlassClassification.Trainers.TorchMlp(options).Fit(prepared));
/// </code>
/// </example>
public static class LrRangeTestCatalog
{
    /// <summary>Runs the learning-rate range test for a multiclass <c>TorchMlp</c> with <paramref name="options"/>.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="data">The training data as the trainer would see it (after the pipeline's transforms): a key-typed label.</param>
    /// <param name="options">The trainer's settings (network, optimizer, batch size, seed, device); read, never changed. Its schedule, rate and epochs are not used.</param>
    /// <param name="rangeOptions">The range; null for the defaults (1e-6 to 10 in 200 steps).</param>
    /// <returns>The curve and the suggested rates.</returns>
    /// <exception cref="ArgumentException">An option is out of range, or a column is missing or of the wrong type; the message names it.</exception>
    /// <exception cref="InvalidOperationException">Bad data (the message names the column and row), or the loss diverged before 2 steps were recorded.</exception>
    /// <exception cref="OperationCanceledException">The options' <c>CancellationToken</c> was canceled, or <c>mlContext.CancelExecution()</c> called.</exception>
    public static LrRangeTestResult FindLearningRate(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, IDataView data,
        TorchMlpMulticlassOptions options, LrRangeTestOptions? rangeOptions = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Run(MLNetHost.Environment(catalog), data, options, TrainingTask.MulticlassClassification, rangeOptions);
    }

    /// <summary>Runs the learning-rate range test for a multiclass <c>TorchNetwork</c> with <paramref name="options"/> (any network spec).</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="data">The training data as the trainer would see it: a key-typed label.</param>
    /// <param name="options">The trainer's settings (network, optimizer, batch size, seed, device); read, never changed. Its schedule, rate and epochs are not used.</param>
    /// <param name="rangeOptions">The range; null for the defaults.</param>
    /// <returns>The curve and the suggested rates.</returns>
    /// <exception cref="ArgumentException">An option is out of range, or a column is missing or of the wrong type.</exception>
    /// <exception cref="NetworkShapeException">A layer of the network cannot take the shape it receives.</exception>
    /// <exception cref="InvalidOperationException">Bad data, or the loss diverged before 2 steps were recorded.</exception>
    /// <exception cref="OperationCanceledException">The options' <c>CancellationToken</c> was canceled, or <c>mlContext.CancelExecution()</c> called.</exception>
    public static LrRangeTestResult FindLearningRate(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, IDataView data,
        TorchNetworkMulticlassOptions options, LrRangeTestOptions? rangeOptions = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Run(MLNetHost.Environment(catalog), data, options, TrainingTask.MulticlassClassification, rangeOptions);
    }

    /// <summary>Runs the learning-rate range test for a binary <c>TorchMlp</c> with <paramref name="options"/>.</summary>
    /// <param name="catalog">The binary trainers catalog.</param>
    /// <param name="data">The training data as the trainer would see it: a Boolean label.</param>
    /// <param name="options">The trainer's settings; read, never changed. Its schedule, rate and epochs are not used.</param>
    /// <param name="rangeOptions">The range; null for the defaults.</param>
    /// <returns>The curve and the suggested rates.</returns>
    /// <exception cref="ArgumentException">An option is out of range, or a column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidOperationException">Bad data, or the loss diverged before 2 steps were recorded.</exception>
    /// <exception cref="OperationCanceledException">The options' <c>CancellationToken</c> was canceled, or <c>mlContext.CancelExecution()</c> called.</exception>
    public static LrRangeTestResult FindLearningRate(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, IDataView data,
        TorchMlpBinaryOptions options, LrRangeTestOptions? rangeOptions = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Run(MLNetHost.Environment(catalog), data, options, TrainingTask.BinaryClassification, rangeOptions);
    }

    /// <summary>Runs the learning-rate range test for a binary <c>TorchNetwork</c> with <paramref name="options"/> (any network spec).</summary>
    /// <param name="catalog">The binary trainers catalog.</param>
    /// <param name="data">The training data as the trainer would see it: a Boolean label.</param>
    /// <param name="options">The trainer's settings (network, optimizer, batch size, seed, device); read, never changed. Its schedule, rate and epochs are not used.</param>
    /// <param name="rangeOptions">The range; null for the defaults.</param>
    /// <returns>The curve and the suggested rates.</returns>
    /// <exception cref="ArgumentException">An option is out of range, or a column is missing or of the wrong type.</exception>
    /// <exception cref="NetworkShapeException">A layer of the network cannot take the shape it receives.</exception>
    /// <exception cref="InvalidOperationException">Bad data, or the loss diverged before 2 steps were recorded.</exception>
    /// <exception cref="OperationCanceledException">The options' <c>CancellationToken</c> was canceled, or <c>mlContext.CancelExecution()</c> called.</exception>
    public static LrRangeTestResult FindLearningRate(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, IDataView data,
        TorchNetworkBinaryOptions options, LrRangeTestOptions? rangeOptions = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Run(MLNetHost.Environment(catalog), data, options, TrainingTask.BinaryClassification, rangeOptions);
    }

    /// <summary>Runs the learning-rate range test for a regression <c>TorchMlp</c> with <paramref name="options"/>.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="data">The training data as the trainer would see it: a Single label.</param>
    /// <param name="options">The trainer's settings; read, never changed. Its schedule, rate and epochs are not used.</param>
    /// <param name="rangeOptions">The range; null for the defaults.</param>
    /// <returns>The curve and the suggested rates.</returns>
    /// <exception cref="ArgumentException">An option is out of range, or a column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidOperationException">Bad data, or the loss diverged before 2 steps were recorded.</exception>
    /// <exception cref="OperationCanceledException">The options' <c>CancellationToken</c> was canceled, or <c>mlContext.CancelExecution()</c> called.</exception>
    public static LrRangeTestResult FindLearningRate(this RegressionCatalog.RegressionTrainers catalog, IDataView data,
        TorchMlpRegressionOptions options, LrRangeTestOptions? rangeOptions = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Run(MLNetHost.Environment(catalog), data, options, TrainingTask.Regression, rangeOptions);
    }

    /// <summary>Runs the learning-rate range test for a regression <c>TorchNetwork</c> with <paramref name="options"/> (any network spec).</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="data">The training data as the trainer would see it: a Single label.</param>
    /// <param name="options">The trainer's settings (network, optimizer, batch size, seed, device); read, never changed. Its schedule, rate and epochs are not used.</param>
    /// <param name="rangeOptions">The range; null for the defaults.</param>
    /// <returns>The curve and the suggested rates.</returns>
    /// <exception cref="ArgumentException">An option is out of range, or a column is missing or of the wrong type.</exception>
    /// <exception cref="NetworkShapeException">A layer of the network cannot take the shape it receives.</exception>
    /// <exception cref="InvalidOperationException">Bad data, or the loss diverged before 2 steps were recorded.</exception>
    /// <exception cref="OperationCanceledException">The options' <c>CancellationToken</c> was canceled, or <c>mlContext.CancelExecution()</c> called.</exception>
    public static LrRangeTestResult FindLearningRate(this RegressionCatalog.RegressionTrainers catalog, IDataView data,
        TorchNetworkRegressionOptions options, LrRangeTestOptions? rangeOptions = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Run(MLNetHost.Environment(catalog), data, options, TrainingTask.Regression, rangeOptions);
    }

    private static LrRangeTestResult Run(IHostEnvironment env, IDataView data, TorchTrainerOptions options, TrainingTask task, LrRangeTestOptions? rangeOptions)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options = options.Copy();
        options.Validate();
        var range = rangeOptions?.Clone() ?? new LrRangeTestOptions();
        range.Validate();
        // An explicit seed: registering without one would draw from the MLContext's random generator and leave a trace.
        var host = env.Register("TorchNetworkLrRangeTest", seed: 0);
        void CheckAlive()
        {
            if (options.CancellationToken.IsCancellationRequested)
                throw new OperationCanceledException("The learning-rate range test was canceled by TorchTrainerOptions.CancellationToken.", options.CancellationToken);
            if (MLNetHost.IsCanceled(host))
                throw new OperationCanceledException("The learning-rate range test was canceled by mlContext.CancelExecution().");
        }
        CheckAlive();

        var columns = TaskColumns.For(task);
        var (featureCount, outputs) = TorchNetworkTrainer.CheckColumns(data.Schema, options, columns, "training data");
        // The same network, optimizer and seed as TorchNetworkTrainer builds from these options; LrRangeTest replaces the rest.
        var settings = options.EngineSettings(task, options.NetworkBody().Resolve(featureCount, outputs), MLNetHost.Seed(env)) with
        {
            Schedule = new ConstantSchedule(),
            StepUnit = ScheduleStepUnit.Step,
            EarlyStoppingPatience = null,
            RestoreBestWeights = false,
        };
        TorchModules.EnsureRegistered(settings.Network, "The learning-rate range test");
        // No byte limit is passed, so the rows are always read into memory (Read returns null only past a limit).
        using var train = DataViewRows.Read(data, options.FeatureColumnName, options.LabelColumnName, options.ExampleWeightColumnName,
            columns, featureCount, outputs, "training data", CheckAlive, inDataOrder: false)!;
        // The loss curve of the problem a fit trains on: a regression fit learns the standardized label by default.
        if (task == TrainingTask.Regression && options.StandardizesLabel) settings = settings with { LabelStandardization = LabelStandardization.Of(train) };

        LrRangeTestResult result;
        try
        {
            result = LrRangeTest.Run(settings, train, range, options.CancellationToken, () => MLNetHost.IsCanceled(host));
        }
        catch (OperationCanceledException)
        {
            throw new OperationCanceledException(options.CancellationToken.IsCancellationRequested
                ? "The learning-rate range test was canceled by TorchTrainerOptions.CancellationToken."
                : "The learning-rate range test was canceled by mlContext.CancelExecution().");
        }
        options.Logger?.LogInformation("Learning-rate range test: {Summary}", result.ToString());
        return result;
    }
}
