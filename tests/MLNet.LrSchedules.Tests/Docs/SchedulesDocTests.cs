using System.Text.Json;
using System.Text.RegularExpressions;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Tests.Docs;

/// <summary>
/// Keeps docs/schedules.md accurate by construction: every registered type has a section naming all its JSON
/// parameters, every example parses, and the generated reference matches the code.
/// </summary>
/// <remarks>Set LRSCHED_UPDATE_DOCS=1 to rewrite the generated reference in place, then review the diff.</remarks>
[TestClass]
public sealed partial class SchedulesDocTests
{
    private static readonly Lazy<string> Doc = new(() => File.ReadAllText(DocPath).Replace("\r\n", "\n"));

    private static string DocPath => Path.Combine(RepositoryRoot(), "docs", "schedules.md");

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "MLNet.LrSchedules.sln")))
                return directory.FullName;
        throw new InvalidOperationException($"No MLNet.LrSchedules.sln above {AppContext.BaseDirectory}: the docs tests run from the repository's build output.");
    }

    /// <summary>The text of the section headed <c>### `name`</c>, up to the next heading of level 3 or above.</summary>
    private static string? Section(string doc, string name)
    {
        var heading = Regex.Match(doc, $"^### `{Regex.Escape(name)}`[^\\n]*$", RegexOptions.Multiline);
        if (!heading.Success) return null;
        int start = heading.Index + heading.Length;
        var next = NextHeading().Match(doc, start);
        return doc[start..(next.Success ? next.Index : doc.Length)];
    }

    private static IEnumerable<(string Code, int Line)> Blocks(string doc, string language)
    {
        foreach (Match block in Fence().Matches(doc))
            if (block.Groups["lang"].Value == language)
                yield return (block.Groups["code"].Value, doc[..block.Index].Count(c => c == '\n') + 1);
    }

    [TestMethod]
    public void EveryRegisteredType_HasASection_NamingEveryJsonParameter()
    {
        var problems = new List<string>();
        foreach (var entry in ScheduleRegistry.Default.Entries)
        {
            if (Section(Doc.Value, entry.Name) is not { } section)
            {
                problems.Add($"'{entry.Name}' ({entry.Type.Name}) has no '### `{entry.Name}`' section");
                continue;
            }
            foreach (var parameter in entry.Parameters)
                if (!section.Contains($"`{parameter.Name}`", StringComparison.Ordinal))
                    problems.Add($"the section of '{entry.Name}' does not mention its parameter `{parameter.Name}`");
        }
        Assert.IsEmpty(problems, string.Join("\n", problems));
    }

    [TestMethod]
    public void EveryScheduleSection_HasAJsonAndATextExample_OfItsOwnType()
    {
        var problems = new List<string>();
        foreach (var entry in ScheduleRegistry.Default.Schedules)
        {
            if (Section(Doc.Value, entry.Name) is not { } section) continue; // reported by the test above
            if (!Blocks(section, "json").Any(b => LrScheduleJson.Deserialize(b.Code).GetType() == entry.Type))
                problems.Add($"the section of '{entry.Name}' has no ```json example whose type is {entry.Name}");
            if (!Blocks(section, "text").SelectMany(b => TextLines(b.Code)).Any(l => Contains(LrScheduleText.Parse(l.Text), entry.Type)))
                problems.Add($"the section of '{entry.Name}' has no ```text example that builds a {entry.Name}");
        }
        Assert.IsEmpty(problems, string.Join("\n", problems));
    }

    [TestMethod]
    public void EveryJsonExample_Deserializes()
    {
        var blocks = Blocks(Doc.Value, "json").ToArray();
        Assert.IsGreaterThanOrEqualTo(ScheduleRegistry.Default.Entries.Count, blocks.Length, "fewer JSON examples than registered types");
        var problems = new List<string>();
        foreach (var (code, line) in blocks)
        {
            try
            {
                using var document = JsonDocument.Parse(code);
                if (document.RootElement.TryGetProperty("base_learning_rate", out _))
                    LrScheduleJson.DeserializeState(code);
                else
                    LrScheduleJson.Deserialize(code);
            }
            catch (Exception e) when (e is JsonException or LrScheduleFormatException)
            {
                problems.Add($"docs/schedules.md line {line}: {e.Message}");
            }
        }
        Assert.IsEmpty(problems, string.Join("\n", problems));
    }

    [TestMethod]
    public void EveryTextExample_Parses()
    {
        var lines = Blocks(Doc.Value, "text").SelectMany(b => TextLines(b.Code).Select(l => (l.Text, Line: b.Line + l.Offset))).ToArray();
        Assert.IsGreaterThanOrEqualTo(ScheduleRegistry.Default.Schedules.Count(), lines.Length, "fewer text examples than registered schedules");
        var problems = new List<string>();
        foreach (var (text, line) in lines)
        {
            try { LrScheduleText.Parse(text); }
            catch (LrScheduleFormatException e) { problems.Add($"docs/schedules.md line {line}: {e.Message}"); }
        }
        Assert.IsEmpty(problems, string.Join("\n", problems));
    }

    /// <summary>The <c>lrsched eval</c> examples: each line an object whose "schedule" is JSON or text form.</summary>
    [TestMethod]
    public void EveryEvalExampleLine_HoldsAValidSchedule()
    {
        var blocks = Blocks(Doc.Value, "jsonl").ToArray();
        Assert.IsNotEmpty(blocks, "no ```jsonl example of lrsched eval");
        var problems = new List<string>();
        foreach (var (code, line) in blocks)
        {
            foreach (var (text, offset) in TextLines(code))
            {
                try
                {
                    using var document = JsonDocument.Parse(text);
                    var root = document.RootElement;
                    var schedule = root.GetProperty("schedule");
                    var parsed = schedule.ValueKind == JsonValueKind.String
                        ? LrScheduleText.Parse(schedule.GetString()!)
                        : LrScheduleJson.Deserialize(schedule.GetRawText());
                    // As lrsched eval reads a line (EvalRequest): "baseLr" or "base_lr", whole "steps", numeric "metrics".
                    double baseLr = (root.TryGetProperty("baseLr", out var b) ? b : root.GetProperty("base_lr")).GetDouble();
                    long steps = root.GetProperty("steps").GetInt64();
                    double[] metrics = root.TryGetProperty("metrics", out var m) ? m.EnumerateArray().Select(e => e.GetDouble()).ToArray() : [];
                    var scheduler = new LrScheduler(parsed, baseLr, steps);
                    for (long i = 0; i < steps; i++)
                    {
                        Assert.IsGreaterThanOrEqualTo(0, scheduler.LearningRate);
                        if (i < metrics.Length && scheduler.Listens is { } signal) scheduler.Report(signal, metrics[i]);
                        scheduler.Advance();
                    }
                }
                catch (Exception e) when (e is JsonException or LrScheduleFormatException or KeyNotFoundException or InvalidOperationException or ArgumentException)
                {
                    problems.Add($"docs/schedules.md line {line + offset}: {e.Message}");
                }
            }
        }
        Assert.IsEmpty(problems, string.Join("\n", problems));
    }

    [TestMethod]
    public void GeneratedReference_MatchesTheCode()
    {
        string doc = Doc.Value;
        int begin = doc.IndexOf(ScheduleReferenceGenerator.BeginMarker, StringComparison.Ordinal);
        int end = doc.IndexOf(ScheduleReferenceGenerator.EndMarker, StringComparison.Ordinal);
        Assert.IsTrue(begin >= 0 && end > begin, "docs/schedules.md lacks the generated-reference markers");
        string committed = doc[begin..(end + ScheduleReferenceGenerator.EndMarker.Length)];
        string generated = ScheduleReferenceGenerator.Generate();
        if (committed == generated) return;
        if (Environment.GetEnvironmentVariable("LRSCHED_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(DocPath, doc[..begin] + generated + doc[(end + ScheduleReferenceGenerator.EndMarker.Length)..]);
            return;
        }
        int at = 0;
        while (at < committed.Length && at < generated.Length && committed[at] == generated[at]) at++;
        Assert.Fail($"The generated reference in docs/schedules.md is out of date (first difference at line " +
            $"{doc[..(begin + at)].Count(c => c == '\n') + 1}): run the Docs tests with LRSCHED_UPDATE_DOCS=1 and review the diff.\n" +
            $"committed: {Excerpt(committed, at)}\ngenerated: {Excerpt(generated, at)}");
    }

    [TestMethod]
    public void Generator_ListsEveryRegisteredType()
    {
        var listed = ScheduleReferenceGenerator.Families.SelectMany(f => f.Types.Select(t => t.Name))
            .Concat(ScheduleReferenceGenerator.States.Select(s => s.Name)).ToHashSet(StringComparer.Ordinal);
        var missing = ScheduleRegistry.Default.Entries.Select(e => e.Name).Where(n => !listed.Contains(n)).ToArray();
        Assert.IsEmpty(missing, "add these types to ScheduleReferenceGenerator.Families or States: " + string.Join(", ", missing));
    }

    private static string Excerpt(string text, int at) =>
        text.Substring(Math.Max(0, at - 40), Math.Min(text.Length - Math.Max(0, at - 40), 120)).Replace("\n", "\\n");

    /// <summary>The non-blank lines of a block that are not comments (<c>#</c>), with their offset in the block.</summary>
    private static IEnumerable<(string Text, int Offset)> TextLines(string code) =>
        code.Split('\n').Select((text, i) => (Text: text.Trim(), Offset: i + 1))
            .Where(l => l.Text.Length > 0 && !l.Text.StartsWith('#'));

    private static bool Contains(LrSchedule schedule, Type type) =>
        schedule.GetType() == type
        || schedule switch
        {
            SequenceSchedule s => s.Schedules.Any(c => Contains(c, type)),
            ProductSchedule p => p.Schedules.Any(c => Contains(c, type)),
            MinSchedule m => m.Schedules.Any(c => Contains(c, type)),
            MaxSchedule m => m.Schedules.Any(c => Contains(c, type)),
            ClampSchedule c => Contains(c.Schedule, type),
            _ => false,
        };

    [GeneratedRegex(@"^#{1,3} ", RegexOptions.Multiline)]
    private static partial Regex NextHeading();

    [GeneratedRegex(@"^```(?<lang>[a-z]*)\n(?<code>.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();
}
