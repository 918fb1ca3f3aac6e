using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML;

namespace MLNet.LrSchedules.Benchmarks.Quality;

/// <summary>One row of a results table: its label cells, one value per seed for each metric, and the row it is compared with (paired by seed).</summary>
internal sealed record ResultRow(IReadOnlyList<string> Labels, IReadOnlyList<double[]> Values, int? Reference = null);

/// <summary>Markdown for the generated tables, and where they go.</summary>
internal static class Markdown
{
    public const string Legend = "Cells: mean ± sample standard deviation over the seeds; (k/n) when only k of n seeds have a value. "
        + "▲ / ▼: better / worse than the row's reference by more than two standard errors of the paired (same-seed) difference.";

    public static string Percent(double fraction) => (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    public static string F(double value, string format = "F4") => double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "—";

    public static string Results(IReadOnlyList<string> labelHeaders, IReadOnlyList<Metric> metrics, IReadOnlyList<ResultRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine($"| {string.Join(" | ", labelHeaders.Concat(metrics.Select(m => m.Name)))} |");
        text.AppendLine($"|{string.Concat(labelHeaders.Select(_ => "---|"))}{string.Concat(metrics.Select(_ => "---:|"))}");
        foreach (var row in rows)
        {
            var cells = metrics.Select((metric, i) =>
            {
                string cell = Cell(row.Values[i], metric.Format);
                var difference = row.Reference is { } r ? Difference.Paired(row.Values[i], rows[r].Values[i]) : null;
                if (difference is { ExceedsTwoStandardErrors: true })
                    cell += (difference.Mean > 0) == metric.HigherIsBetter ? " ▲" : " ▼";
                return cell;
            });
            text.AppendLine($"| {string.Join(" | ", row.Labels.Concat(cells))} |");
        }
        return text.ToString();
    }

    /// <summary>Each compared row's paired difference from its reference: mean Δ ± SE, in bold past two standard errors.</summary>
    public static string Differences(IReadOnlyList<string> labelHeaders, IReadOnlyList<Metric> metrics, IReadOnlyList<ResultRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine($"| {string.Join(" | ", labelHeaders.Append("compared with").Concat(metrics.Select(m => "Δ " + m.Name)))} |");
        // Grouped rows leave repeated labels blank in the results table; here each row names its group again.
        text.AppendLine($"|{string.Concat(labelHeaders.Select(_ => "---|"))}---|{string.Concat(metrics.Select(_ => "---:|"))}");
        foreach (var row in rows.Where(r => r.Reference is not null))
        {
            var reference = rows[row.Reference!.Value];
            var cells = metrics.Select((metric, i) => Difference.Paired(row.Values[i], reference.Values[i]) is { } d
                ? (d.ExceedsTwoStandardErrors ? $"**{Signed(d.Mean, metric.Format)} ± {F(d.StandardError, metric.Format)}**" : $"{Signed(d.Mean, metric.Format)} ± {F(d.StandardError, metric.Format)}")
                : "n/a");
            var labels = row.Labels.Select((label, i) => label.Length > 0 ? label : reference.Labels[i]).ToList();
            string comparedWith = string.Join(", ", reference.Labels.Where((label, i) => label.Length > 0 && label != labels[i]));
            text.AppendLine($"| {string.Join(" | ", labels.Append(comparedWith).Concat(cells))} |");
        }
        return text.ToString();
    }

    public static string Cell(IReadOnlyList<double> values, string format)
    {
        var s = Summary.Of(values);
        if (s.Count == 0) return "—";
        string cell = s.Count < 2 ? F(s.Mean, format) : $"{F(s.Mean, format)} ± {F(s.StandardDeviation, format)}";
        return s.Count < s.Total ? $"{cell} ({s.Count}/{s.Total})" : cell;
    }

    public static string Signed(double value, string format) => (value >= 0 ? "+" : "") + F(value, format);

    /// <summary>Replaces the section that starts with <paramref name="section"/>'s first line (up to the next "## " heading) in <paramref name="path"/>, or appends it.</summary>
    public static void WriteSection(string path, string section)
    {
        string heading = section[..section.IndexOf('\n')];
        string existing = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n";
        int start = ("\n" + existing).IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        string updated;
        if (start < 0)
        {
            updated = existing.TrimEnd('\n') + "\n\n" + section;
        }
        else
        {
            int next = existing.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
            updated = existing[..start] + section.TrimEnd('\n') + "\n" + (next < 0 ? "" : existing[next..]);
        }
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, updated.TrimEnd('\n') + "\n");
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>The command and the machine it ran on, with the load average at the start and at the end (timings mean little on a busy machine).</summary>
internal sealed class RunRecord
{
    private readonly DateTime _start = DateTime.UtcNow;
    private readonly string _loadStart = Machine.LoadAverage();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly string _command;

    public RunRecord(CommandLine command)
    {
        _command = command.Echo;
        Console.Error.WriteLine($"{_command}\nload average at start: {_loadStart}");
    }

    public string Describe() =>
        $"Generated by `{_command}` on {_start:yyyy-MM-dd} (UTC {_start:HH:mm}–{DateTime.UtcNow:HH:mm}, {_clock.Elapsed.TotalMinutes:F1} min). "
        + $"Machine: {Machine.Description}; "
        + $"load average (1, 5, 15 min) {_loadStart} at start and {Machine.LoadAverage()} at end. "
        + $".NET {Environment.Version}, ML.NET {VersionOf(typeof(MLContext))}, TorchSharp {VersionOf(typeof(TorchSharp.torch))} (CPU, {TorchSharp.torch.get_num_threads()} torch threads).";

    internal static string VersionOf(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? type.Assembly.GetName().Version?.ToString() ?? "?";
}

/// <summary>The machine a measurement ran on and how busy it was.</summary>
internal static class Machine
{
    /// <summary>CPU model, logical cores and OS.</summary>
    public static string Description => $"{CpuModel()}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}";

    /// <summary>The load average over 1, 5 and 15 minutes, as "1.23 / 2.34 / 3.45".</summary>
    public static string LoadAverage()
    {
        try { return string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ')[..3]); }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }

    /// <summary>The 1-minute load average; NaN when unknown.</summary>
    public static double Load1() =>
        double.TryParse(LoadAverage().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double load) ? load : double.NaN;

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                   ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException) { return RuntimeInformation.ProcessArchitecture.ToString(); }
    }
}
