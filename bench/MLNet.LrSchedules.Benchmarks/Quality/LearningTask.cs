using Microsoft.ML;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Benchmarks.Quality;

/// <summary>A reported quantity and which way is better.</summary>
internal sealed record Metric(string Name, bool HigherIsBetter, string Format = "F4");

/// <summary>
/// What differs between tasks: the label's preprocessing, ML.NET's default trainer, the TorchMlp and TorchNetwork trainers and
/// their options types, and the test metrics (the first is the primary one: ranking, "beats").
/// </summary>
internal abstract class LearningTask
{
    public static LearningTask Multiclass { get; } = new MulticlassTask();
    public static LearningTask Binary { get; } = new BinaryTask();
    public static LearningTask Regression { get; } = new RegressionTask();

    public abstract string Name { get; }
    public abstract IReadOnlyList<Metric> Metrics { get; }
    public Metric Primary => Metrics[0];
    /// <summary>ML.NET's default trainer for the task, named as in its catalog.</summary>
    public abstract string MlNetDefaultName { get; }
    public abstract IEstimator<ITransformer> MlNetDefault(MLContext ml);
    /// <summary>The TorchMlp trainer with the library's default options, changed by <paramref name="configure"/>.</summary>
    public IEstimator<ITransformer> TorchMlp(MLContext ml, Action<TorchMlpOptions> configure)
    {
        var options = NewOptions();
        configure(options);
        return CreateTorchMlp(ml, options);
    }

    /// <summary>The TorchNetwork trainer for <paramref name="network"/> with the library's default options, changed by <paramref name="configure"/>.</summary>
    public IEstimator<ITransformer> TorchNetwork(MLContext ml, NetworkSpec network, Action<TorchTrainerOptions> configure)
    {
        var options = NewNetworkOptions();
        options.Network = network;
        configure(options);
        return CreateTorchNetwork(ml, options);
    }

    protected abstract TorchMlpOptions NewOptions();
    protected abstract IEstimator<ITransformer> CreateTorchMlp(MLContext ml, TorchMlpOptions options);
    protected abstract TorchNetworkOptions NewNetworkOptions();
    protected abstract IEstimator<ITransformer> CreateTorchNetwork(MLContext ml, TorchNetworkOptions options);
    public abstract double[] Evaluate(MLContext ml, IDataView scored);
    public virtual IEstimator<ITransformer>? LabelPreprocessing(MLContext ml) => null;

    private sealed class MulticlassTask : LearningTask
    {
        public override string Name => "multiclass";
        public override IReadOnlyList<Metric> Metrics { get; } = [new("micro accuracy", true), new("macro accuracy", true), new("log-loss", false)];
        public override string MlNetDefaultName => "LbfgsMaximumEntropy";
        public override IEstimator<ITransformer> MlNetDefault(MLContext ml) => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy();
        protected override TorchMlpOptions NewOptions() => new TorchMlpMulticlassOptions();
        protected override IEstimator<ITransformer> CreateTorchMlp(MLContext ml, TorchMlpOptions options) => ml.MulticlassClassification.Trainers.TorchMlp((TorchMlpMulticlassOptions)options);
        protected override TorchNetworkOptions NewNetworkOptions() => new TorchNetworkMulticlassOptions();
        protected override IEstimator<ITransformer> CreateTorchNetwork(MLContext ml, TorchNetworkOptions options) => ml.MulticlassClassification.Trainers.TorchNetwork((TorchNetworkMulticlassOptions)options);
        public override double[] Evaluate(MLContext ml, IDataView scored)
        {
            var m = ml.MulticlassClassification.Evaluate(scored);
            return [m.MicroAccuracy, m.MacroAccuracy, m.LogLoss];
        }
        public override IEstimator<ITransformer> LabelPreprocessing(MLContext ml) => ml.Transforms.Conversion.MapValueToKey("Label");
    }

    private sealed class BinaryTask : LearningTask
    {
        public override string Name => "binary";
        public override IReadOnlyList<Metric> Metrics { get; } = [new("accuracy", true), new("AUC", true), new("F1", true), new("log-loss", false)];
        public override string MlNetDefaultName => "LbfgsLogisticRegression";
        public override IEstimator<ITransformer> MlNetDefault(MLContext ml) => ml.BinaryClassification.Trainers.LbfgsLogisticRegression();
        protected override TorchMlpOptions NewOptions() => new TorchMlpBinaryOptions();
        protected override IEstimator<ITransformer> CreateTorchMlp(MLContext ml, TorchMlpOptions options) => ml.BinaryClassification.Trainers.TorchMlp((TorchMlpBinaryOptions)options);
        protected override TorchNetworkOptions NewNetworkOptions() => new TorchNetworkBinaryOptions();
        protected override IEstimator<ITransformer> CreateTorchNetwork(MLContext ml, TorchNetworkOptions options) => ml.BinaryClassification.Trainers.TorchNetwork((TorchNetworkBinaryOptions)options);
        public override double[] Evaluate(MLContext ml, IDataView scored)
        {
            var m = ml.BinaryClassification.Evaluate(scored);
            return [m.Accuracy, m.AreaUnderRocCurve, m.F1Score, m.LogLoss];
        }
    }

    /// <summary>The label is used as it is in the file (no scaling here: the trainer's own handling of the target is what is measured).</summary>
    private sealed class RegressionTask : LearningTask
    {
        public override string Name => "regression";
        public override IReadOnlyList<Metric> Metrics { get; } = [new("R²", true), new("RMSE", false, "F2"), new("MAE", false, "F2")];
        public override string MlNetDefaultName => "Sdca";
        public override IEstimator<ITransformer> MlNetDefault(MLContext ml) => ml.Regression.Trainers.Sdca();
        protected override TorchMlpOptions NewOptions() => new TorchMlpRegressionOptions();
        protected override IEstimator<ITransformer> CreateTorchMlp(MLContext ml, TorchMlpOptions options) => ml.Regression.Trainers.TorchMlp((TorchMlpRegressionOptions)options);
        protected override TorchNetworkOptions NewNetworkOptions() => new TorchNetworkRegressionOptions();
        protected override IEstimator<ITransformer> CreateTorchNetwork(MLContext ml, TorchNetworkOptions options) => ml.Regression.Trainers.TorchNetwork((TorchNetworkRegressionOptions)options);
        public override double[] Evaluate(MLContext ml, IDataView scored)
        {
            var m = ml.Regression.Evaluate(scored);
            return [m.RSquared, m.RootMeanSquaredError, m.MeanAbsoluteError];
        }
    }
}
