namespace MLNet.LrSchedules;

/// <summary>Which training signal a reactive schedule listens to.</summary>
public enum ScheduleSignal
{
    /// <summary>A monitored metric, reported once per evaluation (usually per epoch): validation loss, accuracy, ...</summary>
    Metric,
    /// <summary>The training loss of the step just taken.</summary>
    Loss,
    /// <summary>The dot product of the current gradient with the previous step's update direction (hypergradient).</summary>
    GradientDot,
}

/// <summary>
/// A schedule whose rate depends on what training reports (the plateau, loss-adaptive and gradient-driven schedules).
/// The settings are immutable; everything that changes lives in a <see cref="ReactiveState"/> that the caller
/// (usually an <see cref="LrScheduler"/>) keeps and that serializes with the model.
/// </summary>
public abstract class ReactiveLrSchedule : LrSchedule
{
    private protected ReactiveLrSchedule() { }

    /// <summary>The signal this schedule consumes; other signals are ignored.</summary>
    public abstract ScheduleSignal Signal { get; }

    /// <summary>The state before any signal has been reported.</summary>
    public abstract ReactiveState CreateState(double baseLearningRate);

    /// <summary>The learning rate in force in <paramref name="state"/>.</summary>
    public abstract double GetLearningRate(ReactiveState state);

    /// <summary>The state after <paramref name="value"/> (of kind <see cref="Signal"/>) was reported.</summary>
    /// <exception cref="ArgumentException"><paramref name="state"/> was not created by this kind of schedule.</exception>
    public abstract ReactiveState Observe(ReactiveState state, double value);

    /// <inheritdoc />
    protected internal sealed override double Evaluate(long step, double baseLearningRate) =>
        GetLearningRate(CreateState(baseLearningRate));

    /// <summary>Casts a state to this schedule's own state type, with a clear message when it is another.</summary>
    protected static TState StateAs<TState>(ReactiveState state) where TState : ReactiveState =>
        Check.NotNull(state, nameof(state)) as TState
        ?? throw new ArgumentException($"Parameter 'state' must be a {typeof(TState).Name}; received a {state.GetType().Name}.", nameof(state));
}

/// <summary>The changing part of a reactive schedule: immutable snapshots, serializable to JSON.</summary>
public abstract record ReactiveState
{
    private protected ReactiveState() { }

    /// <summary>The learning rate in force.</summary>
    public abstract double LearningRate { get; }
}
