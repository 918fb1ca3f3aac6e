namespace MLNet.LrSchedules.Serialization;

// Placeholder until the text form lands; replaced by the parser/formatter.
internal static class LrScheduleText
{
    public static string Format(LrSchedule schedule) => schedule.GetType().Name;
}
