using System.CommandLine;
using System.Text.RegularExpressions;
using MLNet.LrSchedules.Tool.Commands;

namespace MLNet.LrSchedules.Tool;

/// <summary>The lrsched command tree (built here so that tests can run it in-process).</summary>
internal static class Cli
{
    public static RootCommand Root() => new("lrsched: learning-rate schedules for ML.NET — plot, show and evaluate schedules; train, inspect, retrain and compare models.")
    {
        ScheduleCommands.Plot(),
        ScheduleCommands.Show(),
        ScheduleCommands.Eval(),
        TrainCommands.Train(),
        InspectCommand.Create(),
        TrainCommands.Retrain(),
        TrainCommands.Compare(),
        FindLrCommand.Create(),
        ExportCommand.Create(),
    };

    /// <summary>
    /// Where <c>eval</c> writes its rates. The process entry point sets the raw standard output: unlike
    /// <see cref="Console.Out"/>, which ignores a closed pipe, it fails when the reader is gone (<c>lrsched eval | head</c>),
    /// so that eval stops instead of computing billions of rates for nobody. Tests keep the redirected <see cref="Console.Out"/>.
    /// </summary>
    public static Func<Stream>? StandardOutput { get; set; }

    /// <summary>Parses and runs; a command line that does not parse is one error line (the first problem) and exit code 1, not the help text.</summary>
    public static int Run(string[] args)
    {
        var parsed = Root().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            string command = parsed.CommandResult.Command is RootCommand ? "lrsched" : $"lrsched {parsed.CommandResult.Command.Name}";
            var first = parsed.Errors.OrderBy(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal) ? 0 : 1).First();
            CommandRunner.Report(new CommandException(Rephrase(first.Message, command)));
            return 1;
        }
        return parsed.Invoke();
    }

    /// <summary>System.CommandLine names .NET types ("System.Nullable`1[System.Int32]"); say what is expected instead.</summary>
    private static string Rephrase(string message, string command)
    {
        var match = Regex.Match(message, @"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'");
        if (!match.Success) return $"{message.TrimEnd('.')} (see '{command} --help')";
        string type = match.Groups["type"].Value;
        var enumType = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(type)).FirstOrDefault(t => t is { IsEnum: true });
        string expected = enumType is not null ? $"one of {string.Join(", ", Enum.GetNames(enumType))}"
            : type.Contains("Int", StringComparison.Ordinal) ? "an integer"
            : type.Contains("Double", StringComparison.Ordinal) ? "a number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : $"a value of type {type}";
        return $"{match.Groups["option"].Value}: received '{match.Groups["value"].Value}' (expected {expected}; see '{command} --help')";
    }
}
