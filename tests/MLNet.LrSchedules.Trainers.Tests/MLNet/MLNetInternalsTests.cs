using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.MLNetInternals;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

/// <summary>
/// Fails loudly when the ML.NET internals that src/MLNet.LrSchedules.Trainers/MLNetInternals relies on change:
/// the LoadableClass registration, the save/load contexts, cancellation, and that only the real ML.NET ships.
/// </summary>
[TestClass]
public sealed class MLNetInternalsTests
{
    private const string ProbeModel = "MLNET_LRSCHEDULES_PROBE_MODEL";
    private const string ProbeOutput = "MLNET_LRSCHEDULES_PROBE_OUTPUT";

    private static (ITransformer Model, IDataView Data) SmallRegression(MLContext ml)
    {
        var data = ml.Data.Cache(TestData.Load(ml, "diabetes"));
        var model = ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 2, HiddenLayers = [8], Seed = 2 }).Fit(data);
        return (model, data);
    }

    [TestMethod]
    public void ModelLoad_FindsTheLoaderThroughLoadableClass_InAFreshContext()
    {
        var ml = new MLContext(1);
        var (model, data) = SmallRegression(ml);
        string path = TestData.TempPath("internals.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, data.Schema, path);

        var loaded = new MLContext().Model.Load(path, out var schema);
        Assert.IsInstanceOfType<TorchNetworkTransformer>(loaded, "ML.NET must resolve our loader signature to TorchNetworkTransformer");
        Assert.AreEqual(data.Schema.Count, schema.Count);
        CollectionAssert.AreEqual(model.Transform(data).GetColumn<float>("Score").ToArray(), loaded.Transform(data).GetColumn<float>("Score").ToArray());
        File.Delete(path);
    }

    [TestMethod]
    public void ModelLoad_ChecksTheWholeArchive_ThroughTheRepositorysPrivateFields()
    {
        // TrainingInfo/Version.txt is never read by ML.NET's load: only our loader, reading RepositoryReader._archive, sees
        // that its data was damaged. If ML.NET renames the field, this fails with a MissingFieldException.
        var ml = new MLContext(1);
        var (model, data) = SmallRegression(ml);
        string path = TestData.TempPath("archive.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, data.Schema, path);
        byte[] bytes = File.ReadAllBytes(path);
        const string version = "TrainingInfo/Version.txt";
        Assert.AreEqual(version, System.Text.Encoding.ASCII.GetString(bytes, 30, version.Length), "ML.NET writes this entry first");
        bytes[30 + version.Length + 5] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var e = TestData.Find<TorchModelFormatException>(Assert.Throws<Exception>(() => new MLContext().Model.Load(path, out _)));
        Assert.AreEqual(version, e.EntryName, e.Message);
        File.Delete(path);
    }

    [TestMethod]
    public void ModelLoad_InAFreshProcess_GivesIdenticalPredictions()
    {
        var ml = new MLContext(1);
        var (model, data) = SmallRegression(ml);
        string path = TestData.TempPath("fresh-process.zip");
        string output = TestData.TempPath("fresh-process.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, data.Schema, path);
        float[] expected = model.Transform(data).GetColumn<float>("Score").ToArray();

        // Runs this test assembly again (it is a Microsoft.Testing.Platform executable), selecting only the probe below.
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", typeof(MLNetInternalsTests).Assembly.Location, "--filter", $"FullyQualifiedName~{nameof(FreshProcessProbe)}" })
            start.ArgumentList.Add(argument);
        start.Environment[ProbeModel] = path;
        start.Environment[ProbeOutput] = output;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromSeconds(90)), "the probe process did not finish in 90 s");
        Assert.AreEqual(0, process.ExitCode, $"probe failed:\n{stdout.Result}\n{stderr.Result}");

        var bytes = File.ReadAllBytes(output);
        var actual = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, actual, 0, bytes.Length);
        CollectionAssert.AreEqual(expected, actual);
        File.Delete(path);
        File.Delete(output);
    }

    /// <summary>
    /// The other half of <see cref="ModelLoad_InAFreshProcess_GivesIdenticalPredictions"/>: does nothing (and passes) unless
    /// that test launched this process with a model to load.
    /// </summary>
    [TestMethod]
    public void FreshProcessProbe()
    {
        if (Environment.GetEnvironmentVariable(ProbeModel) is not { } path) return;
        var ml = new MLContext();
        var model = ml.Model.Load(path, out _);
        var scores = model.Transform(TestData.Load(ml, "diabetes")).GetColumn<float>("Score").ToArray();
        var bytes = new byte[scores.Length * sizeof(float)];
        Buffer.BlockCopy(scores, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(Environment.GetEnvironmentVariable(ProbeOutput)!, bytes);
    }

    [TestMethod]
    public void CancelExecution_BeforeFit_Cancels()
    {
        var ml = new MLContext(1);
        var data = TestData.Load(ml, "diabetes");
        MLNetHost.CancelExecution(ml);
        Assert.Throws<OperationCanceledException>(() => ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 50 }).Fit(data));
    }

    [TestMethod]
    public void CancelExecution_DuringFit_StopsWithinAStep()
    {
        var ml = new MLContext(1);
        var data = ml.Data.Cache(TestData.Load(ml, "diabetes"));
        long lastStep = 0;
        var options = new TorchMlpRegressionOptions
        {
            Epochs = 1000,
            Progress = new SyncProgress(p => { lastStep = p.Step; if (p.Step == 5) MLNetHost.CancelExecution(ml); }),
        };
        Assert.Throws<OperationCanceledException>(() => ml.Regression.Trainers.TorchMlp(options).Fit(data));
        Assert.AreEqual(5, lastStep);
    }

    [TestMethod]
    public void RuntimeLoadsTheRealMLNet_NotThePublicizedCompileTimeCopies()
    {
        // The copies in obj/ make ModelLoadContext public; the real assembly keeps it internal.
        var core = typeof(ModelSaveContext).Assembly;
        Assert.IsFalse(core.GetType("Microsoft.ML.ModelLoadContext", throwOnError: true)!.IsPublic);
        Assert.IsFalse(typeof(MLContext).Assembly.GetType("Microsoft.ML.Data.DefaultColumnNames", throwOnError: true)!.IsPublic);
        string outputDirectory = Path.GetDirectoryName(typeof(MLNetInternalsTests).Assembly.Location)!;
        Assert.IsFalse(Directory.Exists(Path.Combine(outputDirectory, "publicized")));
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
