using MLNet.LrSchedules;

namespace MLNet.LrSchedules.Trainers.Tests.Engine;

internal static class EngineTestKit
{
    public static EngineSettings Settings(
        TrainingTask task,
        NetworkSpec network,
        LrSchedule? schedule = null,
        OptimizerSettings? optimizer = null,
        double learningRate = 1e-3,
        int epochs = 3,
        int batchSize = 64,
        ScheduleStepUnit stepUnit = ScheduleStepUnit.Step,
        int seed = 42,
        int? patience = null,
        bool restoreBestWeights = false,
        ComputeDevice device = ComputeDevice.Cpu) =>
        new(task, network, optimizer ?? new OptimizerSettings(OptimizerKind.Adam), schedule ?? new TestConstant(), learningRate,
            epochs, batchSize, stepUnit, seed, patience, restoreBestWeights, device);

    public static NetworkSpec Digits(double dropout = 0, int hidden = 32) => NetworkSpec.Mlp([hidden], Activation.Relu, dropout).Resolve(64, 10);

    public static float[] Score(TrainingResult result, TrainingTask task, float[] features, int rows)
    {
        using var scorer = new NetworkScorer(result.Network, task, result.Weights);
        var output = new float[rows * scorer.OutputsPerRow];
        scorer.Score(features, rows, output);
        return output;
    }

    public static double Accuracy(float[] probabilities, float[] labels, int classes)
    {
        int correct = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++)
                if (probabilities[r * classes + c] > probabilities[r * classes + best]) best = c;
            if (best == (int)labels[r]) correct++;
        }
        return correct / (double)labels.Length;
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; would post to a thread pool).</summary>
    public sealed class SyncProgress(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }
}
