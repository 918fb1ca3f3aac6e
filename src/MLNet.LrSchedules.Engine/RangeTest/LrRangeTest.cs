namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The learning-rate range test (Smith 2015, "Cyclical Learning Rates for Training Neural Networks"; fastai's <c>lr_find</c>):
/// trains a fresh network while the rate grows exponentially from a start rate to an end rate, records the loss of every
/// step, stops once the loss diverges, and suggests a rate from the curve. In an ML.NET pipeline use the catalogs'
/// <c>FindLearningRate</c> (<c>LrRangeTestCatalog</c> in MLNet.LrSchedules.Trainers).
/// </summary>
/// <remarks>
/// <para>The run uses everything in the settings (network, optimizer and its hyperparameters, batch size, seed, device)
/// except the schedule, base rate, epochs, early stopping and best-weights restoring: the rate of step i is
/// <c>start · (end / start)^(i / (Steps − 1))</c>, the schedule <c>exponential(gamma)</c> on the base rate <c>start</c>.
/// It trains its own network, initialized from the same seed as a real run, and discards it: the range test leaves no trace
/// (a later fit with the same settings is bit-for-bit the fit without the test).</para>
/// <para>The run is driven by the engine's own per-step hooks: the progress report after each step records the loss and
/// decides whether to stop, and stopping cancels the engine before its next step; a NaN or infinite loss is the engine's
/// <see cref="TrainingDivergedException"/>.</para>
/// </remarks>
public static class LrRangeTest
{
    /// <summary>Runs the range test on <paramref name="train"/> with the network and optimizer of <paramref name="settings"/>.</summary>
    /// <param name="settings">The run's settings; the schedule, learning rate, epochs, early stopping and step unit are replaced (see remarks).</param>
    /// <param name="train">The training batches.</param>
    /// <param name="options">The range; null for the defaults (1e-6 to 10 in 200 steps).</param>
    /// <param name="cancellationToken">Checked before every optimizer step.</param>
    /// <returns>The curve and the suggested rates.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="InvalidOperationException">The loss diverged before 2 steps were recorded (lower the start rate).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static LrRangeTestResult Run(EngineSettings settings, IBatchSource train, LrRangeTestOptions? options = null, CancellationToken cancellationToken = default) =>
        Run(settings, train, options, cancellationToken, isCanceled: null);

    /// <summary>As the public overload; <paramref name="isCanceled"/> is asked after every step (ML.NET's <c>CancelExecution</c>), and when true the run throws <see cref="OperationCanceledException"/>.</summary>
    internal static LrRangeTestResult Run(EngineSettings settings, IBatchSource train, LrRangeTestOptions? options, CancellationToken cancellationToken, Func<bool>? isCanceled)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(train);
        options = options?.Clone() ?? new LrRangeTestOptions();
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();

        long rows = train.RowCount ?? train.ReadBatches(settings.BatchSize, 0, settings.Seed, shuffle: false).Sum(b => (long)b.Rows);
        if (rows == 0)
            throw new ArgumentException("Parameter 'train' holds no rows.", nameof(train));
        long batchesPerEpoch = (rows + settings.BatchSize - 1) / settings.BatchSize;
        int epochs = checked((int)((options.Steps + batchesPerEpoch - 1) / batchesPerEpoch));
        var rangeSettings = settings with
        {
            Schedule = LrRangeTestResult.Ramp(options.StartLearningRate, options.EndLearningRate, options.Steps),
            LearningRate = options.StartLearningRate,
            Epochs = epochs,
            StepUnit = ScheduleStepUnit.Step,
            EarlyStoppingPatience = null,
            RestoreBestWeights = false,
        };

        var recorder = new Recorder(options, isCanceled);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        recorder.Stop = stop;
        using var engine = new TrainingEngine(rangeSettings);
        try
        {
            engine.Train(train, validation: null, recorder, logger: null, stop.Token);
        }
        catch (OperationCanceledException) when (recorder.Canceled)
        {
            throw new OperationCanceledException("The learning-rate range test was canceled.");
        }
        catch (OperationCanceledException) when (recorder.StopReason is not null && !cancellationToken.IsCancellationRequested)
        {
            // The recorder stopped the run: the planned steps are done, or the loss diverged.
        }
        catch (TrainingDivergedException diverged)
        {
            recorder.StopReason = LrRangeTestStopReason.NonFiniteLoss;
            recorder.StoppedAtStep = diverged.Step;
        }
        return LrRangeTestResult.Analyze(options, recorder.Rates, recorder.Losses,
            recorder.StopReason ?? LrRangeTestStopReason.Completed, recorder.StoppedAtStep);
    }

    /// <summary>Records each step and decides, after it, whether the run goes on: the engine reports progress synchronously.</summary>
    private sealed class Recorder(LrRangeTestOptions options, Func<bool>? isCanceled) : IProgress<TrainingProgress>
    {
        private double _average;
        private double _betaPower = 1;
        private double _bestSmoothed = double.PositiveInfinity;

        public List<double> Rates { get; } = new(options.Steps);
        public List<double> Losses { get; } = new(options.Steps);
        public CancellationTokenSource? Stop { get; set; }
        public LrRangeTestStopReason? StopReason { get; set; }
        public long? StoppedAtStep { get; set; }
        public bool Canceled { get; private set; }

        public void Report(TrainingProgress value)
        {
            if (StopReason is not null || Canceled) return;
            if (isCanceled?.Invoke() == true)
            {
                Canceled = true;
                Stop!.Cancel();
                return;
            }
            Rates.Add(value.LearningRate);
            Losses.Add(value.Loss);
            // Same average as LrRangeTestResult.Smooth, kept incrementally to decide at once.
            _average = options.Smoothing * _average + (1 - options.Smoothing) * value.Loss;
            _betaPower *= options.Smoothing;
            double smoothed = _average / (1 - _betaPower);
            _bestSmoothed = Math.Min(_bestSmoothed, smoothed);
            if (options.StopOnDivergence && smoothed > options.DivergenceThreshold * _bestSmoothed)
            {
                StopReason = LrRangeTestStopReason.Diverged;
                StoppedAtStep = Rates.Count - 1;
                Stop!.Cancel();
            }
            else if (Rates.Count >= options.Steps)
            {
                StopReason = LrRangeTestStopReason.Completed;
                Stop!.Cancel();
            }
        }
    }
}
