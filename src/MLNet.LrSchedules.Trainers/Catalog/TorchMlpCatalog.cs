using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// <c>TorchMlp</c> trainers on ML.NET's catalogs: a TorchSharp multilayer perceptron trained with any learning-rate
/// schedule, saved by <c>mlContext.Model.Save</c> with its schedule, optimizer state and training history.
/// </summary>
/// <example>
/// <code>
/// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
///     .Append(mlContext.Transforms.NormalizeMeanVariance("Features"))
///     .Append(mlContext.MulticlassClassification.Trainers.TorchMlp(schedule: LrSchedule.Parse("one_cycle(max_lr=0.01)"), epochs: 30));
/// </code>
/// </example>
public static class TorchMlpCatalog
{
    /// <summary>A TorchSharp MLP for multiclass classification (softmax, cross-entropy).</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The label column: a key type (use <c>MapValueToKey</c>).</param>
    /// <param name="featureColumnName">The features column: a known-size vector of float.</param>
    /// <param name="exampleWeightColumnName">Optional float example weights.</param>
    /// <param name="schedule">The learning-rate schedule; null for a constant rate.</param>
    /// <param name="learningRate">The base learning rate: the rate without schedule, scaled by relative schedules; schedules with absolute rates (one-cycle's <c>max_lr</c>) ignore it (<see cref="TorchTrainerOptions.LearningRate"/>).</param>
    /// <param name="epochs">Passes over the training data.</param>
    public static TorchNetworkMulticlassTrainer TorchMlp(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        LrSchedule? schedule = null, double learningRate = 1e-3, int epochs = 20) =>
        catalog.TorchMlp(Fill(new TorchMlpMulticlassOptions(), labelColumnName, featureColumnName, exampleWeightColumnName, schedule, learningRate, epochs));

    /// <summary>A TorchSharp MLP for multiclass classification with all settings.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">The settings; validated now.</param>
    public static TorchNetworkMulticlassTrainer TorchMlp(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, TorchMlpMulticlassOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TorchNetworkMulticlassTrainer(MLNetInternals.MLNetHost.Environment(catalog), options);
    }

    /// <summary>A TorchSharp MLP for binary classification (one logit, binary cross-entropy).</summary>
    /// <param name="catalog">The binary trainers catalog.</param>
    /// <param name="labelColumnName">The label column: Boolean.</param>
    /// <param name="featureColumnName">The features column: a known-size vector of float.</param>
    /// <param name="exampleWeightColumnName">Optional float example weights.</param>
    /// <param name="schedule">The learning-rate schedule; null for a constant rate.</param>
    /// <param name="learningRate">The base learning rate: the rate without schedule, scaled by relative schedules; schedules with absolute rates (one-cycle's <c>max_lr</c>) ignore it (<see cref="TorchTrainerOptions.LearningRate"/>).</param>
    /// <param name="epochs">Passes over the training data.</param>
    public static TorchNetworkBinaryTrainer TorchMlp(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        LrSchedule? schedule = null, double learningRate = 1e-3, int epochs = 20) =>
        catalog.TorchMlp(Fill(new TorchMlpBinaryOptions(), labelColumnName, featureColumnName, exampleWeightColumnName, schedule, learningRate, epochs));

    /// <summary>A TorchSharp MLP for binary classification with all settings.</summary>
    /// <param name="catalog">The binary trainers catalog.</param>
    /// <param name="options">The settings; validated now.</param>
    public static TorchNetworkBinaryTrainer TorchMlp(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, TorchMlpBinaryOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TorchNetworkBinaryTrainer(MLNetInternals.MLNetHost.Environment(catalog), options);
    }

    /// <summary>A TorchSharp MLP for regression (one output, mean squared error).</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="labelColumnName">The label column: float.</param>
    /// <param name="featureColumnName">The features column: a known-size vector of float.</param>
    /// <param name="exampleWeightColumnName">Optional float example weights.</param>
    /// <param name="schedule">The learning-rate schedule; null for a constant rate.</param>
    /// <param name="learningRate">The base learning rate: the rate without schedule, scaled by relative schedules; schedules with absolute rates (one-cycle's <c>max_lr</c>) ignore it (<see cref="TorchTrainerOptions.LearningRate"/>).</param>
    /// <param name="epochs">Passes over the training data.</param>
    public static TorchNetworkRegressionTrainer TorchMlp(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        LrSchedule? schedule = null, double learningRate = 1e-3, int epochs = 20) =>
        catalog.TorchMlp(Fill(new TorchMlpRegressionOptions(), labelColumnName, featureColumnName, exampleWeightColumnName, schedule, learningRate, epochs));

    /// <summary>A TorchSharp MLP for regression with all settings.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="options">The settings; validated now.</param>
    public static TorchNetworkRegressionTrainer TorchMlp(this RegressionCatalog.RegressionTrainers catalog, TorchMlpRegressionOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TorchNetworkRegressionTrainer(MLNetInternals.MLNetHost.Environment(catalog), options);
    }

    internal static TOptions Fill<TOptions>(TOptions options, string labelColumnName, string featureColumnName, string? exampleWeightColumnName,
        LrSchedule? schedule, double learningRate, int epochs) where TOptions : TorchTrainerOptions
    {
        options.LabelColumnName = labelColumnName;
        options.FeatureColumnName = featureColumnName;
        options.ExampleWeightColumnName = exampleWeightColumnName;
        options.Schedule = schedule;
        options.LearningRate = learningRate;
        options.Epochs = epochs;
        return options;
    }
}
