namespace MLNet.LrSchedules.Plotting;

/// <summary>Options for <see cref="SchedulePlot"/>.</summary>
public sealed record SchedulePlotOptions
{
    /// <summary>Image width in pixels.</summary>
    public int Width { get; init; } = 800;

    /// <summary>Image height in pixels.</summary>
    public int Height { get; init; } = 500;

    /// <summary>A title above the plot, or null for none.</summary>
    public string? Title { get; init; }

    /// <summary>Draws the learning rate on a logarithmic (base 10) axis; steps with rate 0 are left out.</summary>
    public bool LogY { get; init; }

    /// <summary>
    /// The most steps evaluated per schedule: runs up to this length are drawn step by step, longer runs at this many
    /// evenly spaced steps (first and last included).
    /// </summary>
    public int MaxPoints { get; init; } = 4000;

    /// <summary>Also draws the momentum (or beta1) on a second axis for schedules that cycle it (OneCycle, Cyclic).</summary>
    public bool ShowMomentum { get; init; }
}

/// <summary>
/// Plots learning-rate schedules over a run: the rate in force at each optimizer step, against the step.
/// Saves PNG or SVG (chosen by the file extension) or renders to bytes for notebooks.
/// </summary>
/// <remarks>
/// Schedules with fractional or open durations are resolved against the run's length first. A reactive schedule
/// is drawn as it would run without any signal; for a run that did receive signals, plot the rates it recorded
/// with <see cref="SaveRates"/> or a <see cref="CurvePlot"/>.
/// </remarks>
public static class SchedulePlot
{
    /// <summary>Saves a plot of <paramref name="schedule"/> over <paramref name="steps"/> optimizer steps; the extension of <paramref name="path"/> picks .png or .svg.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is &lt; 1 or <paramref name="baseLr"/> is negative or not finite.</exception>
    /// <exception cref="ArgumentException">The extension is neither .png nor .svg.</exception>
    public static void Save(LrSchedule schedule, double baseLr, long steps, string path, SchedulePlotOptions? options = null) =>
        Create(schedule, baseLr, steps, options).Save(path);

    /// <summary>Saves one plot of several labelled schedules, for comparison; the extension of <paramref name="path"/> picks .png or .svg.</summary>
    /// <exception cref="ArgumentException">No schedule is given, or the extension is neither .png nor .svg.</exception>
    public static void Save(IReadOnlyList<(string Label, LrSchedule Schedule)> schedules, double baseLr, long steps, string path, SchedulePlotOptions? options = null) =>
        Create(schedules, baseLr, steps, options).Save(path);

    /// <summary>A PNG image of <paramref name="schedule"/> over <paramref name="steps"/> optimizer steps.</summary>
    public static byte[] RenderPng(LrSchedule schedule, double baseLr, long steps, SchedulePlotOptions? options = null) =>
        Create(schedule, baseLr, steps, options).RenderPng();

    /// <summary>A PNG image of several labelled schedules.</summary>
    public static byte[] RenderPng(IReadOnlyList<(string Label, LrSchedule Schedule)> schedules, double baseLr, long steps, SchedulePlotOptions? options = null) =>
        Create(schedules, baseLr, steps, options).RenderPng();

    /// <summary>An SVG document (UTF-8) of <paramref name="schedule"/> over <paramref name="steps"/> optimizer steps.</summary>
    public static byte[] RenderSvg(LrSchedule schedule, double baseLr, long steps, SchedulePlotOptions? options = null) =>
        Create(schedule, baseLr, steps, options).RenderSvg();

    /// <summary>An SVG document (UTF-8) of several labelled schedules.</summary>
    public static byte[] RenderSvg(IReadOnlyList<(string Label, LrSchedule Schedule)> schedules, double baseLr, long steps, SchedulePlotOptions? options = null) =>
        Create(schedules, baseLr, steps, options).RenderSvg();

    /// <summary>
    /// Saves a plot of recorded learning rates, one per step from step 0: a reactive schedule's run, or any
    /// precomputed series.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="rates"/> is empty, or the extension is neither .png nor .svg.</exception>
    public static void SaveRates(IReadOnlyList<double> rates, string path, SchedulePlotOptions? options = null, string label = "learning rate")
    {
        var plot = NewPlot(options);
        plot.Add(label, rates);
        plot.Save(path);
    }

    /// <summary>
    /// The plot of <paramref name="schedule"/> as a <see cref="CurvePlot"/>, to add more series (a loss on the second
    /// axis, say) before saving.
    /// </summary>
    public static CurvePlot Create(LrSchedule schedule, double baseLr, long steps, SchedulePlotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return Create([(schedule.ToString(), schedule)], baseLr, steps, options);
    }

    /// <summary>The plot of several labelled schedules as a <see cref="CurvePlot"/>, to add more series before saving.</summary>
    /// <exception cref="ArgumentException">No schedule is given, or one is null.</exception>
    public static CurvePlot Create(IReadOnlyList<(string Label, LrSchedule Schedule)> schedules, double baseLr, long steps, SchedulePlotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        if (schedules.Count == 0)
            throw new ArgumentException("Parameter 'schedules' must hold at least one schedule; received none.", nameof(schedules));
        options ??= new SchedulePlotOptions();
        var plot = NewPlot(options);
        foreach (var (label, schedule) in schedules)
        {
            if (schedule is null)
                throw new ArgumentException($"Parameter 'schedules' must not contain null; received null for '{label}'.", nameof(schedules));
            var (x, rates, momentum) = Sample(schedule, baseLr, steps, options.MaxPoints, options.ShowMomentum);
            plot.Add(label ?? "", x, rates);
            if (momentum is not null)
            {
                plot.Add(schedules.Count == 1 ? "momentum" : $"{label} momentum", x, momentum, secondaryAxis: true);
                plot.SecondaryYLabel = "momentum";
            }
        }
        return plot;
    }

    /// <summary>
    /// The steps plotted for a run of <paramref name="steps"/> optimizer steps and the learning rate at each:
    /// every step when there are at most <paramref name="maxPoints"/>, else that many evenly spaced steps.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is &lt; 1, <paramref name="maxPoints"/> is &lt; 2, or <paramref name="baseLr"/> is negative or not finite.</exception>
    public static (double[] Steps, double[] Rates) Sample(LrSchedule schedule, double baseLr, long steps, int maxPoints = 4000)
    {
        var (x, rates, _) = Sample(schedule, baseLr, steps, maxPoints, momentum: false);
        return (x, rates);
    }

    private static (double[] X, double[] Rates, double[]? Momentum) Sample(LrSchedule schedule, double baseLr, long steps, int maxPoints, bool momentum)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (steps < 1)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"Parameter 'steps' must be a number of optimizer steps >= 1; received {steps}.");
        if (maxPoints < 2)
            throw new ArgumentOutOfRangeException(nameof(maxPoints), maxPoints, $"Parameter 'maxPoints' must be >= 2; received {maxPoints}.");
        if (!schedule.IsResolved) schedule = schedule.Resolve(steps);
        var momentumSchedule = momentum && schedule is IMomentumSchedule { CyclesMomentum: true } m ? m : null;

        int count = (int)Math.Min(steps, maxPoints);
        var x = new double[count];
        var rates = new double[count];
        var momenta = momentumSchedule is null ? null : new double[count];
        for (int i = 0; i < count; i++)
        {
            long step = count == steps ? i : (long)Math.Round(i * (double)(steps - 1) / (count - 1));
            x[i] = step;
            rates[i] = schedule.GetLearningRate(step, baseLr);
            if (momenta is not null) momenta[i] = momentumSchedule!.GetMomentum(step);
        }
        return (x, rates, momenta);
    }

    private static CurvePlot NewPlot(SchedulePlotOptions? options)
    {
        options ??= new SchedulePlotOptions();
        return new CurvePlot("step", "learning rate")
        {
            Width = options.Width,
            Height = options.Height,
            Title = options.Title,
            LogY = options.LogY,
        };
    }
}
