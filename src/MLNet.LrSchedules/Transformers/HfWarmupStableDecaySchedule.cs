namespace MLNet.LrSchedules;

/// <summary>
/// Warmup–stable–decay: a warmup from <c>min_lr_ratio · base</c> to the base rate, a plateau, then a decay back to
/// <c>min_lr_ratio · base</c>, kept afterwards: <c>lr(t) = base · max(0, f(p) · (1 − m) + m)</c> in warmup and decay,
/// with <c>f</c> linear, cosine or 1-sqrt.
/// transformers <c>get_wsd_schedule</c> (<c>SchedulerType "warmup_stable_decay"</c>).
/// </summary>
/// <remarks>Shapes: warmup <c>linear: p</c>, <c>cosine: ½(1 − cos πp)</c>, <c>1-sqrt: 1 − sqrt(1 − p)</c>;
/// decay <c>linear: 1 − p</c>, <c>cosine: ½(1 + cos(π · num_cycles · 2 · p))</c>, <c>1-sqrt: 1 − sqrt(p)</c>.
/// An open <see cref="NumStableSteps"/> takes what the run leaves after warmup and decay, as transformers computes
/// <c>num_training_steps − num_warmup_steps − num_decay_steps</c>.</remarks>
[ScheduleType("hf_warmup_stable_decay", "warmup_stable_decay", "wsd", "get_wsd_schedule")]
public sealed class HfWarmupStableDecaySchedule : LrSchedule
{
    private static readonly string[] Shapes = ["linear", "cosine", "1-sqrt"];

    /// <summary>Creates the schedule.</summary>
    /// <param name="numWarmupSteps">Warmup length (0 for none).</param>
    /// <param name="numDecaySteps">Decay length.</param>
    /// <param name="numStableSteps">Plateau length; open (the default) takes what the run leaves.</param>
    /// <param name="warmupType">Warmup shape: <c>linear</c>, <c>cosine</c> or <c>1-sqrt</c>.</param>
    /// <param name="decayType">Decay shape: <c>linear</c>, <c>cosine</c> or <c>1-sqrt</c>.</param>
    /// <param name="minLrRatio">Start and end rate as a fraction m of the base rate, in [0, 1].</param>
    /// <param name="numCycles">Number of cosine periods over the decay for the cosine decay (0.5: a half-cosine); finite and &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public HfWarmupStableDecaySchedule(Duration numWarmupSteps, Duration numDecaySteps, Duration numStableSteps = default,
        string warmupType = "linear", string decayType = "cosine", double minLrRatio = 0, double numCycles = 0.5)
    {
        NumWarmupSteps = numWarmupSteps;
        NumDecaySteps = numDecaySteps;
        NumStableSteps = numStableSteps;
        WarmupType = Check.OneOf(warmupType, Shapes);
        DecayType = Check.OneOf(decayType, Shapes);
        MinLrRatio = Check.InRange(minLrRatio, 0, 1);
        NumCycles = Check.NonNegative(numCycles);
    }

    /// <summary>Warmup length.</summary>
    public Duration NumWarmupSteps { get; }

    /// <summary>Decay length.</summary>
    public Duration NumDecaySteps { get; }

    /// <summary>Plateau length.</summary>
    public Duration NumStableSteps { get; }

    /// <summary>Warmup shape: <c>linear</c>, <c>cosine</c> or <c>1-sqrt</c>.</summary>
    public string WarmupType { get; }

    /// <summary>Decay shape: <c>linear</c>, <c>cosine</c> or <c>1-sqrt</c>.</summary>
    public string DecayType { get; }

    /// <summary>Start and end rate as a fraction of the base rate.</summary>
    public double MinLrRatio { get; }

    /// <summary>Number of cosine periods over the decay, for the cosine decay.</summary>
    public double NumCycles { get; }

    /// <inheritdoc />
    public override bool IsResolved => NumWarmupSteps.IsResolved && NumDecaySteps.IsResolved && NumStableSteps.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => IsResolved
        ? Duration.Steps(NumWarmupSteps.StepCount + NumStableSteps.StepCount + NumDecaySteps.StepCount)
        : null;

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">Warmup and decay together exceed a run of <paramref name="totalSteps"/> while the plateau is open.</exception>
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        if (IsResolved) return this;
        var warmup = NumWarmupSteps.ResolvedTo(totalSteps, totalSteps);
        var decay = NumDecaySteps.ResolvedTo(totalSteps, totalSteps);
        Duration stable;
        if (NumStableSteps.Kind == DurationKind.Rest)
        {
            long left = totalSteps - warmup.StepCount - decay.StepCount;
            if (left < 0)
                throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps,
                    $"Parameter 'totalSteps' must leave room for numWarmupSteps ({warmup}) and numDecaySteps ({decay}) when numStableSteps is 'rest'; received {totalSteps}.");
            stable = Duration.Steps(left);
        }
        else
        {
            stable = NumStableSteps.ResolvedTo(totalSteps, totalSteps);
        }
        return new HfWarmupStableDecaySchedule(warmup, decay, stable, WarmupType, DecayType, MinLrRatio, NumCycles);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        long warmup = NumWarmupSteps.StepCount, stable = NumStableSteps.StepCount, decay = NumDecaySteps.StepCount;
        double m = MinLrRatio, factor;
        if (step < warmup)
        {
            double progress = (double)step / Math.Max(1L, warmup);
            factor = WarmupType switch
            {
                "linear" => progress,
                "cosine" => 0.5 * (1.0 - Math.Cos(Math.PI * progress)),
                _ => 1.0 - Math.Sqrt(1.0 - progress),
            };
            return baseLearningRate * Math.Max(0.0, factor * (1.0 - m) + m);
        }
        if (step < warmup + stable) return baseLearningRate;
        if (step < warmup + stable + decay)
        {
            double progress = (double)(step - warmup - stable) / Math.Max(1L, decay);
            factor = DecayType switch
            {
                "linear" => 1.0 - progress,
                "cosine" => 0.5 * (1.0 + Math.Cos(Math.PI * NumCycles * 2.0 * progress)),
                _ => 1.0 - Math.Sqrt(progress),
            };
            return baseLearningRate * Math.Max(0.0, factor * (1.0 - m) + m);
        }
        return baseLearningRate * m;
    }
}
