namespace MLNet.LrSchedules.Tests.Plotting;

// Plotting needs data, not any particular family: small schedules defined here keep these tests independent of them.
internal sealed class TestLinearDecay(long length) : LrSchedule
{
    protected internal override double Evaluate(long step, double baseLearningRate) =>
        baseLearningRate * Math.Max(0, 1 - (double)step / length);
}

internal sealed class TestExponentialDecay(double gamma) : LrSchedule
{
    protected internal override double Evaluate(long step, double baseLearningRate) =>
        baseLearningRate * Math.Pow(gamma, step);
}

internal sealed class TestOneCycleMomentum(long length) : LrSchedule, IMomentumSchedule
{
    public bool CyclesMomentum => true;

    public double GetMomentum(long step) => 0.85 + 0.1 * Math.Abs(1 - 2.0 * step / length);

    protected internal override double Evaluate(long step, double baseLearningRate) =>
        baseLearningRate * (1 - Math.Abs(1 - 2.0 * step / length));
}
