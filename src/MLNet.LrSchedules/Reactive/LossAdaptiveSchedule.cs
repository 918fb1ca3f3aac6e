namespace MLNet.LrSchedules;

/// <summary>
/// Lowers the rate as the training loss grows: <c>lr = lr₀ / √(1 + δ · loss)</c>, where <c>lr₀</c> is the base rate
/// and <c>loss</c> the most recently reported training loss. No reference-library equivalent.
/// </summary>
/// <remarks>
/// <para>Listens to <see cref="ScheduleSignal.Loss"/>; before the first report the rate is <c>lr₀</c>. Each report replaces
/// the previous one (no averaging), so the rate always reflects the last loss.</para>
/// <para>Losses must be finite and &gt;= 0 (a negative loss would let <c>1 + δ · loss</c> reach zero or below, where the
/// formula has no meaning); shift a loss that can be negative before reporting it.</para>
/// </remarks>
[ScheduleType("loss_adaptive")]
public sealed class LossAdaptiveSchedule : ReactiveLrSchedule
{
    /// <summary>Creates a loss-adaptive schedule.</summary>
    /// <param name="delta">The loss sensitivity δ, finite and &gt;= 0 (0 keeps the base rate).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is out of range.</exception>
    public LossAdaptiveSchedule(double delta = 1.0)
    {
        Delta = Check.NonNegative(delta, nameof(delta));
    }

    /// <summary>The loss sensitivity δ.</summary>
    public double Delta { get; }

    /// <inheritdoc />
    public override ScheduleSignal Signal => ScheduleSignal.Loss;

    /// <inheritdoc />
    public override ReactiveState CreateState(double baseLearningRate)
    {
        Check.NonNegative(baseLearningRate, nameof(baseLearningRate));
        return new LossAdaptiveState(baseLearningRate, baseLearningRate, null);
    }

    /// <inheritdoc />
    public override double GetLearningRate(ReactiveState state) => StateAs<LossAdaptiveState>(state).LearningRate;

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not a finite number &gt;= 0.</exception>
    public override ReactiveState Observe(ReactiveState state, double value)
    {
        var s = StateAs<LossAdaptiveState>(state);
        Check.NonNegative(value, nameof(value));
        return new LossAdaptiveState(s.BaseLearningRate, s.BaseLearningRate / Math.Sqrt(1 + Delta * value), value);
    }
}

/// <summary>The changing part of a <see cref="LossAdaptiveSchedule"/>.</summary>
[ScheduleType("loss_adaptive_state")]
public sealed record LossAdaptiveState : ReactiveState
{
    /// <summary>Creates a loss-adaptive state.</summary>
    /// <param name="baseLearningRate">The base rate <c>lr₀</c>, finite and &gt;= 0.</param>
    /// <param name="learningRate">The rate in force, finite and &gt;= 0.</param>
    /// <param name="lastLoss">The most recently reported loss (finite and &gt;= 0), or null before any report.</param>
    /// <exception cref="ArgumentOutOfRangeException">A field is out of range.</exception>
    public LossAdaptiveState(double baseLearningRate, double learningRate, double? lastLoss)
    {
        BaseLearningRate = Check.NonNegative(baseLearningRate, nameof(baseLearningRate));
        LearningRate = Check.NonNegative(learningRate, nameof(learningRate));
        LastLoss = lastLoss is { } loss ? Check.NonNegative(loss, nameof(lastLoss)) : null;
    }

    /// <summary>The base rate <c>lr₀</c>.</summary>
    public double BaseLearningRate { get; }

    /// <inheritdoc />
    /// <remarks><c>lr₀ / √(1 + δ · LastLoss)</c>, or <c>lr₀</c> before any report.</remarks>
    public override double LearningRate { get; }

    /// <summary>The most recently reported loss, or null before any report.</summary>
    public double? LastLoss { get; }
}
