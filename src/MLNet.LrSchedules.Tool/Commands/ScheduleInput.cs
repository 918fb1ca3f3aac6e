using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>Reads a schedule given on the command line as text form, JSON, or a path to a JSON/text file.</summary>
internal static class ScheduleInput
{
    public static LrSchedule Read(string argument)
    {
        string text = argument;
        if (!argument.TrimStart().StartsWith('{') && File.Exists(argument))
            text = File.ReadAllText(argument);
        return text.TrimStart().StartsWith('{')
            ? LrScheduleJson.Deserialize(text)
            : LrScheduleText.Parse(text);
    }
}
