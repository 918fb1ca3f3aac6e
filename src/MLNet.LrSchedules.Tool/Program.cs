using MLNet.LrSchedules.Tool;

return await Cli.Root().Parse(args).InvokeAsync();
