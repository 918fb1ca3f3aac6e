namespace MLNet.LrSchedules.Interactive;

/// <summary>Evaluates schedules into plottable series.</summary>
internal static class ScheduleSeries
{
    // Enough points for a smooth curve in a 640-pixel chart; longer runs are sampled.
    internal const int MaxPoints = 2000;

    internal static string Label(LrSchedule schedule)
    {
        string text = schedule.ToString();
        return text.Length <= 60 ? text : text[..57] + "...";
    }

    /// <summary>The schedule's own length in steps when it has one, so a warmup or a cosine period is shown whole.</summary>
    internal static long? NaturalSteps(LrSchedule schedule) =>
        schedule.Length is { IsResolved: true } length ? length.StepCount : null;

    /// <summary>Steps and rates (and momentum when the schedule cycles it) for steps 0 .. steps−1.</summary>
    internal static (double[] Steps, double[] Rates, double[]? Momentum) Evaluate(LrSchedule schedule, long steps, double baseLearningRate)
    {
        var scheduler = new LrScheduler(schedule, baseLearningRate, steps);
        long stride = Math.Max(1, (steps + MaxPoints - 1) / MaxPoints);
        int count = (int)((steps + stride - 1) / stride);
        var xs = new double[count];
        var ys = new double[count];
        double[]? momentum = scheduler.Momentum is null ? null : new double[count];
        var resolved = scheduler.Schedule;
        for (int i = 0; i < count; i++)
        {
            long step = i * stride;
            xs[i] = step;
            // A reactive schedule with no signals stays where it starts, which is exactly what GetLearningRate gives.
            ys[i] = resolved.GetLearningRate(step, baseLearningRate);
            if (momentum is not null) momentum[i] = ((IMomentumSchedule)resolved).GetMomentum(step);
        }
        return (xs, ys, momentum);
    }
}
