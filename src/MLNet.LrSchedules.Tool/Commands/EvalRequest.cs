using System.Globalization;
using System.Text.Json;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>One line of <c>lrsched eval</c>: a schedule, a base rate, a step count and optional per-step metrics.</summary>
internal sealed record EvalRequest(LrSchedule Schedule, double BaseLr, long Steps, double[]? Metrics)
{
    /// <summary>The largest step count of one line; the rates are streamed, so memory does not grow with it.</summary>
    public const long MaxSteps = int.MaxValue;

    private static readonly string[] Known = ["schedule", "baseLr", "base_lr", "steps", "metrics"];

    /// <summary>
    /// Parses <c>{"schedule": {...} or "text form", "baseLr": x, "steps": n, "metrics": [...]}</c> (<c>base_lr</c> is also read).
    /// Unknown and repeated properties are errors, at any depth.
    /// </summary>
    /// <exception cref="FormatException">The line is not valid or not as expected; the message says what and what was expected.</exception>
    public static EvalRequest Parse(string line)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 256 }); }
        catch (JsonException e)
        {
            throw new FormatException($"malformed JSON: {e.Message.Split(" Path:")[0]} (expected one JSON object per line)", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new FormatException($"a JSON {root.ValueKind} (expected an object with 'schedule', 'baseLr' and 'steps')");
            RejectDuplicates(root, "");
            foreach (var property in root.EnumerateObject())
                if (!Known.Contains(property.Name, StringComparer.Ordinal))
                    throw new FormatException($"unknown property '{property.Name}' (expected only 'schedule', 'baseLr' (or 'base_lr'), 'steps' and 'metrics')");
            if (root.TryGetProperty("baseLr", out _) && root.TryGetProperty("base_lr", out _))
                throw new FormatException("both 'baseLr' and 'base_lr' (expected one of them)");

            if (!root.TryGetProperty("schedule", out var scheduleElement))
                throw new FormatException("no property 'schedule' (expected a schedule JSON object or text form)");
            LrSchedule schedule;
            try
            {
                schedule = scheduleElement.ValueKind switch
                {
                    JsonValueKind.String => LrScheduleText.Parse(scheduleElement.GetString()!),
                    JsonValueKind.Object => LrScheduleJson.Deserialize(scheduleElement.GetRawText()),
                    _ => throw new FormatException($"property 'schedule' is a JSON {scheduleElement.ValueKind} (expected a schedule JSON object or text form)"),
                };
            }
            catch (Exception e) when (e is LrScheduleFormatException or ArgumentException)
            {
                throw new FormatException($"property 'schedule': {Commands.CommandRunner.Describe(e)}", e);
            }

            double baseLr = Number(root, "baseLr") ?? Number(root, "base_lr") ?? throw new FormatException("no property 'baseLr' (expected a finite number >= 0)");
            if (!double.IsFinite(baseLr) || baseLr < 0)
                throw new FormatException($"property 'baseLr' is {Format(baseLr)} (expected a finite number >= 0)");
            if (!root.TryGetProperty("steps", out var stepsElement))
                throw new FormatException($"no property 'steps' (expected an integer in [1, {MaxSteps}])");
            if (stepsElement.ValueKind != JsonValueKind.Number || !stepsElement.TryGetInt64(out long steps) || steps < 1 || steps > MaxSteps)
                throw new FormatException($"property 'steps' is {stepsElement.GetRawText()} (expected an integer in [1, {MaxSteps}])");

            double[]? metrics = null;
            if (root.TryGetProperty("metrics", out var m) && m.ValueKind != JsonValueKind.Null)
            {
                if (m.ValueKind != JsonValueKind.Array)
                    throw new FormatException($"property 'metrics' is a JSON {m.ValueKind} (expected an array of numbers)");
                if (m.GetArrayLength() > steps)
                    throw new FormatException($"property 'metrics' holds {m.GetArrayLength()} values (expected at most one per step: {steps})");
                metrics = m.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.Number
                    ? e.GetDouble()
                    : throw new FormatException($"property 'metrics' holds a JSON {e.ValueKind} at index {i} (expected numbers only)")).ToArray();
            }
            return new EvalRequest(schedule, baseLr, steps, metrics);
        }
    }

    /// <summary>System.Text.Json keeps the last of two equal names; a repeated key is almost always a mistake, so it is an error.</summary>
    private static void RejectDuplicates(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    if (!seen.Add(property.Name))
                        throw new FormatException($"property '{path}{property.Name}' appears twice (expected each property once)");
                    RejectDuplicates(property.Value, $"{path}{property.Name}.");
                }
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in element.EnumerateArray()) RejectDuplicates(item, $"{path}[{i++}].");
                break;
        }
    }

    private static double? Number(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v)) return null;
        return v.ValueKind == JsonValueKind.Number
            ? v.GetDouble()
            : throw new FormatException($"property '{name}' is a JSON {v.ValueKind} (expected a number)");
    }

    /// <summary>Round-trip text; infinities spelled out (the invariant culture writes "∞").</summary>
    private static string Format(double value) => value switch
    {
        double.PositiveInfinity => "Infinity",
        double.NegativeInfinity => "-Infinity",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>The learning rate in force at each step, computed as it is consumed; metrics[i] is reported after step i to whichever signal the schedule listens to.</summary>
    /// <exception cref="FormatException">A rate is not finite (JSON has no infinity).</exception>
    public IEnumerable<double> Rates()
    {
        var scheduler = new LrScheduler(Schedule, BaseLr, Steps);
        for (long i = 0; i < Steps; i++)
        {
            double rate = scheduler.LearningRate;
            if (!double.IsFinite(rate))
                throw new FormatException($"the learning rate at step {i} is {Format(rate)} (expected finite rates: lower 'baseLr' or the schedule's growth)");
            yield return rate;
            if (Metrics is not null && i < Metrics.Length && scheduler.Listens is { } signal)
                scheduler.Report(signal, Metrics[i]);
            scheduler.Advance();
        }
    }
}
