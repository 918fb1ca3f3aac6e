using System.CommandLine;
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
    };

    /// <summary>Parses and runs; a command line that does not parse is one error line (the first problem) and exit code 1, not the help text.</summary>
    public static int Run(string[] args)
    {
        var parsed = Root().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            string command = parsed.CommandResult.Command is RootCommand ? "lrsched" : $"lrsched {parsed.CommandResult.Command.Name}";
            CommandRunner.Report(new CommandException($"{parsed.Errors[0].Message.TrimEnd('.')} (see '{command} --help')"));
            return 1;
        }
        return parsed.Invoke();
    }
}
