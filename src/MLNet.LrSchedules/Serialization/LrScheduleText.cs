using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MLNet.LrSchedules.Serialization;

/// <summary>
/// The short text form of schedules: <c>name(positional, key=value)</c>, <c>a &gt;&gt; b</c> (a sequence where
/// <c>a</c> runs for its own length), <c>a * b</c> (product), nested schedules and lists <c>[1, 2, 3]</c>.
/// </summary>
/// <remarks>
/// <para>Grammar: <c>expr := term ('&gt;&gt;' term)*</c>, <c>term := factor ('*' factor)*</c>,
/// <c>factor := name '(' args? ')' | '(' expr ')'</c>. Names are the <see cref="ScheduleTypeAttribute"/> names or
/// aliases (case-insensitive where that is unambiguous). Positional arguments follow the constructor's parameter order;
/// keys are the snake_case JSON names or a parameter's <see cref="ParameterAliasAttribute"/> names, case-insensitive.
/// Missing arguments take the constructor's default values.</para>
/// <para>Values: numbers (<c>1e-5</c>, <c>0.5</c>, <c>-2</c>), integers, <c>true</c>/<c>false</c>, identifiers or
/// quoted strings (enum values such as <c>cos</c> or <c>triangular2</c>), durations (<c>1000</c> steps, <c>5%</c> or a
/// non-integer <c>0.05</c> as a fraction of the run, <c>rest</c>), lists and nested schedules.</para>
/// </remarks>
public static class LrScheduleText
{
    /// <summary>The longest text accepted, in characters.</summary>
    public const int MaxLength = 100_000;

    /// <summary>The deepest nesting of parentheses, lists and schedules accepted.</summary>
    public const int MaxDepth = 64;

    /// <summary>Parses the text form.</summary>
    /// <exception cref="LrScheduleFormatException">The text is malformed; <see cref="LrScheduleFormatException.Position"/> points at the problem.</exception>
    public static LrSchedule Parse(string text)
    {
        if (text is null) throw new LrScheduleFormatException("The schedule text must not be null.", 0, 1, 1);
        if (text.Length > MaxLength)
            throw new LrScheduleFormatException($"The schedule text is {text.Length} characters long; at most {MaxLength} are accepted.", MaxLength, null, null);
        return new TextParser(text, ScheduleRegistry.Default).ParseDocument();
    }

    /// <summary>
    /// The canonical text form of <paramref name="schedule"/>, which <see cref="Parse"/> reads back to an equal schedule:
    /// keyword arguments (but a leading schedule or list of schedules, written unnamed), arguments equal to their default
    /// omitted, <c>a &gt;&gt; b</c> for sequences whose segment lengths are their children's own lengths and <c>a * b</c> for products.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    public static string Format(LrSchedule schedule)
    {
        Check.NotNull(schedule, nameof(schedule));
        var builder = new StringBuilder();
        WriteSchedule(builder, schedule, Context.Argument);
        return builder.ToString();
    }

    // Where a schedule is written decides whether an operator form needs parentheses.
    private enum Context { Argument, ChainOperand, ProductOperand }

    private static void WriteSchedule(StringBuilder builder, LrSchedule schedule, Context context)
    {
        if (schedule is SequenceSchedule sequence && IsChain(sequence))
        {
            WriteOperands(builder, sequence.Schedules, " >> ", Context.ChainOperand, parenthesize: context != Context.Argument);
            return;
        }
        var entry = ScheduleRegistry.Default.Find(schedule.GetType())
            ?? throw new ArgumentException($"Schedule type '{schedule.GetType().Name}' has no [ScheduleType] name, so it has no text form.", nameof(schedule));
        if (ProductFactors(entry, schedule) is { } factors)
        {
            WriteOperands(builder, factors, " * ", Context.ProductOperand, parenthesize: context == Context.ProductOperand);
            return;
        }
        builder.Append(entry.Name).Append('(');
        bool first = true;
        for (int i = 0; i < entry.Parameters.Length; i++)
        {
            var parameter = entry.Parameters[i];
            object? value = parameter.Property.GetValue(schedule);
            // The schedules a combinator wraps read best first and unnamed: min(a, b), clamp(a, max_lr=0.1).
            if (i == 0 && value is LrSchedule single)
            {
                WriteSchedule(builder, single, Context.Argument);
                first = false;
                continue;
            }
            if (i == 0 && value is IReadOnlyList<LrSchedule> { Count: > 0 } several)
            {
                WriteOperands(builder, several, ", ", Context.Argument, parenthesize: false);
                first = false;
                continue;
            }
            if (parameter.HasDefaultValue && SameValue(value, parameter.DefaultValue)) continue;
            if (!first) builder.Append(", ");
            first = false;
            builder.Append(parameter.Name).Append('=');
            WriteValue(builder, value);
        }
        builder.Append(')');
    }

    private static void WriteOperands(StringBuilder builder, IReadOnlyList<LrSchedule> operands, string separator, Context context, bool parenthesize)
    {
        if (parenthesize) builder.Append('(');
        for (int i = 0; i < operands.Count; i++)
        {
            if (i > 0) builder.Append(separator);
            WriteSchedule(builder, operands[i], context);
        }
        if (parenthesize) builder.Append(')');
    }

    /// <summary>
    /// The factors of a registered "product" schedule that <c>a * b</c> rebuilds exactly: its schedules (a list of two
    /// or more, or two schedule parameters) with every other parameter at its default; null otherwise.
    /// </summary>
    private static IReadOnlyList<LrSchedule>? ProductFactors(ScheduleTypeEntry entry, LrSchedule schedule)
    {
        if (entry.Name != TextParser.ProductName) return null;
        var schedules = new List<LrSchedule>();
        int scheduleParameters = 0;
        foreach (var parameter in entry.Parameters)
        {
            object? value = parameter.Property.GetValue(schedule);
            if (value is IReadOnlyList<LrSchedule> list && scheduleParameters == 0) { schedules.AddRange(list); scheduleParameters = 2; }
            else if (value is LrSchedule single && scheduleParameters < 2 && parameter.Type == typeof(LrSchedule)) { schedules.Add(single); scheduleParameters++; }
            else if (!parameter.HasDefaultValue || !SameValue(value, parameter.DefaultValue)) return null;
        }
        return scheduleParameters == 2 && schedules.Count >= 2 ? schedules : null;
    }

    private static bool IsChain(SequenceSchedule sequence)
    {
        if (sequence.Schedules.Count < 2) return false;
        for (int i = 0; i < sequence.Lengths.Count; i++)
            if (sequence.Schedules[i].Length is not { } length || length != sequence.Lengths[i]) return false;
        return true;
    }

    private static bool SameValue(object? value, object? defaultValue) =>
        value is double d && defaultValue is double e ? d.Equals(e) && double.IsNegative(d) == double.IsNegative(e) : Equals(value, defaultValue);

    private static void WriteValue(StringBuilder builder, object? value)
    {
        switch (value)
        {
            case null: builder.Append("none"); break;
            case LrSchedule schedule: WriteSchedule(builder, schedule, Context.Argument); break;
            case Duration duration: builder.Append(DurationText.Format(duration)); break;
            case double d: builder.Append(FormatDouble(d)); break;
            case float f: builder.Append(FormatDouble(f)); break;
            case bool b: builder.Append(b ? "true" : "false"); break;
            case string s: builder.Append(IsIdentifier(s) && !s.Equals("none", StringComparison.OrdinalIgnoreCase) && !s.Equals("null", StringComparison.OrdinalIgnoreCase) ? s : Quote(s)); break;
            case Enum e: builder.Append(JsonNamingPolicy.SnakeCaseLower.ConvertName(e.ToString())); break;
            case IFormattable number: builder.Append(number.ToString(null, CultureInfo.InvariantCulture)); break;
            case IEnumerable list:
                builder.Append('[');
                bool first = true;
                foreach (var item in list)
                {
                    if (!first) builder.Append(", ");
                    first = false;
                    WriteValue(builder, item);
                }
                builder.Append(']');
                break;
            default: builder.Append(Quote(value.ToString() ?? "")); break;
        }
    }

    internal static string FormatDouble(double value) => value switch
    {
        double.PositiveInfinity => "inf",
        double.NegativeInfinity => "-inf",
        _ when double.IsNaN(value) => "nan",
        // 1e-05 rather than 1E-05: the spelling of the Python references.
        _ => value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e'),
    };

    internal static bool IsIdentifier(string s)
    {
        if (s.Length == 0 || !(char.IsAsciiLetter(s[0]) || s[0] == '_')) return false;
        foreach (char c in s) if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return false;
        return true;
    }

    private static string Quote(string s)
    {
        var builder = new StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\t': builder.Append("\\t"); break;
                case '\r': builder.Append("\\r"); break;
                default: builder.Append(c); break;
            }
        }
        return builder.Append('"').ToString();
    }
}
