using MLNet.LrSchedules.Trainers.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers.Tests.Engine;

/// <summary>
/// The optimizer over one flat buffer (what the engine gives it) against TorchSharp's per-parameter path on the same network:
/// the same weights, bit for bit, for every optimizer; a per-parameter state of earlier versions joined into the buffer's.
/// </summary>
[TestClass]
public sealed class FlatParametersTests
{
    private static readonly NetworkSpec Spec = NetworkSpec.Parse("linear(16) >> relu >> batchnorm1d >> linear(8) >> gelu").Resolve(13, 3);

    public static IEnumerable<object[]> EveryOptimizer =>
    [
        [new OptimizerSettings(OptimizerKind.Sgd, Momentum: 0.9, Nesterov: true, WeightDecay: 1e-3, GradientClipNorm: 0.5)],
        [new OptimizerSettings(OptimizerKind.Sgd, Momentum: 0, WeightDecay: 0)],
        [new OptimizerSettings(OptimizerKind.Adam, WeightDecay: 1e-3)],
        [new OptimizerSettings(OptimizerKind.AdamW, WeightDecay: 1e-2)],
        [new OptimizerSettings(OptimizerKind.RmsProp, Momentum: 0.5)],
        [new OptimizerSettings(OptimizerKind.Adagrad, WeightDecay: 1e-4)],
    ];

    [TestMethod]
    [DynamicData(nameof(EveryOptimizer))]
    public void TheFlatBuffer_TrainsToTheSameWeights_AsOneTensorPerParameter(OptimizerSettings settings)
    {
        using var perParameter = new Run(settings, flat: false);
        using var flat = new Run(settings, flat: true);
        Assert.IsNotNull(flat.Flat, "a float32 network on one device qualifies");
        float[] initial = flat.Weights();

        for (int step = 0; step < 12; step++)
        {
            perParameter.Step(step);
            flat.Step(step);
        }

        CollectionAssert.AreNotEqual(initial, flat.Weights(), "the steps trained");
        CollectionAssert.AreEqual(perParameter.Weights(), flat.Weights(), "the same per-element formulas, bit for bit");
        CollectionAssert.AreEqual(flat.Weights(), flat.Flat!.Values.detach().data<float>().ToArray(), "the parameters still live in the buffer");
    }

    [TestMethod]
    [DynamicData(nameof(EveryOptimizer))]
    public void APerParameterState_IsJoinedIntoTheFlatBuffersState_AndTheRunGoesOnAsItWould(OptimizerSettings settings)
    {
        using var uninterrupted = new Run(settings, flat: false);
        for (int step = 0; step < 5; step++) uninterrupted.Step(step);
        byte[] weights = uninterrupted.Network.SaveWeights();
        byte[] perParameterState = Optimizers.SaveState(uninterrupted.Optimizer);

        using var resumed = new Run(settings, flat: true);
        resumed.Network.LoadWeights(weights);
        Optimizers.LoadState(resumed.Optimizer, perParameterState, CPU, (resumed.Flat!.Shapes, settings, Run.LearningRate));
        for (int step = 5; step < 10; step++)
        {
            uninterrupted.Step(step);
            resumed.Step(step);
        }

        CollectionAssert.AreEqual(uninterrupted.Weights(), resumed.Weights());
    }

    [TestMethod]
    public void LoadedWeights_LandInTheBuffer_SoTheOptimizerUpdatesThem()
    {
        using var source = new Run(new OptimizerSettings(OptimizerKind.AdamW), flat: false);
        source.Step(0);
        using var target = new Run(new OptimizerSettings(OptimizerKind.AdamW), flat: true);

        target.Network.LoadWeights(source.Network.SaveWeights());

        CollectionAssert.AreEqual(source.Weights(), target.Flat!.Values.detach().data<float>().ToArray());
    }

    [TestMethod]
    public void TheBuffers_OutliveADisposeScopeTheyWereCreatedIn()
    {
        TorchSharpRuntime.EnsureLoaded();
        using var network = new SequentialNetwork(Spec, seed: 1);
        FlatParameters flat;
        using (NewDisposeScope())
            flat = FlatParameters.TryCreate(network.parameters().ToArray())!;

        using (flat)
        {
            Assert.IsFalse(flat.Values.IsInvalid);
            using var gradients = flat.Values.grad!;
            Assert.AreEqual(flat.Values.numel(), gradients.numel());
            CollectionAssert.AreEqual(network.parameters().SelectMany(p => p.detach().data<float>().ToArray()).ToArray(), flat.Values.detach().data<float>().ToArray());
        }
    }

    [TestMethod]
    public void ParametersThatAreNotAllTrainableFloat32_KeepOneTensorPerParameter()
    {
        TorchSharpRuntime.EnsureLoaded();
        using var network = new SequentialNetwork(Spec, seed: 1);
        var parameters = network.parameters().ToArray();
        parameters[0].requires_grad = false;
        Assert.IsNull(FlatParameters.TryCreate(parameters), "a frozen parameter must not be moved by weight decay or momentum");

        using var doubles = new Parameter(zeros(3, ScalarType.Float64));
        Assert.IsNull(FlatParameters.TryCreate([parameters[1], doubles]));
        Assert.IsNull(FlatParameters.TryCreate([parameters[1]]), "one parameter is already one tensor");
    }

    /// <summary>A network, its optimizer (over a flat buffer or per parameter) and a fixed batch.</summary>
    private sealed class Run : IDisposable
    {
        public const double LearningRate = 0.05;
        private readonly Tensor _input;
        private readonly Tensor _labels;
        private readonly OptimizerStep _step;
        private readonly LrScheduler _scheduler = new(LrSchedule.Constant(), LearningRate, 100);

        public Run(OptimizerSettings settings, bool flat)
        {
            TorchSharpRuntime.EnsureLoaded();
            Network = new SequentialNetwork(Spec, seed: 7);
            Flat = flat ? FlatParameters.TryCreate(Network.parameters().ToArray()) : null;
            Optimizer = Optimizers.Create(settings, Flat is null ? Network.parameters() : [Flat.Values], LearningRate);
            _step = new OptimizerStep(Network, Optimizer, settings, CPU);
            var generator = new Generator(11);
            _input = randn(32, 13, generator: generator);
            _labels = randint(0, 3, 32, generator: generator);
        }

        public SequentialNetwork Network { get; }
        public FlatParameters? Flat { get; }
        public optim.Optimizer Optimizer { get; }

        public void Step(int step)
        {
            using var scope = NewDisposeScope();
            using var input = _input.add(step * 0.01); // a different batch each step
            _step.Gradients(input, _labels, null, TaskObjective.For(TrainingTask.MulticlassClassification));
            _step.Update(_scheduler);
        }

        public float[] Weights() => Network.parameters().SelectMany(p => p.detach().data<float>().ToArray()).ToArray();

        public void Dispose()
        {
            _step.Dispose();
            Optimizer.Dispose();
            Flat?.Dispose();
            Network.Dispose();
            _input.Dispose();
            _labels.Dispose();
        }
    }
}
