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
[ScheduleType("loss_adaptive", "loss_scaled")]
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
/// <param name="BaseLearningRate">The base rate <c>lr₀</c>.</param>
/// <param name="LearningRate">The rate in force: <c>lr₀ / √(1 + δ · LastLoss)</c>, or <c>lr₀</c> before any report.</param>
/// <param name="LastLoss">The most recently reported loss, or null before any report.</param>
[ScheduleType("loss_adaptive_state")]
public sealed record LossAdaptiveState(double BaseLearningRate, double LearningRate, double? LastLoss) : ReactiveState
{
    /// <summary>The base rate <c>lr₀</c>.</summary>
    public double BaseLearningRate { get; init; } = Check.NonNegative(BaseLearningRate, nameof(BaseLearningRate));

    /// <inheritdoc />
    public override double LearningRate { get; } = Check.NonNegative(LearningRate, nameof(LearningRate));

    /// <summary>The most recently reported loss, or null before any report.</summary>
    public double? LastLoss { get; init; } = LastLoss is { } loss ? Check.NonNegative(loss, nameof(LastLoss)) : null;
}
