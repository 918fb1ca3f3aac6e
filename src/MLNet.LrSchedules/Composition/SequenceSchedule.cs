namespace MLNet.LrSchedules;

/// <summary>
/// Runs schedules one after another; each child sees its local step (steps since its segment began).
/// PyTorch <c>SequentialLR(schedulers, milestones)</c>, optax <c>join_schedules(schedules, boundaries)</c>,
/// and the text form's <c>a &gt;&gt; b</c>.
/// </summary>
/// <remarks>
/// <c>lr(t) = schedules[i](t − start_i, base)</c> where segment i starts at <c>start_i = lengths[0] + … + lengths[i−1]</c>.
/// Segment lengths resolve against the whole run; each child resolves against its own segment's length, except a child
/// whose own <see cref="LrSchedule.Length"/> is the fraction its segment runs for (<c>warmup(5%) &gt;&gt; b</c>): that
/// fraction is of the whole run, so the child resolves against the run and fills its segment exactly.
/// Only the last child may be reactive (or end in a reactive schedule).
/// </remarks>
[ScheduleType("sequence", "sequential", "join_schedules", "SequentialLR")]
public sealed class SequenceSchedule : LrSchedule
{
    private readonly long[] _starts = [];

    /// <summary>Creates a sequence of <paramref name="schedules"/>, where schedule i (all but the last) runs for <paramref name="lengths"/>[i] steps.</summary>
    /// <param name="schedules">The segments' schedules, at least one, none null; only the last may be reactive (or end in a reactive schedule).</param>
    /// <param name="lengths">The length of every segment but the last (one fewer than the schedules): steps (0 or more) or a fraction of the run, not rest. The last segment runs for the rest of the training.</param>
    /// <exception cref="ArgumentException">Fewer than one schedule, a length count other than schedules − 1, or a reactive schedule before the last.</exception>
    public SequenceSchedule(IReadOnlyList<LrSchedule> schedules, IReadOnlyList<Duration> lengths)
    {
        Check.NotNull(schedules, nameof(schedules));
        Check.NotNull(lengths, nameof(lengths));
        if (schedules.Count == 0)
            throw new ArgumentException("Parameter 'schedules' must hold at least one schedule; received none.", nameof(schedules));
        if (lengths.Count != schedules.Count - 1)
            throw new ArgumentException($"Parameter 'lengths' must hold one length per schedule but the last ({schedules.Count - 1}); received {lengths.Count}.", nameof(lengths));
        for (int i = 0; i < schedules.Count; i++)
        {
            if (schedules[i] is null)
                throw new ArgumentException($"Parameter 'schedules' must not contain null; received null at index {i}.", nameof(schedules));
            if (i < schedules.Count - 1 && Composite.IsReactive(schedules[i]))
                throw new ArgumentException($"Parameter 'schedules' may hold a reactive schedule only in last position; received '{schedules[i].GetType().Name}' at index {i}.", nameof(schedules));
            if (i < schedules.Count - 1 && lengths[i].Kind == DurationKind.Rest)
                throw new ArgumentException($"Parameter 'lengths' must give every segment but the last a length; received 'rest' at index {i}.", nameof(lengths));
        }
        Schedules = schedules.ToArray();
        Lengths = lengths.ToArray();
        if (IsResolved)
        {
            _starts = new long[Lengths.Count];
            long start = 0;
            for (int i = 0; i < Lengths.Count; i++)
                _starts[i] = start = checked(start + Lengths[i].StepCount);
        }
    }

    /// <summary>The schedules, in order.</summary>
    public IReadOnlyList<LrSchedule> Schedules { get; }

    /// <summary>The length of every segment but the last (which runs to the end).</summary>
    public IReadOnlyList<Duration> Lengths { get; }

    /// <inheritdoc />
    public override bool IsResolved => Lengths.All(l => l.IsResolved) && Schedules.All(s => s.IsResolved);

    /// <inheritdoc />
    public override Duration? Length
    {
        get
        {
            if (Schedules[^1].Length is not { IsResolved: true } last || !Lengths.All(l => l.IsResolved)) return null;
            return Duration.Steps(Lengths.Sum(l => l.StepCount) + last.StepCount);
        }
    }

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        if (IsResolved) return this;
        var lengths = new Duration[Lengths.Count];
        var schedules = new LrSchedule[Schedules.Count];
        long start = 0;
        for (int i = 0; i < Schedules.Count; i++)
        {
            long segment = i < Lengths.Count
                ? Lengths[i].Resolve(totalSteps, Math.Max(1, totalSteps - start))
                : Math.Max(1, totalSteps - start);
            if (i < Lengths.Count) lengths[i] = Duration.Steps(segment);
            // A child placed for its own fractional length (a >> b) means that fraction of the run, not of its segment.
            schedules[i] = i < Lengths.Count && Lengths[i].Kind == DurationKind.Fraction && Schedules[i].Length == Lengths[i]
                ? Schedules[i].Resolve(totalSteps)
                : Schedules[i].Resolve(segment);
            start += segment;
        }
        return new SequenceSchedule(schedules, lengths);
    }

    /// <summary>The index of the segment that holds <paramref name="step"/> and the step local to it.</summary>
    internal int Locate(long step, out long localStep)
    {
        // Few segments in practice; a linear scan beats a binary search's branches here and allocates nothing.
        int i = 0;
        while (i < _starts.Length && step >= _starts[i]) i++;
        localStep = i == 0 ? step : step - _starts[i - 1];
        return i;
    }

    /// <summary>The step at which segment <paramref name="index"/> begins.</summary>
    internal long StartOf(int index) => index == 0 ? 0 : _starts[index - 1];

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        int i = Locate(step, out long local);
        return Schedules[i].Evaluate(local, baseLearningRate);
    }
}
