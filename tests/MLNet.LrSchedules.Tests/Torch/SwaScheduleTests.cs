namespace MLNet.LrSchedules.Tests.Torch;

[TestClass]
public sealed class SwaScheduleTests
{
    /// <summary>PyTorch's SWALR.get_lr, replayed step by step from the optimizer's rate <paramref name="baseLr"/>.</summary>
    private static double[] PyTorchRecursion(double baseLr, double swaLr, int annealEpochs, string strategy, int steps)
    {
        Func<double, double> anneal = strategy == "cos" ? t => (1 - Math.Cos(Math.PI * t)) / 2 : t => t;
        var lrs = new double[steps];
        double lr = baseLr;
        for (int stepCount = 1; stepCount <= steps; stepCount++)
        {
            int step = stepCount - 1;
            if (annealEpochs == 0) step = Math.Max(1, step);
            double prevAlpha = anneal(Math.Max(0, Math.Min(1, (double)(step - 1) / Math.Max(1, annealEpochs))));
            double prevLr = prevAlpha == 1 ? swaLr : (lr - prevAlpha * swaLr) / (1 - prevAlpha);
            double alpha = anneal(Math.Max(0, Math.Min(1, (double)step / Math.Max(1, annealEpochs))));
            lr = swaLr * alpha + prevLr * (1 - alpha);
            lrs[stepCount - 1] = lr;
        }
        return lrs;
    }

    [TestMethod]
    [DataRow(0.05, 10, "cos")]
    [DataRow(0.05, 10, "linear")]
    [DataRow(0.5, 3, "cos")]
    [DataRow(0.001, 1, "linear")]
    [DataRow(0.02, 0, "cos")]
    [DataRow(0.3, 25, "cos")]
    public void MatchesPyTorchsRecursion(double swaLr, int annealEpochs, string strategy)
    {
        var schedule = LrSchedule.Swa(swaLr, annealEpochs, strategy);
        var expected = PyTorchRecursion(0.1, swaLr, annealEpochs, strategy, 40);
        Oracles.Oracle.AssertMatches($"swa {swaLr} {annealEpochs} {strategy}", "lr", expected,
            Oracles.Oracle.Trajectory(schedule, 0.1, 40), Oracles.Oracle.DoubleTolerance);
    }

    [TestMethod]
    public void HandComputedLinearAndCos()
    {
        var linear = LrSchedule.Swa(0.0, 4, "linear");
        double[] expected = [1, 0.75, 0.5, 0.25, 0, 0];
        Oracles.Oracle.AssertMatches("swa", "lr", expected, Oracles.Oracle.Trajectory(linear, 1.0, 6), 1e-15);
        var cos = LrSchedule.Swa(1.0, 2);
        Assert.AreEqual(0.0, cos.GetLearningRate(0, 0.0));
        Assert.AreEqual(0.5, cos.GetLearningRate(1, 0.0), 1e-15);
        Assert.AreEqual(1.0, cos.GetLearningRate(2, 0.0));
        Assert.AreEqual(1.0, cos.GetLearningRate(1_000_000_000_000, 0.0));
    }

    [TestMethod]
    public void ZeroAnnealEpochsJumpsToTheSwaRate()
    {
        Assert.AreEqual(0.05, LrSchedule.Swa(0.05, 0).GetLearningRate(0, 1.0));
    }

    [TestMethod]
    public void DefaultsArePyTorchs()
    {
        var schedule = new SwaSchedule(0.05);
        Assert.AreEqual(10, schedule.AnnealEpochs);
        Assert.AreEqual("cos", schedule.AnnealStrategy);
        Assert.AreEqual(Duration.Steps(10), schedule.Length);
    }

    [TestMethod]
    public void RejectsInvalidParameters()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Swa(-0.05));
        StringAssert.Contains(e.Message, "Parameter 'swaLr' must be a finite number >= 0; received -0.05.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Swa(0.05, -1));
        StringAssert.Contains(e.Message, "Parameter 'annealEpochs' must be an integer >= 0; received -1.");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrSchedule.Swa(0.05, 10, "step"));
        StringAssert.Contains(e.Message, "Parameter 'annealStrategy' must be one of 'cos', 'linear'; received 'step'.");
    }
}
