using Microsoft.ML;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// <c>TorchNetwork</c> trainers on ML.NET's catalogs: any network described by a <see cref="NetworkSpec"/> (convolutions,
/// pooling, normalization, dropout, modules of your own) trained with any learning-rate schedule, saved by
/// <c>mlContext.Model.Save</c> with its spec, schedule, optimizer state and training history.
/// </summary>
/// <example>
/// <code>
/// var cnn = NetworkSpec.Parse("reshape(1, 8, 8) >> conv2d(16, kernel=3, padding=1) >> relu >> maxpool2d(2) >> flatten >> linear(64) >> relu");
/// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
///     .Append(mlContext.MulticlassClassification.Trainers.TorchNetwork(cnn, schedule: LrSchedule.OneCycle(maxLr: 0.01), epochs: 10));
/// </code>
/// </example>
public static class TorchNetworkCatalog
{
    /// <summary>A TorchSharp network for multiclass classification: <paramref name="network"/> followed by a head of one output per class (softmax, cross-entropy).</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="network">The network's body (<see cref="NetworkSpec.Parse"/> reads its text form).</param>
    /// <param name="labelColumnName">The label column: a key type (use <c>MapValueToKey</c>).</param>
    /// <param name="featureColumnName">The features column: a known-size vector of float.</param>
    /// <param name="exampleWeightColumnName">Optional float example weights.</param>
    /// <param name="schedule">The learning-rate schedule; null for a constant rate.</param>
    /// <param name="learningRate">The base learning rate: the rate without schedule, scaled by relative schedules; schedules with absolute rates (one-cycle's <c>max_lr</c>) ignore it (<see cref="TorchTrainerOptions.LearningRate"/>).</param>
    /// <param name="epochs">Passes over the training data.</param>
    public static TorchNetworkMulticlassTrainer TorchNetwork(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        NetworkSpec network, string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        LrSchedule? schedule = null, double learningRate = 1e-3, int epochs = 20) =>
        catalog.TorchNetwork(TorchMlpCatalog.Fill(new TorchNetworkMulticlassOptions { Network = network }, labelColumnName, featureColumnName, exampleWeightColumnName, schedule, learningRate, epochs));

    /// <summary>A TorchSharp network for multiclass classification with all settings.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">The settings; validated now.</param>
    public static TorchNetworkMulticlassTrainer TorchNetwork(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, TorchNetworkMulticlassOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TorchNetworkMulticlassTrainer(MLNetInternals.MLNetHost.Environment(catalog), options);
    }

    /// <summary>A TorchSharp network for binary classification: <paramref name="network"/> followed by a head of one logit (binary cross-entropy).</summary>
    /// <param name="catalog">The binary trainers catalog.</param>
    /// <param name="network">The network's body (<see cref="NetworkSpec.Parse"/> reads its text form).</param>
    /// <param name="labelColumnName">The label column: Boolean.</param>
    /// <param name="featureColumnName">The features column: a known-size vector of float.</param>
    /// <param name="exampleWeightColumnName">Optional float example weights.</param>
    /// <param name="schedule">The learning-rate schedule; null for a constant rate.</param>
    /// <param name="learningRate">The base learning rate: the rate without schedule, scaled by relative schedules; schedules with absolute rates (one-cycle's <c>max_lr</c>) ignore it (<see cref="TorchTrainerOptions.LearningRate"/>).</param>
    /// <param name="epochs">Passes over the training data.</param>
    public static TorchNetworkBinaryTrainer TorchNetwork(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        NetworkSpec network, string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        LrSchedule? schedule = null, double learningRate = 1e-3, int epochs = 20) =>
        catalog.TorchNetwork(TorchMlpCatalog.Fill(new TorchNetworkBinaryOptions { Network = network }, labelColumnName, featureColumnName, exampleWeightColumnName, schedule, learningRate, epochs));

    /// <summary>A TorchSharp network for binary classification with all settings.</summary>
    /// <param name="catalog">The binary trainers catalog.</param>
    /// <param name="options">The settings; validated now.</param>
    public static TorchNetworkBinaryTrainer TorchNetwork(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, TorchNetworkBinaryOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TorchNetworkBinaryTrainer(MLNetInternals.MLNetHost.Environment(catalog), options);
    }

    /// <summary>A TorchSharp network for regression: <paramref name="network"/> followed by a head of one output (mean squared error).</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="network">The network's body (<see cref="NetworkSpec.Parse"/> reads its text form).</param>
    /// <param name="labelColumnName">The label column: float.</param>
    /// <param name="featureColumnName">The features column: a known-size vector of float.</param>
    /// <param name="exampleWeightColumnName">Optional float example weights.</param>
    /// <param name="schedule">The learning-rate schedule; null for a constant rate.</param>
    /// <param name="learningRate">The base learning rate: the rate without schedule, scaled by relative schedules; schedules with absolute rates (one-cycle's <c>max_lr</c>) ignore it (<see cref="TorchTrainerOptions.LearningRate"/>).</param>
    /// <param name="epochs">Passes over the training data.</param>
    public static TorchNetworkRegressionTrainer TorchNetwork(this RegressionCatalog.RegressionTrainers catalog,
        NetworkSpec network, string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        LrSchedule? schedule = null, double learningRate = 1e-3, int epochs = 20) =>
        catalog.TorchNetwork(TorchMlpCatalog.Fill(new TorchNetworkRegressionOptions { Network = network }, labelColumnName, featureColumnName, exampleWeightColumnName, schedule, learningRate, epochs));

    /// <summary>A TorchSharp network for regression with all settings.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="options">The settings; validated now.</param>
    public static TorchNetworkRegressionTrainer TorchNetwork(this RegressionCatalog.RegressionTrainers catalog, TorchNetworkRegressionOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TorchNetworkRegressionTrainer(MLNetInternals.MLNetHost.Environment(catalog), options);
    }
}
