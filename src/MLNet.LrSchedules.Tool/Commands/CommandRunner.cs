using System.Reflection;
using System.Text.RegularExpressions;
using MLNet.LrSchedules.Serialization;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>
/// A failure the command reports as one line, without a stack trace. Messages follow
/// <c>&lt;file or option&gt;: &lt;what is wrong&gt; (&lt;what was expected&gt;)</c>.
/// </summary>
internal sealed class CommandException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Runs a command body: every failure becomes <c>error: ...</c>, one line on stderr, and exit code 1.</summary>
internal static partial class CommandRunner
{
    /// <summary>Set <c>LRSCHED_DEBUG=1</c> to also print the exception with its stack trace.</summary>
    public static bool Debug => Environment.GetEnvironmentVariable("LRSCHED_DEBUG") == "1";

    public static int Run(Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (Exception e)
        {
            Report(e);
            return 1;
        }
    }

    public static void Report(Exception e)
    {
        Console.Out.Flush();
        Console.Error.WriteLine($"error: {Describe(e)}");
        if (Debug) Console.Error.WriteLine(e);
    }

    /// <summary>One line: the innermost meaningful exception's message, without .NET's parameter and value suffixes.</summary>
    internal static string Describe(Exception e)
    {
        e = Unwrap(e);
        string message = e switch
        {
            // The text parser draws a caret under the position on the following lines; the first line names it.
            LrScheduleFormatException => e.Message.Split('\n')[0],
            CommandException or TorchModelFormatException or IOException or UnauthorizedAccessException => e.Message,
            ArgumentException argument => WithoutSuffixes(argument),
            InvalidOperationException or NotSupportedException or FormatException or OperationCanceledException => e.Message,
            OutOfMemoryException => "out of memory (expected inputs within the documented limits; see README.md)",
            _ => $"internal error: {e.GetType().Name}: {e.Message} (please report it; LRSCHED_DEBUG=1 prints the stack trace)",
        };
        return OneLine(message);
    }

    /// <summary>The message of the exception that carries it (reflection and aggregate wrappers removed), on one line, without .NET's suffixes.</summary>
    internal static string MessageOf(Exception e)
    {
        e = Unwrap(e);
        return OneLine(e is ArgumentException argument ? WithoutSuffixes(argument) : e.Message.Split('\n')[0]);
    }

    private static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case TargetInvocationException { InnerException: { } inner }: e = inner; continue;
                case TypeInitializationException { InnerException: { } inner }: e = inner; continue;
                case AggregateException aggregate when aggregate.InnerExceptions.Count == 1: e = aggregate.InnerExceptions[0]; continue;
                default: return e;
            }
        }
    }

    /// <summary>.NET appends "(Parameter 'x')" and "Actual value was v." to an ArgumentException's message, which ours already names.</summary>
    private static string WithoutSuffixes(ArgumentException e)
    {
        string message = e.Message;
        int actual = message.IndexOf("Actual value was", StringComparison.Ordinal);
        if (actual >= 0) message = message[..actual];
        if (e.ParamName is { } name) message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        return message.TrimEnd();
    }

    private static string OneLine(string message) => Whitespace().Replace(message.Trim(), " ");

    [GeneratedRegex(@"\s*[\r\n]+\s*")]
    private static partial Regex Whitespace();
}
