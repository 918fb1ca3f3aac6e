// A console app as a user writes it, built outside the repository against the packed packages (FreshAppTests).
// Without arguments it touches TorchSharp first, as many programs do, then trains, saves, loads and predicts.
// With "--load model.zip" it only loads a saved model and predicts: its first TorchSharp use is the model's.
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules;
using MLNet.LrSchedules.Trainers;
using TorchSharp;

var ml = new MLContext(seed: 1);
var columns = new[]
{
    new TextLoader.Column("Features", DataKind.Single, 0, 12),
    new TextLoader.Column("Label", DataKind.Single, 13),
};
IDataView data = ml.Data.LoadFromTextFile("wine.csv", columns, separatorChar: ',', hasHeader: true);
var split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 1);

ITransformer model;
if (args is ["--load", string path])
{
    model = ml.Model.Load(path, out _);
    Console.WriteLine($"loaded: {path}");
}
else
{
    torch.set_num_threads(1);
    Console.WriteLine($"torch threads: {torch.get_num_threads()}");

    var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.Transforms.NormalizeMeanVariance("Features"))
        .Append(ml.MulticlassClassification.Trainers.TorchMlp(schedule: LrSchedule.OneCycle(maxLr: 0.01), epochs: 20));
    var trained = pipeline.Fit(split.TrainSet);
    var metrics = ml.MulticlassClassification.Evaluate(trained.Transform(split.TestSet));
    Console.WriteLine($"trained: accuracy {metrics.MicroAccuracy:F3}");

    ml.Model.Save(trained, split.TrainSet.Schema, "model.zip");
    model = ml.Model.Load("model.zip", out _);
    Console.WriteLine($"saved and loaded: identical predictions {Predictions(trained) == Predictions(model)}");
}

Console.WriteLine($"predictions: {Predictions(model)}");
foreach (string library in File.ReadLines("/proc/self/maps").Where(l => l.EndsWith("/libLibTorchSharp.so")).Select(l => l[l.IndexOf('/')..]).Distinct())
    Console.WriteLine($"libLibTorchSharp.so: {library}");

string Predictions(ITransformer m) =>
    string.Join(",", m.Transform(split.TestSet).GetColumn<float[]>("Score").Select(score => $"{Array.IndexOf(score, score.Max())}:{score.Max():F4}"));
