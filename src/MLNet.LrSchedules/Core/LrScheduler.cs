namespace MLNet.LrSchedules;

/// <summary>
/// Drives a schedule through a training run: knows the current step, the rate (and momentum) in force,
/// feeds reported signals to a reactive schedule, and snapshots everything it needs to resume.
/// </summary>
/// <remarks>
/// Mutable and not thread-safe: one per training run. The usual loop is
/// <c>optimizer.lr = scheduler.LearningRate; optimizer.step(); scheduler.Report(ScheduleSignal.Loss, loss); scheduler.Advance();</c>.
/// </remarks>
public sealed class LrScheduler
{
    private readonly ReactiveLrSchedule? _reactive;
    private readonly long _reactiveStart;
    private ReactiveState? _reactiveState;

    /// <summary>Starts <paramref name="schedule"/> at step 0.</summary>
    /// <param name="schedule">The schedule; resolved with <paramref name="totalSteps"/> when it has open or fractional durations.</param>
    /// <param name="baseLearningRate">The optimizer's base learning rate.</param>
    /// <param name="totalSteps">The run's total optimizer steps; required when <paramref name="schedule"/> is not resolved.</param>
    public LrScheduler(LrSchedule schedule, double baseLearningRate, long? totalSteps = null)
        : this(schedule, new LrSchedulerState(baseLearningRate, 0, null), totalSteps) { }

    /// <summary>Resumes <paramref name="schedule"/> from a state saved with <see cref="GetState"/>.</summary>
    public LrScheduler(LrSchedule schedule, LrSchedulerState state, long? totalSteps = null)
    {
        Check.NotNull(schedule, nameof(schedule));
        Check.NotNull(state, nameof(state));
        if (!schedule.IsResolved)
        {
            if (totalSteps is not { } total)
                throw new ArgumentException("Parameter 'totalSteps' is required: the schedule has durations given as a fraction of the run or left open.", nameof(totalSteps));
            schedule = schedule.Resolve(total);
        }
        Schedule = schedule;
        BaseLearningRate = Check.NonNegative(state.BaseLearningRate, "baseLearningRate");
        Step = Check.NonNegative(state.Step, "step");
        (_reactive, _reactiveStart) = FindReactiveTail(schedule);
        if (_reactive is not null)
        {
            _reactiveState = state.Reactive ?? _reactive.CreateState(BaseLearningRate);
            _reactive.GetLearningRate(_reactiveState); // rejects a state of another schedule kind now, not mid-run
        }
        else if (state.Reactive is not null)
            throw new ArgumentException($"Parameter 'state' holds a reactive state ({state.Reactive.GetType().Name}) but the schedule '{schedule.GetType().Name}' is not reactive.", nameof(state));
    }

    /// <summary>The resolved schedule being driven.</summary>
    public LrSchedule Schedule { get; }

    /// <summary>The optimizer's base learning rate.</summary>
    public double BaseLearningRate { get; }

    /// <summary>The current optimizer step (0-based): the step the <see cref="LearningRate"/> is for.</summary>
    public long Step { get; private set; }

    /// <summary>The learning rate in force for <see cref="Step"/>.</summary>
    public double LearningRate =>
        _reactive is not null && Step >= _reactiveStart
            ? _reactive.GetLearningRate(_reactiveState!)
            : Schedule.Evaluate(Step, BaseLearningRate);

    /// <summary>The momentum (or Adam beta1) in force for <see cref="Step"/>, when the schedule cycles momentum.</summary>
    /// <remarks>Inside a sequence, the segment in force decides: a warmup before a one-cycle gives null until the one-cycle begins.</remarks>
    public double? Momentum
    {
        get
        {
            LrSchedule schedule = Schedule;
            long step = Step;
            while (schedule is SequenceSchedule sequence)
            {
                int segment = sequence.Locate(step, out step);
                schedule = sequence.Schedules[segment];
            }
            return schedule is IMomentumSchedule { CyclesMomentum: true } m ? m.GetMomentum(step) : null;
        }
    }

    /// <summary>The signal the schedule listens to, or null when it is not reactive.</summary>
    public ScheduleSignal? Listens => _reactive?.Signal;

    /// <summary>The reactive schedule's current state, or null.</summary>
    public ReactiveState? ReactiveState => _reactiveState;

    /// <summary>Moves to the next optimizer step.</summary>
    public void Advance() => Step++;

    /// <summary>
    /// Reports a training signal. A reactive schedule that listens to <paramref name="signal"/> updates its state once
    /// its segment has begun; every other schedule ignores it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN.</exception>
    public void Report(ScheduleSignal signal, double value)
    {
        if (double.IsNaN(value))
            throw new ArgumentOutOfRangeException(nameof(value), value, $"Parameter 'value' must not be NaN; received NaN for signal {signal} at step {Step}.");
        if (_reactive is null || signal != _reactive.Signal || Step < _reactiveStart) return;
        _reactiveState = _reactive.Observe(_reactiveState!, value);
    }

    /// <summary>A snapshot from which an identical scheduler can be rebuilt.</summary>
    public LrSchedulerState GetState() => new(BaseLearningRate, Step, _reactiveState);

    private static (ReactiveLrSchedule?, long) FindReactiveTail(LrSchedule schedule)
    {
        long offset = 0;
        while (true)
        {
            switch (schedule)
            {
                case ReactiveLrSchedule reactive:
                    return (reactive, offset);
                case SequenceSchedule sequence:
                    offset += sequence.StartOf(sequence.Schedules.Count - 1);
                    schedule = sequence.Schedules[^1];
                    continue;
                default:
                    return (null, 0);
            }
        }
    }
}

/// <summary>Everything an <see cref="LrScheduler"/> needs to resume: base rate, step, and reactive state.</summary>
/// <param name="BaseLearningRate">The optimizer's base learning rate.</param>
/// <param name="Step">The next optimizer step.</param>
/// <param name="Reactive">The reactive schedule's state, or null.</param>
public sealed record LrSchedulerState(double BaseLearningRate, long Step, ReactiveState? Reactive);
