namespace MLNet.LrSchedules.Tool.Files;

/// <summary>
/// Pause points for the crash tests: with <c>LRSCHED_TEST_PAUSE=&lt;point&gt;</c> the process writes
/// <c>lrsched-test: paused at &lt;point&gt;</c> to stderr and waits there forever, so that a test can kill it at that exact moment.
/// Points: <c>step:N</c> (after optimizer step N, 1-based) and <c>after-rename:NAME</c> (right after the file NAME is in
/// place; the moments during a write are caught by watching for the temporary file instead). A paused process goes on when it receives SIGINT or SIGTERM, so
/// that a test can also interrupt it at that moment. Unset, it costs one string comparison.
/// </summary>
internal static class TestHooks
{
    private static readonly string? Point = Environment.GetEnvironmentVariable("LRSCHED_TEST_PAUSE");
    private static readonly ManualResetEventSlim Released = new();

    public static bool Enabled => Point is not null;

    public static void Pause(string point)
    {
        if (Point is null || !string.Equals(Point, point, StringComparison.Ordinal)) return;
        Console.Out.Flush();
        Console.Error.WriteLine($"lrsched-test: paused at {point}");
        Console.Error.Flush();
        Released.Wait();
    }

    /// <summary>Lets a paused process go on (called when a signal arrives).</summary>
    public static void Release() => Released.Set();
}
