namespace MLNet.LrSchedules.Tool.Tests;

/// <summary>Runs lrsched in-process with stdout and stderr captured.</summary>
internal static class LrSched
{
    private static readonly object Gate = new();

    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        lock (Gate)
        {
            var (stdout, stderr) = (Console.Out, Console.Error);
            using var output = new StringWriter();
            using var error = new StringWriter();
            Console.SetOut(output);
            Console.SetError(error);
            try
            {
                int exit = Cli.Run(args);
                return (exit, output.ToString(), error.ToString());
            }
            finally
            {
                Console.SetOut(stdout);
                Console.SetError(stderr);
            }
        }
    }

    public static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "lrsched-tool-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void AssertPng(string path)
    {
        Assert.IsTrue(File.Exists(path), $"{path} was not written");
        var bytes = File.ReadAllBytes(path);
        Assert.IsGreaterThan(1000, bytes.Length);
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }

    /// <summary>One clear line, no stack trace.</summary>
    public static void AssertError((int Exit, string Out, string Err) result, string expected)
    {
        Assert.AreEqual(1, result.Exit, $"stdout: {result.Out}\nstderr: {result.Err}");
        Assert.StartsWith("error: ", result.Err);
        Assert.Contains(expected, result.Err);
        Assert.DoesNotContain("   at ", result.Err);
    }
}
