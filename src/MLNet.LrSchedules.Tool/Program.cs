using MLNet.LrSchedules.Tool;

return Cli.Run(args);
