using static MLNet.LrSchedules.Trainers.Tests.Engine.EngineTestKit;

namespace MLNet.LrSchedules.Trainers.Tests.Engine;

[TestClass]
public sealed class BatchSourceAndScorerTests
{
    public TestContext TestContext { get; set; } = null!;

    private static InMemoryBatchSource Rows(int rows) =>
        new(Enumerable.Range(0, rows * 2).Select(i => (float)i).ToArray(), Enumerable.Range(0, rows).Select(i => (float)i).ToArray(), 2,
            Enumerable.Range(0, rows).Select(i => i * 10f).ToArray());

    [TestMethod]
    public void Batches_CoverEveryRowOnce_WithAPartialLastBatch_AndKeepRowsTogether()
    {
        var batches = Rows(10).ReadBatches(4, 1, 7, shuffle: true).ToList();

        CollectionAssert.AreEqual(new[] { 4, 4, 2 }, batches.Select(b => b.Rows).ToArray());
        var labels = batches.SelectMany(b => b.Labels).ToArray();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).Select(i => (float)i).ToArray(), labels);
        foreach (var batch in batches)
            for (int r = 0; r < batch.Rows; r++)
            {
                Assert.AreEqual(batch.Labels[r] * 2, batch.Features[r * 2]);
                Assert.AreEqual(batch.Labels[r] * 2 + 1, batch.Features[r * 2 + 1]);
                Assert.AreEqual(batch.Labels[r] * 10, batch.Weights![r]);
            }
    }

    [TestMethod]
    public void Shuffle_IsAFunctionOfSeedAndEpoch()
    {
        var source = Rows(50);
        float[] Order(int epoch, int seed, bool shuffle = true) => source.ReadBatches(16, epoch, seed, shuffle).SelectMany(b => b.Labels).ToArray();

        CollectionAssert.AreEqual(Order(3, 1), Order(3, 1));
        CollectionAssert.AreNotEqual(Order(3, 1), Order(4, 1));
        CollectionAssert.AreNotEqual(Order(3, 1), Order(3, 2));
        CollectionAssert.AreEqual(Enumerable.Range(0, 50).Select(i => (float)i).ToArray(), Order(3, 1, shuffle: false));
    }

    [TestMethod]
    public void MismatchedArrays_AreRejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new InMemoryBatchSource(new float[5], new float[2], 2));
        Assert.ThrowsExactly<ArgumentException>(() => new InMemoryBatchSource(new float[4], new float[2], 2, new float[3]));
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new InMemoryBatchSource(new float[4], new float[2], 0));
        StringAssert.Contains(error.Message, "featureCount");
    }

    [TestMethod]
    public void Scorer_GivesProbabilities_AndIsSafeFromSeveralThreads()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(dropout: 0.3), epochs: 1, batchSize: 64);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);
        using var scorer = new NetworkScorer(result.Network, TrainingTask.MulticlassClassification, result.Weights);

        var all = new float[data.TestRows * 10];
        scorer.Score(data.TestFeatures, data.TestRows, all);
        for (int r = 0; r < data.TestRows; r++)
            Assert.AreEqual(1.0, all.AsSpan(r * 10, 10).ToArray().Sum(), 1e-5);

        var rowByRow = new float[all.Length];
        Parallel.For(0, data.TestRows, r => scorer.Score(data.TestFeatures.AsSpan(r * 64, 64), 1, rowByRow.AsSpan(r * 10, 10)));
        for (int i = 0; i < all.Length; i++)
            Assert.AreEqual(all[i], rowByRow[i], 1e-6, "eval mode: no dropout, same scores");
    }

    [TestMethod]
    public void Scorer_RejectsWeightsOfAnotherNetwork()
    {
        var data = EngineData.Load("digits");
        var settings = Settings(TrainingTask.MulticlassClassification, Digits(), epochs: 1, batchSize: 512);
        using var engine = new TrainingEngine(settings);
        var result = engine.Train(data.Train(), null, null, null, TestContext.CancellationToken);

        Assert.ThrowsExactly<ArgumentException>(() => new NetworkScorer(Digits(hidden: 8), TrainingTask.MulticlassClassification, result.Weights));
    }
}
