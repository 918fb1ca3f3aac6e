using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLNet.LrSchedules.Serialization;

/// <summary>
/// Writes a <see cref="Duration"/> as an integer (steps), <c>"5%"</c> (fraction) or <c>"rest"</c>, and reads those
/// forms plus a bare non-integer number in (0, 1] as a fraction.
/// </summary>
internal sealed class DurationJsonConverter : JsonConverter<Duration>
{
    public override Duration Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out long steps))
                    return steps >= 0
                        ? Duration.Steps(steps)
                        : throw new JsonException($"A duration must be a step count >= 0, a percentage of the run such as \"5%\", or \"rest\"; received {steps}.");
                double value = reader.GetDouble();
                return value > 0 && value <= 1
                    ? Duration.Fraction(value)
                    : throw new JsonException($"A duration must be a whole step count >= 0, a fraction of the run in (0, 1] or \"rest\"; received {value.ToString("R", CultureInfo.InvariantCulture)}.");
            case JsonTokenType.String:
                string text = reader.GetString()!;
                return Duration.TryParse(text, out var duration)
                    ? duration
                    : throw new JsonException($"A duration must be a step count >= 0, a percentage of the run in (0%, 100%] such as \"5%\", or \"rest\"; received \"{text}\".");
            default:
                throw new JsonException($"A duration must be a step count, a percentage string such as \"5%\", or \"rest\"; received a {reader.TokenType}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, Duration value, JsonSerializerOptions options)
    {
        switch (value.Kind)
        {
            case DurationKind.Steps:
                writer.WriteNumberValue(value.StepCount);
                break;
            case DurationKind.Fraction:
                if (DurationText.TryFormatPercent(value.FractionOfRun, out var percent)) writer.WriteStringValue(percent);
                else writer.WriteNumberValue(value.FractionOfRun);
                break;
            default:
                writer.WriteStringValue("rest");
                break;
        }
    }
}

/// <summary>The text shared by JSON and the text form for durations.</summary>
internal static class DurationText
{
    /// <summary>
    /// The shortest percentage, such as <c>7%</c>, that parses back (as <c>percent / 100</c>) to exactly
    /// <paramref name="fraction"/>; false in the rare case no decimal percentage does.
    /// </summary>
    public static bool TryFormatPercent(double fraction, out string text)
    {
        double percent = fraction * 100;
        // 0.07 * 100 is 7.000000000000001: rounding to fewer decimals first finds the "7%" a person wrote.
        for (int decimals = 0; decimals <= 15; decimals++)
        {
            string candidate = Math.Round(percent, decimals).ToString("R", CultureInfo.InvariantCulture);
            if (ParsesBackTo(candidate, fraction)) { text = candidate + "%"; return true; }
        }
        string shortest = percent.ToString("R", CultureInfo.InvariantCulture);
        if (ParsesBackTo(shortest, fraction)) { text = shortest + "%"; return true; }
        text = "";
        return false;
    }

    /// <summary>The duration's text form: <c>1000</c>, <c>5%</c> (or a bare fraction such as <c>0.05</c>), <c>rest</c>.</summary>
    public static string Format(Duration duration) => duration.Kind switch
    {
        DurationKind.Steps => duration.StepCount.ToString(CultureInfo.InvariantCulture),
        DurationKind.Fraction => TryFormatPercent(duration.FractionOfRun, out var percent)
            ? percent
            : duration.FractionOfRun.ToString("R", CultureInfo.InvariantCulture),
        _ => "rest",
    };

    private static bool ParsesBackTo(string percent, double fraction) =>
        double.TryParse(percent, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
        && parsed > 0 && parsed <= 100 && parsed / 100 == fraction;
}
