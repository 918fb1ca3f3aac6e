using System.Globalization;

namespace MLNet.LrSchedules.Benchmarks.Quality;

/// <summary><c>--name value</c> options of one bench command; an unknown name or a missing value is an error that names it.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _values = [];

    public CommandLine(string command, string[] args, params string[] known)
    {
        Command = command;
        Arguments = args;
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!known.Contains(args[i]))
                throw new UsageException($"{command}: unknown option '{args[i]}' (expected {string.Join(", ", known)}).");
            if (i + 1 >= args.Length) throw new UsageException($"{command}: option '{args[i]}' needs a value.");
            _values[args[i]] = args[i + 1];
        }
    }

    public string Command { get; }
    public string[] Arguments { get; }

    /// <summary>The command as typed, for the generated tables.</summary>
    public string Echo => "dotnet run -c Release --project bench/MLNet.LrSchedules.Benchmarks -- " + string.Join(" ",
        new[] { Command }.Concat(Arguments.Select(a => a.Length == 0 || a.Any(c => char.IsWhiteSpace(c) || ";()'\"*>".Contains(c)) ? $"'{a}'" : a)));

    public string? Text(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int fallback, int min = 1) =>
        _values.TryGetValue(name, out var v) ? Checked(name, int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) && x >= min, x, v, $"an integer >= {min}") : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var v) ? Checked(name, double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x), x, v, "a number") : fallback;

    /// <summary>A fraction in (0, 1) (<c>--validation-fraction</c>).</summary>
    public double Fraction(string name, double fallback) =>
        _values.TryGetValue(name, out var v) ? Checked(name, double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && x > 0 && x < 1, x, v, "a number in (0, 1)") : fallback;

    public IReadOnlyList<string> List(string name, IReadOnlyList<string> fallback) =>
        _values.TryGetValue(name, out var v) ? v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : fallback;

    public IReadOnlyList<int> Ints(string name, IReadOnlyList<int> fallback) =>
        _values.TryGetValue(name, out var v)
            ? v.Split(',').Select(s => Checked(name, int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) && x >= 1, x, v, "a comma-separated list of integers >= 1")).ToArray()
            : fallback;

    /// <summary>Seeds 1..n (<c>--seeds n</c>).</summary>
    public IReadOnlyList<int> Seeds(int fallback) => Enumerable.Range(1, Int("--seeds", fallback)).ToArray();

    private T Checked<T>(string name, bool ok, T value, string text, string expected) =>
        ok ? value : throw new UsageException($"{Command}: option '{name}' must be {expected}; received '{text}'.");

    /// <summary>The integer after <paramref name="name"/>, else <paramref name="fallback"/> (for the BenchmarkDotNet-side commands that take free arguments).</summary>
    public static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}

/// <summary>A bad option or option value: reported as one line, without a stack trace.</summary>
internal sealed class UsageException(string message) : Exception(message);
