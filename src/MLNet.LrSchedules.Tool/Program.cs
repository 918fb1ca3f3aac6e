using System.CommandLine;
using MLNet.LrSchedules.Tool.Commands;

var root = new RootCommand("lrsched: learning-rate schedules for ML.NET — plot, show and evaluate schedules.")
{
    ScheduleCommands.Plot(),
    ScheduleCommands.Show(),
    ScheduleCommands.Eval(),
};
return await root.Parse(args).InvokeAsync();
