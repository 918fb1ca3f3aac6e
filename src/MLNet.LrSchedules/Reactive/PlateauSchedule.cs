namespace MLNet.LrSchedules;

/// <summary>Whether a <see cref="PlateauSchedule"/>'s metric improves by going down or up.</summary>
public enum PlateauMode
{
    /// <summary>Lower is better (a loss).</summary>
    Min,
    /// <summary>Higher is better (an accuracy).</summary>
    Max,
}

/// <summary>How a <see cref="PlateauSchedule"/> decides that a metric improved significantly.</summary>
public enum PlateauThresholdMode
{
    /// <summary>Relative: better than <c>best · (1 ∓ threshold)</c>.</summary>
    Rel,
    /// <summary>Absolute: better than <c>best ∓ threshold</c>.</summary>
    Abs,
}

/// <summary>
/// Multiplies the rate by <c>factor</c> (never below <c>min_lr</c>) once the metric has not improved for more than
/// <c>patience</c> reports: <c>lr ← max(lr · factor, min_lr)</c>, applied only when it lowers the rate by more than <c>eps</c>.
/// PyTorch <c>ReduceLROnPlateau(mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps)</c>.
/// </summary>
/// <remarks>
/// <para>Listens to <see cref="ScheduleSignal.Metric"/>. On each report, exactly as PyTorch 2.11's <c>step(metrics)</c>:
/// the metric is better when it is below <c>best · (1 − threshold)</c> (min, rel), below <c>best − threshold</c> (min, abs),
/// above <c>best · (1 + threshold)</c> (max, rel) or above <c>best + threshold</c> (max, abs); a better metric becomes the
/// best and clears the bad count, any other adds one. During cooldown the cooldown counter counts down and bad reports
/// are forgotten. When the bad count exceeds <c>patience</c> the rate is reduced, cooldown restarts and the count clears.</para>
/// <para>The first report always improves on the initial best (+∞ for min, −∞ for max).</para>
/// </remarks>
[ScheduleType("plateau", "ReduceLROnPlateau", "reduce_lr_on_plateau")]
public sealed class PlateauSchedule : ReactiveLrSchedule
{
    /// <summary>Creates a plateau schedule; defaults are PyTorch's.</summary>
    /// <param name="mode">Min: lower metrics are better; Max: higher are better.</param>
    /// <param name="factor">The multiplier applied on a plateau, in [0, 1).</param>
    /// <param name="patience">How many reports without improvement are tolerated, &gt;= 0.</param>
    /// <param name="threshold">How much better a metric must be to count as an improvement, finite and &gt;= 0.</param>
    /// <param name="thresholdMode">Whether <paramref name="threshold"/> is relative to the best or absolute.</param>
    /// <param name="cooldown">Reports to wait after a reduction before counting bad reports again, &gt;= 0.</param>
    /// <param name="minLr">The lowest rate a reduction reaches, finite and &gt;= 0.</param>
    /// <param name="eps">Reductions that lower the rate by no more than this are skipped, finite and &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public PlateauSchedule(PlateauMode mode = PlateauMode.Min, double factor = 0.1, int patience = 10, double threshold = 1e-4,
        PlateauThresholdMode thresholdMode = PlateauThresholdMode.Rel, int cooldown = 0, double minLr = 0, double eps = 1e-8)
    {
        if (!Enum.IsDefined(mode))
            throw new ArgumentOutOfRangeException(nameof(mode), mode, $"Parameter 'mode' must be Min or Max; received {(int)mode}.");
        if (!Enum.IsDefined(thresholdMode))
            throw new ArgumentOutOfRangeException(nameof(thresholdMode), thresholdMode, $"Parameter 'thresholdMode' must be Rel or Abs; received {(int)thresholdMode}.");
        Mode = mode;
        Factor = Check.InRange(factor, 0, 1, maxInclusive: false, name: nameof(factor));
        Patience = Check.NonNegative(patience, nameof(patience));
        Threshold = Check.NonNegative(threshold, nameof(threshold));
        ThresholdMode = thresholdMode;
        Cooldown = Check.NonNegative(cooldown, nameof(cooldown));
        MinLr = Check.NonNegative(minLr, nameof(minLr));
        Eps = Check.NonNegative(eps, nameof(eps));
    }

    /// <summary>Min: lower metrics are better; Max: higher are better.</summary>
    public PlateauMode Mode { get; }

    /// <summary>The multiplier applied on a plateau.</summary>
    public double Factor { get; }

    /// <summary>How many reports without improvement are tolerated.</summary>
    public int Patience { get; }

    /// <summary>How much better a metric must be to count as an improvement.</summary>
    public double Threshold { get; }

    /// <summary>Whether <see cref="Threshold"/> is relative or absolute.</summary>
    public PlateauThresholdMode ThresholdMode { get; }

    /// <summary>Reports to wait after a reduction before counting bad reports again.</summary>
    public int Cooldown { get; }

    /// <summary>The lowest rate a reduction reaches.</summary>
    public double MinLr { get; }

    /// <summary>The smallest reduction that is applied.</summary>
    public double Eps { get; }

    /// <inheritdoc />
    public override ScheduleSignal Signal => ScheduleSignal.Metric;

    /// <inheritdoc />
    public override ReactiveState CreateState(double baseLearningRate) =>
        new PlateauState(Check.NonNegative(baseLearningRate, nameof(baseLearningRate)),
            Mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity, 0, 0, 0);

    /// <inheritdoc />
    public override double GetLearningRate(ReactiveState state) => StateAs<PlateauState>(state).LearningRate;

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN.</exception>
    public override ReactiveState Observe(ReactiveState state, double value)
    {
        var s = StateAs<PlateauState>(state);
        if (double.IsNaN(value))
            throw new ArgumentOutOfRangeException(nameof(value), value, "Parameter 'value' must not be NaN; received NaN.");

        double best = s.Best, learningRate = s.LearningRate;
        int bad = s.NumBadEpochs, cooldownCounter = s.CooldownCounter;
        if (IsBetter(value, best))
        {
            best = value;
            bad = 0;
        }
        else
            bad++;

        if (cooldownCounter > 0)
        {
            cooldownCounter--;
            bad = 0;
        }

        if (bad > Patience)
        {
            double reduced = Math.Max(learningRate * Factor, MinLr);
            if (learningRate - reduced > Eps) learningRate = reduced;
            cooldownCounter = Cooldown;
            bad = 0;
        }
        return new PlateauState(learningRate, best, bad, cooldownCounter, s.LastEpoch + 1);
    }

    // The same arithmetic as PyTorch, so the edge cases agree too (an infinite best times (1 − 1) is NaN: never better).
    private bool IsBetter(double metric, double best) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, PlateauThresholdMode.Rel) => metric < best * (1.0 - Threshold),
        (PlateauMode.Min, PlateauThresholdMode.Abs) => metric < best - Threshold,
        (PlateauMode.Max, PlateauThresholdMode.Rel) => metric > best * (Threshold + 1.0),
        _ => metric > best + Threshold,
    };
}

/// <summary>
/// The changing part of a <see cref="PlateauSchedule"/>, field for field PyTorch <c>ReduceLROnPlateau</c>'s state.
/// </summary>
[ScheduleType("plateau_state")]
public sealed record PlateauState : ReactiveState
{
    /// <summary>Creates a plateau state.</summary>
    /// <param name="learningRate">The rate in force, finite and &gt;= 0.</param>
    /// <param name="best">The best metric so far (+∞ in min mode, −∞ in max mode before any report); not NaN.</param>
    /// <param name="numBadEpochs">Reports since the last improvement (PyTorch <c>num_bad_epochs</c>), &gt;= 0.</param>
    /// <param name="cooldownCounter">Reports left in the cooldown (PyTorch <c>cooldown_counter</c>), &gt;= 0.</param>
    /// <param name="lastEpoch">Reports so far (PyTorch <c>last_epoch</c>), &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A field is out of range.</exception>
    public PlateauState(double learningRate, double best, int numBadEpochs, int cooldownCounter, long lastEpoch)
    {
        LearningRate = Check.NonNegative(learningRate, nameof(learningRate));
        Best = double.IsNaN(best)
            ? throw new ArgumentOutOfRangeException(nameof(best), best, "Parameter 'best' must not be NaN; received NaN.")
            : best;
        NumBadEpochs = Check.NonNegative(numBadEpochs, nameof(numBadEpochs));
        CooldownCounter = Check.NonNegative(cooldownCounter, nameof(cooldownCounter));
        LastEpoch = Check.NonNegative(lastEpoch, nameof(lastEpoch));
    }

    /// <inheritdoc />
    public override double LearningRate { get; }

    /// <summary>The best metric so far (PyTorch <c>best</c>).</summary>
    public double Best { get; }

    /// <summary>Reports since the last improvement (PyTorch <c>num_bad_epochs</c>).</summary>
    public int NumBadEpochs { get; }

    /// <summary>Reports left in the cooldown (PyTorch <c>cooldown_counter</c>).</summary>
    public int CooldownCounter { get; }

    /// <summary>Reports so far (PyTorch <c>last_epoch</c>).</summary>
    public long LastEpoch { get; }
}
