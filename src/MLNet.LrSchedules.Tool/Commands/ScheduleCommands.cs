using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MLNet.LrSchedules.Plotting;
using MLNet.LrSchedules.Serialization;
using MLNet.LrSchedules.Tool.Files;

namespace MLNet.LrSchedules.Tool.Commands;

/// <summary>The schedule commands: plot, show and eval.</summary>
internal static class ScheduleCommands
{
    /// <summary>The most rows <c>show</c> prints; more is a job for <c>eval</c>.</summary>
    public const long MaxShowRows = 1_000_000;

    private static Argument<string> ScheduleArgument() => new("schedule")
    {
        Description = "The schedule: text form (e.g. \"warmup(5%) >> cosine(min=1e-5)\"), JSON, or a path to a file holding either (at most 1 MiB).",
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
        var output = new Option<string>("--output", "-o") { Description = "Output file: .png or .svg (written atomically).", DefaultValueFactory = _ => "schedule.png" };
        var logScale = new Option<bool>("--log") { Description = "Logarithmic learning-rate axis." };
        var momentum = new Option<bool>("--momentum") { Description = "Also plot the momentum (or Adam beta1) of schedules that cycle it, on a second axis." };
        var command = new Command("plot", "Plot a schedule's learning rate against step to a PNG or SVG file.") { schedule, baseLr, steps, output, logScale, momentum };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string argument = result.GetValue(schedule)!;
            string path = result.GetValue(output)!;
            using var claim = OutputClaim.Take(
                [ScheduleInput.IsFile(argument) ? new InputFile(argument, "schedule") : null],
                new OutputFile(path, "--output", ".png", ".svg"));
            var s = Prepare(argument, result.GetValue(steps), result.GetValue(baseLr));
            var plot = SchedulePlot.Create(s, result.GetValue(baseLr), result.GetValue(steps), new SchedulePlotOptions { LogY = result.GetValue(logScale), ShowMomentum = result.GetValue(momentum) });
            AtomicFile.WriteAllBytes(path, path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase) ? plot.RenderSvg() : plot.RenderPng());
            Console.WriteLine($"Wrote {Path.GetFullPath(path)}");
        }));
        return command;
    }

    public static Command Show()
    {
        var schedule = ScheduleArgument();
        var baseLr = BaseLrOption();
        var steps = StepsOption(20);
        var every = new Option<long>("--every") { Description = $"Print every k-th step (and the last); at most {MaxShowRows:N0} rows.", DefaultValueFactory = _ => 1 };
        var command = new Command("show", "Print a table of steps and learning rates (and momentum where the schedule cycles it).") { schedule, baseLr, steps, every };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            long n = result.GetValue(steps), k = result.GetValue(every);
            if (k < 1) throw new CommandException($"--every: received {k} (expected an integer >= 1)");
            CheckSteps(n);
            long rows = (n - 1) / k + 1 + ((n - 1) % k == 0 ? 0 : 1);
            if (rows > MaxShowRows)
                throw new CommandException($"--steps {n} with --every {k}: {rows:N0} rows (expected at most {MaxShowRows:N0}: raise --every, or use 'lrsched eval' for every rate)");
            var s = Prepare(result.GetValue(schedule)!, n, result.GetValue(baseLr));
            Console.WriteLine(LrScheduleText.Format(s));
            bool withMomentum = s is IMomentumSchedule { CyclesMomentum: true };
            var output = new StringBuilder();
            output.AppendLine(withMomentum ? $"{"step",10}  {"learning_rate",-24}  momentum" : $"{"step",10}  learning_rate");
            // Each printed step on its own: the cost is the rows printed, however many steps lie between them.
            for (long step = 0; ; step = step <= n - 1 - k ? step + k : n - 1)
            {
                var at = new LrScheduler(s, new LrSchedulerState(result.GetValue(baseLr), step, null));
                string lr = at.LearningRate.ToString("R", CultureInfo.InvariantCulture);
                output.AppendLine(withMomentum ? $"{step,10}  {lr,-24}  {at.Momentum?.ToString("R", CultureInfo.InvariantCulture) ?? "-"}" : $"{step,10}  {lr}");
                if (output.Length > 1 << 16) { Console.Write(output); output.Clear(); }
                if (step == n - 1) break;
            }
            Console.Write(output);
        }));
        return command;
    }

    public static Command Eval()
    {
        var input = new Argument<string>("input")
        {
            Description = $"A file of JSON lines, or '-' for standard input. Each line (at most {InputFiles.MaxJsonLineChars / (1 << 20)} Mi characters): {{\"schedule\": <schedule JSON object or text-form string>, \"baseLr\": x, \"steps\": n in [1, {EvalRequest.MaxSteps}], \"metrics\": [optional per-step values]}}; see docs/schedules.md.",
            DefaultValueFactory = _ => "-",
        };
        var command = new Command("eval", "Evaluate schedules from JSON lines; write one JSON array of the n learning rates per input line, streamed (memory does not grow with n).") { input };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string path = result.GetValue(input)!;
            if (path != "-") InputFiles.RequireFile(path, "JSON lines file", long.MaxValue);
            using var reader = new LineReader(path == "-" ? Console.In : new StreamReader(path, Encoding.UTF8), path == "-" ? "standard input" : path, "JSON line", InputFiles.MaxJsonLineChars);
            Console.Out.Flush();
            using var output = new GuardedOutput(Cli.StandardOutput?.Invoke() ?? new TextWriterStream(Console.Out));
            EvalLines(reader, output);
        }));
        return command;
    }

    /// <summary>
    /// Evaluates every non-blank line, writing one JSON array per line. A line's first MiB is held back until the line is
    /// known to be good, so that a failing request of ordinary size writes nothing; longer lines stream in chunks.
    /// </summary>
    internal static void EvalLines(LineReader reader, Stream output)
    {
        const int chunk = 1 << 20;
        var pending = new MemoryStream();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            int lineNumber = reader.LineNumber;
            pending.SetLength(0);
            try
            {
                var request = EvalRequest.Parse(line);
                line = null; // the request holds what it needs; a 16 MiB line need not stay alive while its rates stream
                using (var writer = new Utf8JsonWriter(pending, new JsonWriterOptions { SkipValidation = true }))
                {
                    writer.WriteStartArray();
                    foreach (double rate in request.Rates())
                    {
                        writer.WriteNumberValue(rate);
                        if (writer.BytesPending >= 1 << 16) writer.Flush();
                        if (pending.Length >= chunk) { output.Write(pending.GetBuffer(), 0, (int)pending.Length); pending.SetLength(0); }
                    }
                    writer.WriteEndArray();
                }
                pending.WriteByte((byte)'\n');
                output.Write(pending.GetBuffer(), 0, (int)pending.Length);
                output.Flush();
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                throw new CommandException($"{reader.Source}: line {lineNumber}: {CommandRunner.Describe(e)}", e);
            }
        }
    }

    private static void CheckSteps(long steps)
    {
        if (steps < 1) throw new CommandException($"--steps: received {steps} (expected an integer >= 1)");
    }

    private static LrSchedule Prepare(string argument, long steps, double baseLr)
    {
        CheckSteps(steps);
        if (!double.IsFinite(baseLr) || baseLr < 0)
            throw new CommandException($"--base-lr: received {baseLr.ToString("R", CultureInfo.InvariantCulture)} (expected a finite number >= 0)");
        var schedule = ScheduleInput.Read(argument);
        return schedule.IsResolved ? schedule : schedule.Resolve(steps);
    }

    /// <summary>Standard output that names itself when it fails (a reader that went away), so that eval stops at once.</summary>
    private sealed class GuardedOutput(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Guard(() => inner.Write(buffer, offset, count));
        public override void Flush() => Guard(inner.Flush);

        private static void Guard(Action write)
        {
            try { write(); }
            catch (IOException e)
            {
                throw new CommandException($"standard output: {e.Message.TrimEnd('.')} (expected it open until the last rate; the reader may have ended)", e);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Bytes of ASCII JSON to a <see cref="TextWriter"/> (stdout, or what tests redirect it to).</summary>
    private sealed class TextWriterStream(TextWriter writer) : Stream
    {
        private char[] _chars = [];

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_chars.Length < count) _chars = new char[Math.Max(count, 1 << 16)];
            int n = Encoding.UTF8.GetChars(buffer, offset, count, _chars, 0);
            writer.Write(_chars, 0, n);
        }

        public override void Flush() => writer.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
