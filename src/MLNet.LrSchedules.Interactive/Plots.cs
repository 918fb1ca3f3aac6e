namespace MLNet.LrSchedules.Interactive;

/// <summary>Notebook shortcuts: <c>schedule.Plot(steps: 5000)</c>.</summary>
public static class ScheduleNotebookExtensions
{
    /// <summary>A plot of <paramref name="schedule"/>, shown as a chart in a notebook; see <see cref="SchedulePlotView.Of"/>.</summary>
    public static SchedulePlotView Plot(this LrSchedule schedule, long? steps = null, double baseLearningRate = 1.0, string? title = null) =>
        SchedulePlotView.Of(schedule, steps, baseLearningRate, title);
}
