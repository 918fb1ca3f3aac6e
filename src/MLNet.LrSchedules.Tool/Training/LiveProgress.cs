using System.Globalization;
using MLNet.LrSchedules.Trainers;
using Spectre.Console;

namespace MLNet.LrSchedules.Tool.Training;

/// <summary>Shows training progress: a live Spectre.Console bar on a terminal, a line per epoch otherwise (CI, pipes, tests).</summary>
internal static class LiveProgress
{
    /// <summary>Whether stdout is a terminal that can redraw a progress bar.</summary>
    public static bool Interactive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public static T Run<T>(string title, Func<IProgress<TrainingProgress>, T> body)
    {
        if (!Interactive) return body(new LineProgress(title));
        T result = default!;
        AnsiConsole.MarkupLine(Markup.Escape(title));
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: 1);
                result = body(new BarProgress(task));
                task.Value = task.MaxValue;
                task.StopTask();
            });
        return result;
    }

    internal static string Describe(TrainingProgress p) =>
        string.Create(CultureInfo.InvariantCulture,
            $"epoch {p.Epoch}/{p.Epochs}  step {p.Step}/{p.TotalSteps}  loss {p.Loss:0.0000}  lr {p.LearningRate:0.###e+0}  ETA {Eta(p.Remaining)}");

    private static string Eta(TimeSpan? remaining) => remaining is { } r ? (r.TotalHours >= 1 ? r.ToString(@"h\:mm\:ss") : r.ToString(@"m\:ss")) : "?";

    /// <summary>Step counts completed steps. Called on the training thread after every step; Spectre redraws from its own thread.</summary>
    private sealed class BarProgress(ProgressTask task) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            task.MaxValue = p.TotalSteps;
            task.Value = p.Step;
            task.Description = Markup.Escape(Describe(p));
        }
    }

    /// <summary>One line at the end of each epoch.</summary>
    private sealed class LineProgress(string title) : IProgress<TrainingProgress>
    {
        private TrainingProgress? _last;

        public void Report(TrainingProgress p)
        {
            if (_last is { } last && last.Epoch != p.Epoch) Write(last);
            _last = p;
            if (p.Step >= p.TotalSteps) { Write(p); _last = null; }
        }

        private void Write(TrainingProgress p)
        {
            Console.WriteLine($"{title}  {Describe(p)}");
            Console.Out.Flush();
        }
    }
}
