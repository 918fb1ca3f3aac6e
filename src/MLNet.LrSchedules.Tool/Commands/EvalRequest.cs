using System.Text.Json;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>One line of <c>lrsched eval</c>: a schedule, a base rate, a step count and optional per-step metrics.</summary>
internal sealed record EvalRequest(LrSchedule Schedule, double BaseLr, long Steps, double[]? Metrics)
{
    /// <summary>Parses <c>{"schedule": {...} or "text form", "baseLr": x, "steps": n, "metrics": [...]}</c> (<c>base_lr</c> is also read).</summary>
    public static EvalRequest Parse(string line)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(line); }
        catch (JsonException e)
        {
            throw new LrScheduleFormatException($"Malformed JSON: {e.Message}", (int)(e.BytePositionInLine ?? 0), e.LineNumber ?? 0, e.BytePositionInLine ?? 0, e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new ArgumentException($"Each line must be a JSON object with 'schedule', 'baseLr' and 'steps'; received a JSON {root.ValueKind}.");
            if (!root.TryGetProperty("schedule", out var scheduleElement))
                throw new ArgumentException("Property 'schedule' is missing: expected a schedule JSON object or text form.");
            var schedule = scheduleElement.ValueKind == JsonValueKind.String
                ? LrScheduleText.Parse(scheduleElement.GetString()!)
                : LrScheduleJson.Deserialize(scheduleElement.GetRawText());
            double baseLr = Number(root, "baseLr", "base_lr") ?? throw new ArgumentException("Property 'baseLr' is missing: expected a finite number >= 0.");
            double stepsValue = Number(root, "steps") ?? throw new ArgumentException("Property 'steps' is missing: expected an integer >= 1.");
            if (stepsValue < 1 || stepsValue != Math.Floor(stepsValue) || stepsValue > int.MaxValue)
                throw new ArgumentOutOfRangeException("steps", stepsValue, $"Property 'steps' must be an integer in [1, {int.MaxValue}]; received {stepsValue}.");
            double[]? metrics = null;
            if (root.TryGetProperty("metrics", out var m) && m.ValueKind != JsonValueKind.Null)
            {
                if (m.ValueKind != JsonValueKind.Array)
                    throw new ArgumentException($"Property 'metrics' must be an array of numbers; received a JSON {m.ValueKind}.");
                metrics = m.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.Number
                    ? e.GetDouble()
                    : throw new ArgumentException($"Property 'metrics' must hold numbers only; received a JSON {e.ValueKind} at index {i}.")).ToArray();
            }
            return new EvalRequest(schedule, baseLr, (long)stepsValue, metrics);
        }
    }

    private static double? Number(JsonElement root, params string[] names)
    {
        foreach (var name in names)
            if (root.TryGetProperty(name, out var v))
                return v.ValueKind == JsonValueKind.Number
                    ? v.GetDouble()
                    : throw new ArgumentException($"Property '{name}' must be a number; received a JSON {v.ValueKind}.");
        return null;
    }

    /// <summary>The learning rate in force at each step; metrics[i] is reported after step i, to whichever signal the schedule listens to.</summary>
    public double[] Evaluate()
    {
        var scheduler = new LrScheduler(Schedule, BaseLr, Steps);
        var rates = new double[Steps];
        for (long i = 0; i < Steps; i++)
        {
            rates[i] = scheduler.LearningRate;
            if (Metrics is not null && i < Metrics.Length && scheduler.Listens is { } signal)
                scheduler.Report(signal, Metrics[i]);
            scheduler.Advance();
        }
        return rates;
    }
}
