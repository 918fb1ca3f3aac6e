using Microsoft.Win32.SafeHandles;
using MLNet.LrSchedules.Tool;

Cli.StandardOutput = () => OperatingSystem.IsWindows()
    ? Console.OpenStandardOutput()
    : new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
return Cli.Run(args);
