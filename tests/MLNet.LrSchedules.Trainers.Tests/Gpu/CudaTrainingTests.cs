using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.LrSchedules.Trainers.Tests.Engine;
using MLNet.LrSchedules.Trainers.Tests.MLNet;

namespace MLNet.LrSchedules.Trainers.Tests.Gpu;

/// <summary>Training and scoring on CUDA; skipped, with the reason, where CUDA is not available.</summary>
[TestClass]
public sealed class CudaTrainingTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [RequiresCuda]
    public void TrainsAndScoresOnCuda_MatchingTheCpuScorer()
    {
        var data = EngineData.Load("digits");
        var settings = EngineTestKit.Settings(TrainingTask.MulticlassClassification, EngineTestKit.Digits(dropout: 0.1), epochs: 5, learningRate: 3e-3,
            schedule: LrSchedule.OneCycle(maxLr: 1e-2), device: ComputeDevice.Cuda);
        using var engine = new TrainingEngine(settings);
        StringAssert.StartsWith(engine.DeviceName, "cuda");
        TrainingCheckpoint? third = null;
        var result = engine.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken,
            checkpoint => { if (checkpoint.EpochsCompleted == 3) third = checkpoint; });
        Assert.AreEqual(5, result.History.Epochs.Count);
        Assert.IsTrue(result.History.Steps.All(s => double.IsFinite(s.Loss)));

        var onGpu = Score(result, data, ComputeDevice.Cuda);
        var onCpu = Score(result, data, ComputeDevice.Cpu);
        double accuracy = EngineTestKit.Accuracy(onGpu, data.TestLabels, 10);
        TestContext.WriteLine($"digits on {engine.DeviceName}: test accuracy {accuracy:F4}, validation accuracy {result.History.Epochs[^1].ValidationMetric:F4}");
        Assert.IsGreaterThan(0.9, accuracy);
        for (int i = 0; i < onGpu.Length; i++) Assert.AreEqual(onCpu[i], onGpu[i], 1e-4f, $"probability {i}");

        // A checkpoint taken on the GPU (weights and optimizer state) resumes on the CPU.
        Assert.IsNotNull(third);
        using var resumed = new TrainingEngine(settings with { Device = ComputeDevice.Cpu }, third);
        var finished = resumed.Train(data.Train(), data.Test(), null, null, TestContext.CancellationToken);
        Assert.AreEqual(5, finished.History.Epochs.Count);
        TestContext.WriteLine($"resumed on the CPU from the GPU's epoch-3 checkpoint: validation accuracy {finished.History.Epochs[^1].ValidationMetric:F4} (GPU run: {result.History.Epochs[^1].ValidationMetric:F4})");
        Assert.AreEqual(result.History.Epochs[^1].ValidationMetric!.Value, finished.History.Epochs[^1].ValidationMetric!.Value, 0.03);
    }

    [TestMethod]
    [RequiresCuda]
    public void GpuTrainedModel_SavedAndLoaded_ScoresOnTheCpuAsOnTheGpu()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestData.Split(ml, TestData.Load(ml, "digits"));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.TorchMlp(new TorchMlpMulticlassOptions
            {
                Epochs = 6, BatchSize = 32, LearningRate = 3e-3, HiddenLayers = [64], Seed = 1, Device = ComputeDevice.Cuda,
                Schedule = LrSchedule.OneCycle(maxLr: 1e-2),
            }));
        var model = pipeline.Fit(train);
        var mlp = ((IEnumerable<ITransformer>)model).OfType<TorchNetworkTransformer>().Single();
        Assert.AreEqual(ComputeDevice.Cuda, mlp.ScoringDevice);
        var onGpu = TestData.Scores(model.Transform(test));

        string path = TestData.TempPath("gpu-digits.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, train.Schema, path);
        var fresh = new MLContext(seed: 2);
        var loaded = (TransformerChain<ITransformer>)fresh.Model.Load(path, out _);
        var loadedMlp = loaded.OfType<TorchNetworkTransformer>().Single();
        Assert.AreEqual(ComputeDevice.Auto, loadedMlp.ScoringDevice, "a GPU-trained model scores on the GPU where there is one");
        var cpuChain = new TransformerChain<ITransformer>(loaded.Take(loaded.Count() - 1).Append(loadedMlp.WithDevice(ComputeDevice.Cpu)).ToArray());
        var freshTest = TestData.Split(fresh, TestData.Load(fresh, "digits")).Test;
        var onCpu = TestData.Scores(cpuChain.Transform(freshTest));
        var loadedOnGpu = TestData.Scores(loaded.Transform(freshTest));

        Assert.HasCount(onGpu.Length, onCpu);
        for (int r = 0; r < onGpu.Length; r++)
            for (int c = 0; c < onGpu[r].Length; c++)
            {
                Assert.AreEqual(onGpu[r][c], onCpu[r][c], 1e-4f, $"row {r}, class {c}: GPU vs CPU after loading");
                Assert.AreEqual(onGpu[r][c], loadedOnGpu[r][c], 1e-6f, $"row {r}, class {c}: GPU before and after loading");
            }
        File.Delete(path);
    }

    [TestMethod]
    [RequiresCuda]
    public void EpochTiming_MnistOnCpuAndGpu()
    {
        var mnist = Mnist.Load();
        foreach (int hidden in new[] { 256, 4096 })
        {
            var times = new Dictionary<ComputeDevice, double>();
            foreach (var device in new[] { ComputeDevice.Cpu, ComputeDevice.Cuda })
            {
                var settings = EngineTestKit.Settings(TrainingTask.MulticlassClassification, NetworkSpec.Mlp([hidden], Activation.Relu, 0).Resolve(Mnist.Features, 10),
                    epochs: 3, batchSize: 128, learningRate: 1e-3, device: device);
                using var engine = new TrainingEngine(settings);
                var clock = Stopwatch.StartNew();
                var result = engine.Train(mnist.Train(), null, null, null, TestContext.CancellationToken);
                clock.Stop();
                // The first epoch carries CUDA's start-up (context, kernels): the steady epochs are the later ones.
                double steady = result.History.Epochs.Skip(1).Average(e => e.WallTime.TotalSeconds);
                times[device] = steady;
                TestContext.WriteLine($"MNIST 8k, MLP 784-{hidden}-10, batch 128, {engine.DeviceName}: epochs {string.Join(" / ", result.History.Epochs.Select(e => $"{e.WallTime.TotalSeconds:F3} s"))}; final training loss {result.History.Epochs[^1].TrainingLoss:F4}");
                Assert.IsLessThan(result.History.Epochs[0].TrainingLoss, result.History.Epochs[^1].TrainingLoss);
            }
            TestContext.WriteLine($"hidden {hidden}: steady epoch CPU {times[ComputeDevice.Cpu]:F3} s, GPU {times[ComputeDevice.Cuda]:F3} s, speed-up {times[ComputeDevice.Cpu] / times[ComputeDevice.Cuda]:F2}x");
        }
    }

    private static float[] Score(TrainingResult result, EngineData data, ComputeDevice device)
    {
        using var scorer = new NetworkScorer(result.Network, TrainingTask.MulticlassClassification, result.Weights, device);
        var output = new float[data.TestRows * scorer.OutputsPerRow];
        scorer.Score(data.TestFeatures, data.TestRows, output);
        return output;
    }
}
