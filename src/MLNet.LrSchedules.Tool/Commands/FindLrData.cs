using Microsoft.ML;
using MLNet.LrSchedules.Tool.Training;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>
/// The data of <c>find-lr</c>: the training rows of the same split that <c>train</c> makes (same fractions and seed), so that
/// the rate is never chosen on rows that later validate or test; features standardized (a user's table) or already in [0, 1]
/// (the MNIST sample), a multiclass label mapped to a key.
/// </summary>
internal static class FindLrData
{
    /// <summary>The data ready for the trainer (columns <c>Features</c> and <c>Label</c>) and a description for the report.</summary>
    public static (IDataView Data, string Description) Load(MLContext ml, DataChoice choice, TabularData table, CliTask task, int seed)
    {
        table.CheckLabels(task);
        var split = TrainingOptions.Split(choice, table, seed, task);
        IDataView data = table.ToDataView(ml, split.Train, task);

        IEstimator<ITransformer>? prep = choice.UsesMnist ? null : ml.Transforms.NormalizeMeanVariance(TabularData.FeaturesColumn, fixZero: false);
        if (task.LabelPreprocessing(ml) is { } label) prep = prep is null ? label : label.Append(prep);
        var prepared = prep is null ? data : prep.Fit(data).Transform(data);
        string name = choice.UsesMnist ? TabularData.MnistName : Path.GetFileName(choice.Path!);
        return (ml.Data.Cache(prepared), $"{name}: the {split.Train.Length} training rows of {table.Rows} ({split.Validation.Length} validation and {split.Test.Length} test rows left out), {table.FeatureNames.Length} features, label '{table.LabelName}'");
    }
}
