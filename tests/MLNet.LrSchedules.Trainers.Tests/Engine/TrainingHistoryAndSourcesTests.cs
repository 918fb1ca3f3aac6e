using Microsoft.Extensions.Logging;
using static MLNet.LrSchedules.Trainers.Tests.Engine.EngineTestKit;

namespace MLNet.LrSchedules.Trainers.Tests.Engine;

[TestClass]
public sealed class TrainingHistoryAndSourcesTests
{
    public TestContext TestContext { get; set; } = null!;

    private static StepRecord Step(long step) => new(step, 1, 0.1, 1.0 / (step + 1));

    [TestMethod]
    public void Append_LeavesTheOriginalUnchanged_EvenWhenTwoHistoriesBranchFromIt()
    {
        var root = TrainingHistory.Empty.Append([Step(0), Step(1)], [new EpochRecord(1, 0.5, null, null, TimeSpan.Zero)]);
        var left = root.Append([Step(2)], []);
        var right = root.Append([Step(20), Step(21)], []);

        Assert.HasCount(2, root.Steps);
        CollectionAssert.AreEqual(new long[] { 0, 1, 2 }, left.Steps.Select(s => s.Step).ToArray());
        CollectionAssert.AreEqual(new long[] { 0, 1, 20, 21 }, right.Steps.Select(s => s.Step).ToArray());
        Assert.HasCount(1, left.Epochs);
        Assert.IsEmpty(TrainingHistory.Empty.Steps);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => root.Steps[2]);
    }

    /// <summary>A source that does not know its row count, as a stream from disk would not.</summary>
    private sealed class StreamingSource(IBatchSource inner) : IBatchSource
    {
        public int Reads { get; private set; }

        public int FeatureCount => inner.FeatureCount;

        public long? RowCount => null;

        public IEnumerable<Batch> ReadBatches(int batchSize, int epoch, int seed, bool shuffle)
        {
            Reads++;
            return inner.ReadBatches(batchSize, epoch, seed, shuffle);
        }
    }

    [TestMethod]
    public void UnknownRowCount_IsCountedOnAFirstPass_AndTheScheduleResolvesTheSame()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), new TestLinearDecay(), epochs: 2, batchSize: 100);
        var streaming = new StreamingSource(data.Train());
        TrainingResult known, unknown;
        using (var engine = new TrainingEngine(settings))
            known = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);
        using (var engine = new TrainingEngine(settings))
            unknown = engine.Train(streaming, null, null, null, TestContext.CancellationToken);

        Assert.AreEqual(3, streaming.Reads, "one counting pass, then one read per epoch");
        Assert.AreEqual(((TestLinearDecay)known.Schedule).TotalSteps, ((TestLinearDecay)unknown.Schedule).TotalSteps);
        CollectionAssert.AreEqual(known.Weights, unknown.Weights);
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }

    [TestMethod]
    public void Logger_GetsOneLinePerEpoch_AndTheEarlyStop()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), learningRate: 0, epochs: 5, batchSize: 256, patience: 1);
        var logger = new ListLogger();
        using var engine = new TrainingEngine(settings);
        engine.Train(data.Train(), data.Test(), null, logger, TestContext.CancellationToken);

        foreach (var line in logger.Lines) TestContext.WriteLine(line.Message);
        Assert.AreEqual(2, logger.Lines.Count(l => l.Message.StartsWith("Epoch ", StringComparison.Ordinal)));
        StringAssert.Contains(logger.Lines[0].Message, "validation accuracy");
        Assert.IsTrue(logger.Lines.Any(l => l.Message.StartsWith("Early stopping after epoch 2", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void WrongFeatureCount_AndBadLabels_AreRejectedWithClearMessages()
    {
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), epochs: 1);
        using var engine = new TrainingEngine(settings);

        var wrongWidth = new InMemoryBatchSource(new float[10], new float[5], 2);
        var error = Assert.ThrowsExactly<ArgumentException>(() => engine.Train(wrongWidth, null, null, null, TestContext.CancellationToken));
        StringAssert.Contains(error.Message, "InputSize = 64");

        var badLabel = new InMemoryBatchSource(new float[64 * 2], [3, 10], 64);
        var labelError = Assert.ThrowsExactly<InvalidOperationException>(() => engine.Train(badLabel, null, null, null, TestContext.CancellationToken));
        StringAssert.Contains(labelError.Message, "class index in [0, 9]; received 10");
    }

    [TestMethod]
    public void InvalidSettings_AreRejected()
    {
        var good = Settings(TrainingTask.MulticlassClassification, Digits());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TrainingEngine(good with { Epochs = 0 })).Message, "Epochs must be > 0; received 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TrainingEngine(good with { Task = TrainingTask.Regression })).Message, "OutputSize = 1; received 10");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Digits(dropout: 1)).Message, "Parameter 'dropout' must be in [0, 1); received 1.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TrainingEngine(good with { Network = NetworkSpec.Mlp([32]) })).Message,
            "EngineSettings.Network must be a resolved spec, with its input size and the task's head; received 'linear(32) >> relu'.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TrainingEngine(good with { Optimizer = new OptimizerSettings(OptimizerKind.Sgd, Momentum: 0, Nesterov: true) })).Message, "Nesterov");
    }
}
