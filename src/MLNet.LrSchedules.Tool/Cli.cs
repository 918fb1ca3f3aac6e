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
        ExportCommand.Create(),
    };
}
