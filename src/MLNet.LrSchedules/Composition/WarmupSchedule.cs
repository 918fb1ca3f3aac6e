namespace MLNet.LrSchedules;

/// <summary>The curve a <see cref="WarmupSchedule"/> follows from <c>start_factor · base</c> up to the base rate.</summary>
public enum WarmupShape
{
    /// <summary>A straight line (PyTorch <c>LinearLR</c>, transformers' linear warmup).</summary>
    Linear,
    /// <summary>A geometric ramp: the rate is multiplied by the same factor every step.</summary>
    Exponential,
    /// <summary>A flat <c>start_factor · base</c> for the whole length, then the base rate (PyTorch <c>ConstantLR</c>).</summary>
    Constant,
}

/// <summary>
/// A warmup segment of <see cref="Steps"/> steps that ramps the rate from <c>start_factor · base</c> to <c>base</c>:
/// linear <c>lr(t) = base · (s + (1 − s) · t / L)</c>, exponential <c>lr(t) = base · s^(1 − t / L)</c>,
/// constant <c>lr(t) = base · s</c>, for <c>t &lt; L</c>, and <c>base</c> from <c>t = L</c> on.
/// PyTorch <c>LinearLR(start_factor, 1.0, total_iters)</c> / <c>ConstantLR(factor, total_iters)</c>,
/// transformers' linear warmup (<c>s = 0</c>).
/// </summary>
/// <remarks>
/// The rate reaches the base rate exactly at step <c>t = L</c>, the first step after the warmup, which is where
/// a following schedule in a sequence (<see cref="LrSchedule.WithWarmup"/>) takes over at its own step 0.
/// </remarks>
[ScheduleType("warmup", "linear_warmup")]
public sealed class WarmupSchedule : LrSchedule
{
    /// <summary>Creates a warmup of <paramref name="steps"/> steps.</summary>
    /// <param name="steps">The warmup's length <c>L</c>: steps, a fraction of the run, or rest.</param>
    /// <param name="shape">The curve from <paramref name="startFactor"/> to 1.</param>
    /// <param name="startFactor">The multiple of the base rate at step 0, in [0, 1]; must be &gt; 0 for <see cref="WarmupShape.Exponential"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="startFactor"/> is out of range, or <paramref name="shape"/> is not a defined shape.</exception>
    public WarmupSchedule([ParameterAlias("length", "warmup_steps")] Duration steps, WarmupShape shape = WarmupShape.Linear, [ParameterAlias("factor")] double startFactor = 0)
    {
        if (!Enum.IsDefined(shape))
            throw new ArgumentOutOfRangeException(nameof(shape), shape, $"Parameter 'shape' must be one of Linear, Exponential, Constant; received {(int)shape}.");
        if (shape == WarmupShape.Exponential && startFactor == 0)
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor,
                "Parameter 'startFactor' must be in (0, 1] for an exponential warmup (a geometric ramp cannot start at 0); received 0.");
        Check.InRange(startFactor, 0, 1, name: nameof(startFactor));
        Steps = steps;
        Shape = shape;
        StartFactor = startFactor;
    }

    /// <summary>The warmup's length <c>L</c>.</summary>
    public Duration Steps { get; }

    /// <summary>The curve from <see cref="StartFactor"/> to 1.</summary>
    public WarmupShape Shape { get; }

    /// <summary>The multiple of the base rate at step 0 (<c>s</c>).</summary>
    public double StartFactor { get; }

    /// <inheritdoc />
    public override bool IsResolved => Steps.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => Steps;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new WarmupSchedule(Steps.ResolvedTo(totalSteps, totalSteps), Shape, StartFactor);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        long length = Steps.StepCount;
        if (step >= length) return baseLearningRate;
        double progress = (double)step / length;
        return Shape switch
        {
            WarmupShape.Linear => baseLearningRate * (StartFactor + (1 - StartFactor) * progress),
            WarmupShape.Exponential => baseLearningRate * Math.Pow(StartFactor, 1 - progress),
            _ => baseLearningRate * StartFactor,
        };
    }
}
