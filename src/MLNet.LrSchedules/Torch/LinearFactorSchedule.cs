namespace MLNet.LrSchedules;

/// <summary>
/// A linearly changing factor: <c>lr(t) = base · (start + (end − start) · min(t, total_iters) / total_iters)</c>.
/// PyTorch <c>LinearLR(start_factor=1/3, end_factor=1.0, total_iters=5)</c>.
/// </summary>
/// <remarks>With <c>total_iters = 0</c> PyTorch applies <c>start_factor</c> at step 0 and never changes it; so does this schedule.</remarks>
[ScheduleType("linear_factor", "LinearLR")]
public sealed class LinearFactorSchedule : LrSchedule
{
    /// <summary>Creates a linear factor ramp.</summary>
    /// <param name="startFactor">Factor at step 0, in (0, 1].</param>
    /// <param name="endFactor">Factor from step <paramref name="totalIters"/> on, in [0, 1].</param>
    /// <param name="totalIters">Steps of the ramp, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public LinearFactorSchedule(double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5)
    {
        StartFactor = Check.InRange(startFactor, 0, 1, minInclusive: false);
        EndFactor = Check.InRange(endFactor, 0, 1);
        TotalIters = Check.NonNegative(totalIters);
    }

    /// <summary>Factor at step 0.</summary>
    public double StartFactor { get; }

    /// <summary>Factor reached at step <see cref="TotalIters"/> and kept after.</summary>
    public double EndFactor { get; }

    /// <summary>Steps of the ramp.</summary>
    public int TotalIters { get; }

    /// <inheritdoc />
    public override Duration? Length => TotalIters > 0 ? Duration.Steps(TotalIters) : null;

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        if (TotalIters == 0) return baseLearningRate * StartFactor;
        long t = Math.Min(step, TotalIters);
        return baseLearningRate * (StartFactor + (EndFactor - StartFactor) * t / TotalIters);
    }
}
