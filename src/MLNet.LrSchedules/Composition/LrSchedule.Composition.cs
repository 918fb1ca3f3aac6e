namespace MLNet.LrSchedules;

public abstract partial class LrSchedule
{
    /// <summary>The base rate at every step: <c>lr(t) = base</c>. transformers <c>get_constant_schedule</c>.</summary>
    public static ConstantSchedule Constant() => new();

    /// <summary>
    /// A warmup of <paramref name="length"/> steps from <c>startFactor · base</c> to the base rate (see <see cref="WarmupSchedule"/>).
    /// PyTorch <c>LinearLR(start_factor, 1.0, total_iters)</c> / <c>ConstantLR(factor, total_iters)</c>.
    /// </summary>
    /// <param name="length">The warmup's length: steps, a fraction of the run, or rest.</param>
    /// <param name="shape">Linear, exponential (geometric) or constant.</param>
    /// <param name="startFactor">The multiple of the base rate at step 0, in [0, 1]; &gt; 0 for an exponential warmup.</param>
    public static WarmupSchedule Warmup(Duration length, WarmupShape shape = WarmupShape.Linear, double startFactor = 0) =>
        new(length, shape, startFactor);

    /// <summary>
    /// Runs <paramref name="schedules"/> one after another; schedule i (all but the last) runs for <paramref name="lengths"/>[i] steps
    /// and sees its local step. PyTorch <c>SequentialLR</c>, optax <c>join_schedules</c>.
    /// </summary>
    public static SequenceSchedule Sequence(IReadOnlyList<LrSchedule> schedules, IReadOnlyList<Duration> lengths) =>
        new(schedules, lengths);

    /// <summary>The step-by-step minimum of closed-form <paramref name="schedules"/> (at least two).</summary>
    public static MinSchedule Min(params LrSchedule[] schedules) => new(schedules);

    /// <summary>The step-by-step maximum of closed-form <paramref name="schedules"/> (at least two).</summary>
    public static MaxSchedule Max(params LrSchedule[] schedules) => new(schedules);

    /// <summary>The closed-form <paramref name="schedule"/>'s rate held inside [<paramref name="minLr"/>, <paramref name="maxLr"/>] (absolute rates).</summary>
    public static ClampSchedule Clamp(LrSchedule schedule, double minLr = 0, double maxLr = double.MaxValue) =>
        new(schedule, minLr, maxLr);

    /// <summary>
    /// This schedule preceded by a warmup of <paramref name="length"/> steps: the warmup runs first, then this schedule
    /// starts at its own step 0. Works in front of any schedule, reactive ones included.
    /// </summary>
    /// <param name="length">The warmup's length: steps or a fraction of the run (not rest: something must follow it).</param>
    /// <param name="shape">Linear, exponential (geometric) or constant.</param>
    /// <param name="startFactor">The multiple of the base rate at step 0, in [0, 1]; &gt; 0 for an exponential warmup.</param>
    /// <exception cref="ArgumentException"><paramref name="length"/> is rest.</exception>
    public SequenceSchedule WithWarmup(Duration length, WarmupShape shape = WarmupShape.Linear, double startFactor = 0)
    {
        if (length.Kind == DurationKind.Rest)
            throw new ArgumentException("Parameter 'length' must be a number of steps or a fraction of the run; received 'rest', which would leave no room for the schedule after the warmup.", nameof(length));
        return Warmup(length, shape, startFactor).Then(this);
    }

    /// <summary>
    /// This schedule for its own <see cref="Length"/>, then <paramref name="next"/> from its step 0 (the text form's <c>a &gt;&gt; b</c>).
    /// A sequence with step-count lengths is extended rather than nested.
    /// </summary>
    /// <exception cref="InvalidOperationException">This schedule has no length (it runs forever) or runs for the rest of the training.</exception>
    public SequenceSchedule Then(LrSchedule next)
    {
        Check.NotNull(next, nameof(next));
        if (this is SequenceSchedule { Schedules: var heads, Lengths: var headLengths } && heads[^1].Length is { } tail
            && tail.IsResolved && headLengths.All(l => l.IsResolved) && next is not SequenceSchedule)
            return new SequenceSchedule([.. heads, next], [.. headLengths, tail]);
        Duration length = Length
            ?? throw new InvalidOperationException(
                $"Schedule '{GetType().Name}' has no length of its own (it runs forever, or its length depends on durations not yet resolved), so nothing can follow it with Then(); "
                + "use LrSchedule.Sequence(schedules, lengths) to give each segment a length.");
        if (length.Kind == DurationKind.Rest)
            throw new InvalidOperationException(
                $"Schedule '{GetType().Name}' runs for the rest of the training (length 'rest'), so nothing can follow it with Then(); give it a length in steps or a fraction of the run.");
        if (next is SequenceSchedule { Schedules: var tails, Lengths: var tailLengths } && tailLengths.All(l => l.IsResolved) && length.IsResolved)
            return new SequenceSchedule([this, .. tails], [length, .. tailLengths]);
        return new SequenceSchedule([this, next], [length]);
    }
}
