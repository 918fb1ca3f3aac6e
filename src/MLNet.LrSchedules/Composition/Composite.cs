namespace MLNet.LrSchedules;

/// <summary>Checks and evaluation shared by the schedules that combine other schedules.</summary>
internal static class Composite
{
    /// <summary>
    /// True when <paramref name="schedule"/> is reactive or ends in a reactive schedule: a sequence may hide one in its
    /// last position, and closed-form combinators never hold one, so following sequence tails finds every case.
    /// </summary>
    public static bool IsReactive(LrSchedule schedule)
    {
        while (schedule is SequenceSchedule sequence) schedule = sequence.Schedules[^1];
        return schedule is ReactiveLrSchedule;
    }

    /// <summary>
    /// Validates the children of an element-wise combinator: at least <paramref name="minCount"/>, none null, none reactive
    /// (a reactive rate exists only inside an <see cref="LrScheduler"/>, so it cannot be combined step by step).
    /// </summary>
    public static LrSchedule[] ClosedFormChildren(IReadOnlyList<LrSchedule>? schedules, int minCount, string name)
    {
        Check.NotNull(schedules, name);
        if (schedules!.Count < minCount)
            throw new ArgumentException($"Parameter '{name}' must hold at least {minCount} schedules; received {schedules.Count}.", name);
        for (int i = 0; i < schedules.Count; i++)
        {
            if (schedules[i] is null)
                throw new ArgumentException($"Parameter '{name}' must not contain null; received null at index {i}.", name);
            RejectReactive(schedules[i], name, i);
        }
        return schedules.ToArray();
    }

    /// <summary>The children's rates at <paramref name="step"/> folded left to right with <paramref name="pick"/> (min or max).</summary>
    public static double Fold(LrSchedule[] schedules, long step, double baseLearningRate, Func<double, double, double> pick)
    {
        double result = schedules[0].Evaluate(step, baseLearningRate);
        for (int i = 1; i < schedules.Length; i++)
            result = pick(result, schedules[i].Evaluate(step, baseLearningRate));
        return result;
    }

    /// <summary>Throws when <paramref name="schedule"/> is or ends in a reactive schedule.</summary>
    public static void RejectReactive(LrSchedule schedule, string name, int? index = null)
    {
        if (IsReactive(schedule))
            throw new ArgumentException(
                $"Parameter '{name}' must {(index is null ? "be a closed-form schedule" : "hold closed-form schedules only")}; received the reactive schedule '{schedule.GetType().Name}'{(index is { } i ? $" at index {i}" : "")}. "
                + "Reactive schedules can only run last in a sequence.", name);
    }
}
