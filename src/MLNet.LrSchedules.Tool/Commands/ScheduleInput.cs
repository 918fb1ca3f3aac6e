using MLNet.LrSchedules.Serialization;
using MLNet.LrSchedules.Tool.Files;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>Reads a schedule given on the command line as text form, JSON, or a path to a JSON/text file (at most 1 MiB).</summary>
internal static class ScheduleInput
{
    /// <summary>Whether <paramref name="argument"/> names a file (which the command then reads, and must not overwrite).</summary>
    public static bool IsFile(string argument) => !argument.TrimStart().StartsWith('{') && (File.Exists(argument) || Directory.Exists(argument));

    public static LrSchedule Read(string argument, string option = "schedule")
    {
        string text = argument;
        string subject = $"{option} '{Shorten(argument)}'";
        if (IsFile(argument))
        {
            text = InputFiles.ReadText(argument, "schedule file (JSON or text form)", InputFiles.MaxScheduleBytes);
            subject = argument;
        }
        try
        {
            return text.TrimStart().StartsWith('{') ? LrScheduleJson.Deserialize(text) : LrScheduleText.Parse(text);
        }
        catch (LrScheduleFormatException e) when (!IsFile(argument) && LooksLikeAPath(argument))
        {
            throw new CommandException($"{argument}: no such file (expected a schedule: an existing JSON or text file, JSON, or text form such as \"cosine(min=1e-5)\")", e);
        }
        catch (Exception e) when (e is LrScheduleFormatException or ArgumentException)
        {
            throw new CommandException($"{subject}: {CommandRunner.Describe(e)}", e);
        }
    }

    /// <summary>Text form never holds a path separator, and a schedule name is never followed by a file extension.</summary>
    private static bool LooksLikeAPath(string argument) =>
        argument.Contains('/') || argument.Contains('\\') || Path.GetExtension(argument.Trim()).ToLowerInvariant() is ".json" or ".txt" or ".sched" or ".schedule";

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
