using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Native;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

/// <summary>
/// The data sets copied to Data/ by the test project, loaded as <c>Features</c> (vector of float, its slots named
/// after the header, as <c>LoadFromTextFile</c> names them) and <c>Label</c>.
/// </summary>
internal static class TestData
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name + ".csv");

    public static IDataView Load(MLContext ml, string name, DataKind labelKind = DataKind.Single)
    {
        TorchSharpRuntime.EnsureLoaded();
        string path = PathOf(name);
        int columns = File.ReadLines(path).First().Split(',').Length;
        var loader = ml.Data.CreateTextLoader(
            [
                new TextLoader.Column("Features", DataKind.Single, 0, columns - 2),
                new TextLoader.Column("Label", labelKind, columns - 1),
            ],
            separatorChar: ',', hasHeader: true, dataSample: new MultiFileSource(path));
        return loader.Load(path);
    }

    /// <summary>A fixed 80/20 split.</summary>
    public static (IDataView Train, IDataView Test) Split(MLContext ml, IDataView data)
    {
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 7);
        // Cached: the split is re-read by every epoch, evaluation and comparison.
        return (ml.Data.Cache(split.TrainSet), ml.Data.Cache(split.TestSet));
    }

    public static float[][] Scores(IDataView scored) =>
        scored.Schema["Score"].Type is VectorDataViewType
            ? scored.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray()
            : scored.GetColumn<float>("Score").Select(v => new[] { v }).ToArray();

    /// <summary>A new file name in the tests' temporary folder, which exists when this returns (another test run on the machine may have removed it).</summary>
    public static string TempPath(string name)
    {
        string folder = Path.Combine(Path.GetTempPath(), "mlnet-lrschedules-tests");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(name)}-{Guid.NewGuid():N}{Path.GetExtension(name)}");
    }

    /// <summary>
    /// Options that cancel their run (through <see cref="TorchTrainerOptions.CancellationToken"/>) at the first step of
    /// <paramref name="epoch"/>, before that step, as a crash there would: the last checkpoint is the end of the epoch before.
    /// </summary>
    public static T CanceledAtEpoch<T>(T options, int epoch) where T : TorchTrainerOptions
    {
        var cancel = new CancellationTokenSource();
        options.CancellationToken = cancel.Token;
        var inner = options.Progress;
        options.Progress = new Engine.EngineTestKit.SyncProgress(p =>
        {
            inner?.Report(p);
            if (p.Epoch == epoch) cancel.Cancel();
        });
        return options;
    }

    /// <summary>The exception, or the first inner one, of type <typeparamref name="T"/> (ML.NET may wrap what a loader throws).</summary>
    public static T Find<T>(Exception e) where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
            if (current is T found) return found;
        throw new AssertFailedException($"Expected a {typeof(T).Name} in the exception chain; got {e}");
    }
}
