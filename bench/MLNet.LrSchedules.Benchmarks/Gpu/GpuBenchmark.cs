using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Trainers.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Benchmarks.Gpu;

/// <summary>
/// <c>gpu</c> command: MNIST (the 8,000 / 2,000 split of data/mnist-10k.csv.gz) epoch time and test accuracy of the trainer's engine
/// on the CPU and on CUDA, for the default MLP (784-64-10) and a wide one (784-4096-10), and the engine's time against a hand-written
/// TorchSharp loop doing the same work on the same device (target: at most 1.15x).
/// </summary>
/// <remarks>
/// Options: <c>--torch-lib DIR</c> (a PyTorch torch/lib; default $LRSCHED_TORCH_LIB), <c>--python</c> (find PyTorch through python3),
/// <c>--epochs N</c> (default 5), <c>--batch N</c> (default 32, the trainer's default), <c>--hidden 64,4096</c> (hidden sizes),
/// <c>--data FILE</c>, <c>--out FILE</c> (markdown),
/// <c>--cpu-only</c>.
/// </remarks>
public static class GpuBenchmark
{
    private const int Features = 784, Classes = 10, TrainRows = 8000;

    public static int Run(string[] args)
    {
        string? torchLib = Option(args, "--torch-lib") ?? (Environment.GetEnvironmentVariable("LRSCHED_TORCH_LIB") is { Length: > 0 } env ? env : null);
        int epochs = int.Parse(Option(args, "--epochs") ?? "5", CultureInfo.InvariantCulture);
        int batch = int.Parse(Option(args, "--batch") ?? "32", CultureInfo.InvariantCulture);
        string data = Option(args, "--data") ?? Path.Combine(AppContext.BaseDirectory, "Data", "mnist-10k.csv.gz");
        string? outFile = Option(args, "--out");
        int[] hiddenSizes = (Option(args, "--hidden") ?? "64,4096").Split(',').Select(h => int.Parse(h, CultureInfo.InvariantCulture)).ToArray();
        var report = new StringBuilder();
        void Line(string text)
        {
            Console.WriteLine(text);
            report.AppendLine(text);
        }

        // The backend first: TorchSharp takes one native backend per process.
        BackendReport? backend = null;
        if (torchLib is not null) backend = PyTorchBackend.Load(torchLib);
        else if (args.Contains("--python")) backend = PyTorchBackend.LoadFromPython();
        if (backend is not null)
        {
            Console.WriteLine(backend);
            if (!backend.IsLoaded) return 2;
        }
        TorchSharpRuntime.EnsureLoaded();
        bool cudaAvailable = !args.Contains("--cpu-only") && torch.cuda.is_available();

        var (trainX, trainY, testX, testY) = LoadMnist(data);
        Line($"# GPU benchmark: MNIST {TrainRows:N0} train / {testY.Length:N0} test, batch {batch}, {epochs} epochs, AdamW lr 1e-3");
        Line("");
        Line($"- backend: {(backend is null ? "TorchSharp package" : backend.Message)}");
        Line($"- CUDA: {(cudaAvailable ? $"available, {torch.cuda.device_count()} device(s)" : "not available: GPU rows skipped")}");
        Line($"- machine: {Environment.ProcessorCount} logical CPUs, .NET {Environment.Version}, TorchSharp {typeof(torch).Assembly.GetName().Version}");
        Line("");
        Line("Steady epoch = mean wall time of epochs 2..N (epoch 1 carries CUDA start-up). Hand loop = the same network, optimizer, batches");
        Line("and per-step loss read-back written directly with TorchSharp; overhead = trainer / hand loop.");
        Line("");
        Line("| network | device | first epoch (s) | steady epoch (s) | test accuracy | hand loop steady epoch (s) | trainer overhead |");
        Line("|---|---|---:|---:|---:|---:|---:|");

        var devices = cudaAvailable ? new[] { ComputeDevice.Cpu, ComputeDevice.Cuda } : [ComputeDevice.Cpu];
        bool overheadMet = true;
        foreach (int hidden in hiddenSizes)
            foreach (var device in devices)
            {
                var (first, steady, accuracy) = Trainer(trainX, trainY, testX, testY, hidden, device, epochs, batch);
                double hand = HandLoop(trainX, trainY, hidden, device == ComputeDevice.Cuda ? CUDA : CPU, epochs, batch);
                double overhead = steady / hand;
                if (device == ComputeDevice.Cuda && overhead > 1.15) overheadMet = false;
                Line($"| 784-{hidden}-10 | {(device == ComputeDevice.Cuda ? "cuda" : "cpu")} | {first:F3} | {steady:F3} | {accuracy:P2} | {hand:F3} | {overhead:F2}x |");
            }
        Line("");
        Line(cudaAvailable
            ? $"GPU overhead target (trainer / hand loop <= 1.15x on cuda): {(overheadMet ? "met" : "NOT met")}."
            : "GPU overhead target not measured: no CUDA device.");
        if (outFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
            File.WriteAllText(outFile, report.ToString());
        }
        return 0;
    }

    private static (double First, double Steady, double Accuracy) Trainer(float[] trainX, float[] trainY, float[] testX, float[] testY, int hidden, ComputeDevice device, int epochs, int batch)
    {
        var network = NetworkSpec.Mlp([hidden]).Resolve(Features, Classes);
        var settings = new EngineSettings(TrainingTask.MulticlassClassification, network, new OptimizerSettings(OptimizerKind.AdamW), LrSchedule.Constant(), 1e-3,
            epochs, batch, ScheduleStepUnit.Step, 1, null, false, device);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(new InMemoryBatchSource(trainX, trainY, Features), null, null, null, CancellationToken.None);
        using var scorer = new NetworkScorer(network, TrainingTask.MulticlassClassification, result.Weights, device);
        var probabilities = new float[testY.Length * Classes];
        scorer.Score(testX, testY.Length, probabilities);
        int correct = 0;
        for (int r = 0; r < testY.Length; r++)
        {
            int best = 0;
            for (int c = 1; c < Classes; c++) if (probabilities[r * Classes + c] > probabilities[r * Classes + best]) best = c;
            if (best == (int)testY[r]) correct++;
        }
        var times = result.History.Epochs.Select(e => e.WallTime.TotalSeconds).ToArray();
        return (times[0], times.Length > 1 ? times.Skip(1).Average() : times[0], correct / (double)testY.Length);
    }

    /// <summary>What a user would write by hand: shuffle on the host, copy each batch to the device, step, read the loss.</summary>
    private static double HandLoop(float[] trainX, float[] trainY, int hidden, Device device, int epochs, int batch)
    {
        using var model = nn.Sequential(("hidden", nn.Linear(Features, hidden)), ("relu", nn.ReLU()), ("output", nn.Linear(hidden, Classes)));
        model.to(device);
        using var optimizer = optim.AdamW(model.parameters(), 1e-3, weight_decay: 0);
        var order = Enumerable.Range(0, TrainRows).ToArray();
        var random = new Random(1);
        var x = new float[batch * Features];
        var y = new long[batch];
        var times = new List<double>();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            random.Shuffle(order);
            double lossSum = 0;
            for (int start = 0; start < TrainRows; start += batch)
            {
                int rows = Math.Min(batch, TrainRows - start);
                for (int r = 0; r < rows; r++)
                {
                    Array.Copy(trainX, (long)order[start + r] * Features, x, (long)r * Features, Features);
                    y[r] = (long)trainY[order[start + r]];
                }
                using var scope = NewDisposeScope();
                var input = tensor(x.AsSpan(0, rows * Features).ToArray(), [rows, Features]).to(device);
                var labels = tensor(y.AsSpan(0, rows).ToArray()).to(device);
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.forward(input), labels);
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * rows;
            }
            times.Add(clock.Elapsed.TotalSeconds);
            if (!double.IsFinite(lossSum)) throw new InvalidOperationException("The hand loop diverged.");
        }
        return times.Count > 1 ? times.Skip(1).Average() : times[0];
    }

    private static (float[] TrainX, float[] TrainY, float[] TestX, float[] TestY) LoadMnist(string path)
    {
        using var file = File.OpenRead(path);
        using var reader = new StreamReader(new GZipStream(file, CompressionMode.Decompress));
        reader.ReadLine();
        var features = new List<float>(10_000 * Features);
        var labels = new List<float>(10_000);
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            var values = line.Split(',');
            labels.Add(float.Parse(values[0], CultureInfo.InvariantCulture));
            for (int i = 1; i < values.Length; i++) features.Add(float.Parse(values[i], CultureInfo.InvariantCulture) / 255f);
        }
        var x = features.ToArray();
        var y = labels.ToArray();
        return (x[..(TrainRows * Features)], y[..TrainRows], x[(TrainRows * Features)..], y[TrainRows..]);
    }

    private static string? Option(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
