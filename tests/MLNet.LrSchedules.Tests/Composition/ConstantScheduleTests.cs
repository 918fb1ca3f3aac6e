namespace MLNet.LrSchedules.Tests.Composition;

[TestClass]
public sealed class ConstantScheduleTests
{
    [TestMethod]
    [DataRow(0L)]
    [DataRow(1L)]
    [DataRow(1_000_000_000_000L)]
    public void Rate_IsTheBaseRate(long step)
    {
        Assert.AreEqual(0.01, new ConstantSchedule().GetLearningRate(step, 0.01));
        Assert.AreEqual(0.0, new ConstantSchedule().GetLearningRate(step, 0.0));
    }

    [TestMethod]
    public void RunsForever_AndIsResolved()
    {
        var schedule = new ConstantSchedule();
        Assert.IsNull(schedule.Length);
        Assert.IsTrue(schedule.IsResolved);
        Assert.AreSame(schedule, schedule.Resolve(100));
    }

    [TestMethod]
    public void InvalidArguments_AreRejected()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ConstantSchedule().GetLearningRate(-1, 0.1)).Message, "Parameter 'step' must be an integer >= 0; received -1.");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ConstantSchedule().GetLearningRate(0, double.NaN));
    }
}
