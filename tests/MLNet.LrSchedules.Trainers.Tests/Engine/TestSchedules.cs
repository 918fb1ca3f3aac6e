using MLNet.LrSchedules;

namespace MLNet.LrSchedules.Trainers.Tests.Engine;

// Schedules local to these tests, so the engine is tested without depending on the schedule families' branches.

/// <summary>lr × (1 − step / totalSteps) clamped at 0; the length is a fraction of the run until resolved.</summary>
internal sealed class TestLinearDecay : LrSchedule
{
    public TestLinearDecay(long? totalSteps = null) => TotalSteps = totalSteps;

    public long? TotalSteps { get; }

    public override bool IsResolved => TotalSteps is not null;

    public override LrSchedule Resolve(long totalSteps) => TotalSteps is null ? new TestLinearDecay(totalSteps) : this;

    protected internal override double Evaluate(long step, double baseLearningRate) =>
        baseLearningRate * Math.Max(0, 1 - step / (double)TotalSteps!.Value);
}

/// <summary>A constant rate.</summary>
internal sealed class TestConstant : LrSchedule
{
    protected internal override double Evaluate(long step, double baseLearningRate) => baseLearningRate;
}

/// <summary>A one-cycle-like triangle that also cycles momentum inversely (0.95 → 0.85 → 0.95), as OneCycleLR with cycle_momentum.</summary>
internal sealed class TestMomentumCycle(long halfCycle) : LrSchedule, IMomentumSchedule
{
    public long HalfCycle { get; } = halfCycle;

    public bool CyclesMomentum => true;

    private double Phase(long step)
    {
        long position = step % (2 * HalfCycle);
        return position < HalfCycle ? position / (double)HalfCycle : 2 - position / (double)HalfCycle;
    }

    protected internal override double Evaluate(long step, double baseLearningRate) => baseLearningRate * (0.1 + 0.9 * Phase(step));

    public double GetMomentum(long step) => 0.95 - 0.10 * Phase(step);
}

/// <summary>Halves the rate when the reported metric does not improve; remembers every metric it saw.</summary>
internal sealed class TestPlateau : ReactiveLrSchedule
{
    public override ScheduleSignal Signal => ScheduleSignal.Metric;

    public override ReactiveState CreateState(double baseLearningRate) => new TestPlateauState(baseLearningRate, double.PositiveInfinity, []);

    public override double GetLearningRate(ReactiveState state) => StateAs<TestPlateauState>(state).LearningRate;

    public override ReactiveState Observe(ReactiveState state, double value)
    {
        var s = StateAs<TestPlateauState>(state);
        return value < s.Best
            ? new TestPlateauState(s.Rate, value, [.. s.Seen, value])
            : new TestPlateauState(s.Rate / 2, s.Best, [.. s.Seen, value]);
    }
}

internal sealed record TestPlateauState(double Rate, double Best, IReadOnlyList<double> Seen) : ReactiveState
{
    public override double LearningRate => Rate;
}

/// <summary>Hypergradient descent: lr ← lr + β · (g_t · d_{t−1}); counts the reports.</summary>
internal sealed class TestHypergradient(double beta) : ReactiveLrSchedule
{
    public double Beta { get; } = beta;

    public override ScheduleSignal Signal => ScheduleSignal.GradientDot;

    public override ReactiveState CreateState(double baseLearningRate) => new TestHypergradientState(baseLearningRate, 0);

    public override double GetLearningRate(ReactiveState state) => StateAs<TestHypergradientState>(state).LearningRate;

    public override ReactiveState Observe(ReactiveState state, double value)
    {
        var s = StateAs<TestHypergradientState>(state);
        return new TestHypergradientState(Math.Max(0, s.Rate + Beta * value), s.Reports + 1);
    }
}

internal sealed record TestHypergradientState(double Rate, int Reports) : ReactiveState
{
    public override double LearningRate => Rate;
}

/// <summary>The base rate until step <see cref="At"/>, then the base rate × <see cref="Factor"/>.</summary>
internal sealed class TestJump(long at, double factor) : LrSchedule
{
    public long At { get; } = at;

    public double Factor { get; } = factor;

    protected internal override double Evaluate(long step, double baseLearningRate) => step < At ? baseLearningRate : baseLearningRate * Factor;
}
