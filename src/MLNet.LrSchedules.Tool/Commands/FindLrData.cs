using Microsoft.ML;
using MLNet.LrSchedules.Tool.Training;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>
/// The data of <c>find-lr</c>: a user's CSV/TSV file (standardized features), or the embedded MNIST sample's training rows
/// (pixels already scaled to [0, 1]). A multiclass label is mapped to a key.
/// </summary>
internal static class FindLrData
{
    /// <summary>MNIST's fixed training split (data/README.md): the first 8,000 rows.</summary>
    public const int MnistTrainRows = 8000;

    /// <summary>The data ready for the trainer (columns <c>Features</c> and <c>Label</c>) and a description for the report.</summary>
    public static (IDataView Data, string Description) Load(MLContext ml, string? path, string labelColumn, TrainingTask task)
    {
        bool mnist = path is null;
        var table = mnist ? TabularData.Mnist() : TabularData.Load(path!, labelColumn);
        int rows = mnist ? Math.Min(MnistTrainRows, table.Rows) : table.Rows;
        IDataView data = table.ToDataView(ml, Enumerable.Range(0, rows), task);

        IEstimator<ITransformer>? prep = mnist ? null : ml.Transforms.NormalizeMeanVariance(TabularData.FeaturesColumn, fixZero: false);
        if (task == TrainingTask.MulticlassClassification)
        {
            var toKey = ml.Transforms.Conversion.MapValueToKey(TabularData.LabelColumn);
            prep = prep is null ? toKey : toKey.Append(prep);
        }
        var prepared = prep is null ? data : prep.Fit(data).Transform(data);
        string name = mnist ? $"MNIST (first {MnistTrainRows} rows of {TabularData.MnistName})" : Path.GetFileName(path!);
        return (ml.Data.Cache(prepared), $"{name}: {rows} rows, {table.FeatureNames.Length} features, label '{table.LabelName}'");
    }
}
