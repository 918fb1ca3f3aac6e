using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace MLNet.LrSchedules.Tool.Tests;

/// <summary>lrsched as a child process (the built lrsched.dll run by dotnet), for what only a real process shows: kills, signals, locks, memory.</summary>
internal sealed class LrSchedProcess : IDisposable
{
    public const int SIGKILL = 9, SIGTERM = 15, SIGCONT = 18, SIGSTOP = 19;

    private readonly Process _process;
    private readonly StringBuilder _out = new(), _err = new();
    private readonly object _gate = new();

    private LrSchedProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public string Out { get { lock (_gate) return _out.ToString(); } }

    public string Err { get { lock (_gate) return _err.ToString(); } }

    /// <summary>Starts <c>dotnet lrsched.dll args</c>, with LRSCHED_TEST_PAUSE set to <paramref name="pause"/> when given.</summary>
    public static LrSchedProcess Start(string? pause, params string[] args) => Launch(pause, captureOutput: true, args);

    /// <summary>Starts lrsched with these environment variables set (a null value removes the variable).</summary>
    public static LrSchedProcess StartWith(IReadOnlyDictionary<string, string?> environment, params string[] args) => Launch(null, captureOutput: true, args, environment);

    /// <summary>Starts lrsched with its standard output left to the test (<see cref="StandardOutputStream"/>), for output too large to keep.</summary>
    public static LrSchedProcess StartStreaming(params string[] args) => Launch(null, captureOutput: false, args);

    private static LrSchedProcess Launch(string? pause, bool captureOutput, string[] args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lrsched.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment.Remove("LRSCHED_DEBUG");
        if (pause is not null) info.Environment["LRSCHED_TEST_PAUSE"] = pause;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        var process = new Process { StartInfo = info };
        var child = new LrSchedProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (child._gate) child._out.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (child._gate) child._err.AppendLine(e.Data); };
        process.Start();
        if (captureOutput) process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs to the end (or fails the test after <paramref name="timeoutSeconds"/>).</summary>
    public static (int Exit, string Out, string Err) Run(int timeoutSeconds, params string[] args)
    {
        using var child = Start(null, args);
        int exit = child.WaitForExit(timeoutSeconds);
        return (exit, child.Out, child.Err);
    }

    /// <summary>Waits until the process has paused at its LRSCHED_TEST_PAUSE point.</summary>
    public void WaitForPause(int timeoutSeconds = 120)
    {
        if (!WaitFor(() => Err.Contains("lrsched-test: paused at", StringComparison.Ordinal), timeoutSeconds))
            Assert.Fail($"lrsched did not reach its pause point in {timeoutSeconds} s.\nstdout: {Out}\nstderr: {Err}");
    }

    public bool WaitFor(Func<bool> condition, int timeoutSeconds)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited && !condition()) return false;
            if (clock.Elapsed.TotalSeconds > timeoutSeconds) return false;
            Thread.Sleep(20);
        }
        return true;
    }

    public int WaitForExit(int timeoutSeconds = 120)
    {
        if (!_process.WaitForExit(timeoutSeconds * 1000))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"lrsched did not end within {timeoutSeconds} s.\nstdout: {Out}\nstderr: {Err}");
        }
        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    /// <summary>Sends a POSIX signal (SIGKILL, SIGTERM, SIGSTOP, SIGCONT).</summary>
    public void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0) Assert.Fail($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>SIGKILL, and wait until the OS has reaped the process (its locks released).</summary>
    public void Kill()
    {
        Signal(SIGKILL);
        _process.WaitForExit();
    }

    /// <summary>The resident memory of the process in bytes (Linux /proc).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return -1;
    }

    public Stream StandardOutputStream => _process.StandardOutput.BaseStream;

    public StreamWriter Input => _process.StandardInput;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
