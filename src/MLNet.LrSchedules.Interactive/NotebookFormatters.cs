using Microsoft.DotNet.Interactive.Formatting;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Interactive;

/// <summary>
/// Registers the notebook formatters: a schedule displays as a plot of its first steps followed by its text form,
/// a <see cref="TrainingHistory"/> as plots of its loss and learning rate, a <see cref="SchedulePlotView"/> or a
/// <see cref="TrainingPlotView"/> as its charts.
/// </summary>
/// <remarks>
/// Polyglot Notebooks calls <see cref="Register"/> itself when the package is referenced (the package carries an
/// <c>interactive-extensions/dotnet/extension.dib</c>); call it directly elsewhere.
/// </remarks>
public static class NotebookFormatters
{
    /// <summary>Steps plotted for a schedule that has no natural length (1000).</summary>
    public const long DefaultPlotSteps = 1000;

    /// <summary>
    /// Registers the HTML formatters with <see cref="Formatter"/>. Registering again is harmless: the latest
    /// registration wins, so calling it after <c>Formatter.ResetToDefault()</c> restores the plots.
    /// </summary>
    public static void Register()
    {
        Formatter.Register<LrSchedule>((schedule, writer) => writer.Write(SchedulePlotView.Of(schedule).ToHtml()), HtmlFormatter.MimeType);
        Formatter.Register<LrSchedule>((schedule, writer) => writer.Write(schedule.ToString()), PlainTextFormatter.MimeType);
        Formatter.Register<SchedulePlotView>((view, writer) => writer.Write(view.ToHtml()), HtmlFormatter.MimeType);
        Formatter.Register<TrainingPlotView>((view, writer) => writer.Write(view.ToHtml()), HtmlFormatter.MimeType);
        Formatter.Register<TrainingHistory>((history, writer) => writer.Write(TrainingPlotView.Of(history).ToHtml()), HtmlFormatter.MimeType);
        Formatter.Register<TrainingHistory>((history, writer) => writer.Write(TrainingPlotView.Of(history).ToString()), PlainTextFormatter.MimeType);
        foreach (var type in new[] { typeof(LrSchedule), typeof(SchedulePlotView), typeof(TrainingPlotView), typeof(TrainingHistory) })
            Formatter.SetPreferredMimeTypesFor(type, HtmlFormatter.MimeType, PlainTextFormatter.MimeType);
    }
}
