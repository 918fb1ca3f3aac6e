using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MLNet.LrSchedules.Plotting;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>The schedule commands: plot, show and eval.</summary>
internal static class ScheduleCommands
{
    private static Argument<string> ScheduleArgument() => new("schedule")
    {
        Description = "The schedule: text form (e.g. \"warmup(5%) >> cosine(min=1e-5)\"), JSON, or a path to a file holding either.",
    };

    private static Option<double> BaseLrOption() => new("--base-lr")
    {
        Description = "The optimizer's base learning rate.",
        DefaultValueFactory = _ => 0.1,
    };

    private static Option<long> StepsOption(long defaultSteps) => new("--steps")
    {
        Description = "Number of optimizer steps (also resolves durations given as a fraction of the run or left open).",
        DefaultValueFactory = _ => defaultSteps,
    };

    public static Command Plot()
    {
        var schedule = ScheduleArgument();
        var baseLr = BaseLrOption();
        var steps = StepsOption(1000);
        var output = new Option<string>("--output", "-o") { Description = "Output file: .png or .svg.", DefaultValueFactory = _ => "schedule.png" };
        var logScale = new Option<bool>("--log") { Description = "Logarithmic learning-rate axis." };
        var momentum = new Option<bool>("--momentum") { Description = "Also plot the momentum (or Adam beta1) of schedules that cycle it, on a second axis." };
        var command = new Command("plot", "Plot a schedule's learning rate against step to a PNG or SVG file.") { schedule, baseLr, steps, output, logScale, momentum };
        command.SetAction(result => Run(() =>
        {
            var s = Prepare(result.GetValue(schedule)!, result.GetValue(steps), result.GetValue(baseLr));
            string path = result.GetValue(output)!;
            SchedulePlot.Save(s, result.GetValue(baseLr), result.GetValue(steps), path, new SchedulePlotOptions { LogY = result.GetValue(logScale), ShowMomentum = result.GetValue(momentum) });
            Console.WriteLine($"Wrote {Path.GetFullPath(path)}");
        }));
        return command;
    }

    public static Command Show()
    {
        var schedule = ScheduleArgument();
        var baseLr = BaseLrOption();
        var steps = StepsOption(20);
        var every = new Option<long>("--every") { Description = "Print every k-th step.", DefaultValueFactory = _ => 1 };
        var command = new Command("show", "Print a table of steps and learning rates (and momentum where the schedule cycles it).") { schedule, baseLr, steps, every };
        command.SetAction(result => Run(() =>
        {
            long n = result.GetValue(steps), k = result.GetValue(every);
            if (k < 1) throw new ArgumentOutOfRangeException("--every", k, $"Option '--every' must be an integer >= 1; received {k}.");
            var s = Prepare(result.GetValue(schedule)!, n, result.GetValue(baseLr));
            Console.WriteLine(LrScheduleText.Format(s));
            var momentum = s as IMomentumSchedule;
            bool withMomentum = momentum is { CyclesMomentum: true };
            Console.WriteLine(withMomentum ? $"{"step",10}  {"learning_rate",-24}  momentum" : $"{"step",10}  learning_rate");
            var scheduler = new LrScheduler(s, result.GetValue(baseLr));
            for (long step = 0; step < n; step++, scheduler.Advance())
            {
                if (step % k != 0 && step != n - 1) continue;
                string lr = scheduler.LearningRate.ToString("R", CultureInfo.InvariantCulture);
                Console.WriteLine(withMomentum
                    ? $"{step,10}  {lr,-24}  {scheduler.Momentum!.Value.ToString("R", CultureInfo.InvariantCulture)}"
                    : $"{step,10}  {lr}");
            }
        }));
        return command;
    }

    public static Command Eval()
    {
        var input = new Argument<string>("input")
        {
            Description = "A file of JSON lines, or '-' for standard input. Each line: {\"schedule\": <schedule JSON object or text-form string>, \"baseLr\": x, \"steps\": n, \"metrics\": [optional per-step values]}; see docs/schedules.md.",
            DefaultValueFactory = _ => "-",
        };
        var command = new Command("eval", "Evaluate schedules from JSON lines; write one JSON array of the n learning rates per input line.") { input };
        command.SetAction(result => Run(() =>
        {
            string path = result.GetValue(input)!;
            using TextReader reader = path == "-" ? Console.In : new StreamReader(path);
            EvalLines(reader, Console.Out);
        }));
        return command;
    }

    /// <summary>Evaluates every non-blank JSON line of <paramref name="reader"/>, writing one array per line to <paramref name="writer"/> (stdout, or what tests redirect it to).</summary>
    internal static void EvalLines(TextReader reader, TextWriter writer)
    {
        using var buffer = new MemoryStream();
        EvalLines(reader, buffer, () =>
        {
            writer.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            writer.Flush();
            buffer.SetLength(0);
        });
    }

    /// <summary>Evaluates every non-blank JSON line of <paramref name="reader"/>, writing one array per line.</summary>
    internal static void EvalLines(TextReader reader, Stream output, Action? lineWritten = null)
    {
        int lineNumber = 0;
        string? line;
        var newline = Encoding.UTF8.GetBytes("\n");
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            double[] rates;
            try { rates = EvalRequest.Parse(line).Evaluate(); }
            catch (Exception e) when (e is LrScheduleFormatException or ArgumentException or InvalidOperationException)
            {
                throw new CommandException($"line {lineNumber}: {e.Message}", e);
            }
            using (var writer = new Utf8JsonWriter(output))
            {
                writer.WriteStartArray();
                foreach (double r in rates) writer.WriteNumberValue(r);
                writer.WriteEndArray();
            }
            output.Write(newline);
            output.Flush();
            lineWritten?.Invoke();
        }
    }

    private static LrSchedule Prepare(string argument, long steps, double baseLr)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException("--steps", steps, $"Option '--steps' must be an integer >= 1; received {steps}.");
        if (!double.IsFinite(baseLr) || baseLr < 0) throw new ArgumentOutOfRangeException("--base-lr", baseLr, $"Option '--base-lr' must be a finite number >= 0; received {baseLr.ToString("R", CultureInfo.InvariantCulture)}.");
        var schedule = ScheduleInput.Read(argument);
        return schedule.IsResolved ? schedule : schedule.Resolve(steps);
    }

    /// <summary>Runs a command body, turning expected failures into a message on stderr and exit code 1.</summary>
    private static int Run(Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (Exception e) when (e is CommandException or LrScheduleFormatException or ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}

/// <summary>A failure the command reports as a message, without a stack trace.</summary>
internal sealed class CommandException(string message, Exception? inner = null) : Exception(message, inner);
