using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules;

public abstract partial class LrSchedule
{
    /// <summary>
    /// Parses the text form, for example <c>warmup(steps=500) &gt;&gt; cosine_annealing(t_max=rest, eta_min=1e-5)</c>.
    /// </summary>
    /// <exception cref="LrScheduleFormatException">The text is malformed; the exception's position points at the problem.</exception>
    public static LrSchedule Parse(string text) => LrScheduleText.Parse(text);

    /// <summary>Reads a schedule from its JSON form (see <see cref="LrScheduleJson"/>).</summary>
    /// <exception cref="LrScheduleFormatException">The JSON is malformed or holds a value the schedule rejects.</exception>
    public static LrSchedule FromJson(string json) => LrScheduleJson.Deserialize(json);

    /// <summary>The schedule's JSON form, with a top-level <c>"format_version"</c>.</summary>
    public string ToJson(bool indented = false) => LrScheduleJson.Serialize(this, indented);
}
