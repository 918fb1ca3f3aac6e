namespace MLNet.LrSchedules;

/// <summary>
/// Polynomial decay to zero: <c>lr(t) = base · (1 − min(t, total_iters) / total_iters)^power</c>.
/// PyTorch <c>PolynomialLR(total_iters=5, power=1.0)</c>.
/// </summary>
/// <remarks>With <c>total_iters = 0</c> PyTorch never changes the rate; so does this schedule.</remarks>
[ScheduleType("polynomial", "PolynomialLR")]
public sealed class PolynomialSchedule : LrSchedule
{
    /// <summary>Creates a polynomial decay.</summary>
    /// <param name="totalIters">Steps until the rate reaches zero, &gt;= 0.</param>
    /// <param name="power">The exponent, finite and &gt;= 0 (a negative one divides by zero at the end in PyTorch).</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public PolynomialSchedule(int totalIters = 5, double power = 1.0)
    {
        TotalIters = Check.NonNegative(totalIters);
        Power = Check.NonNegative(power);
    }

    /// <summary>Steps until the rate reaches zero.</summary>
    public int TotalIters { get; }

    /// <summary>The exponent.</summary>
    public double Power { get; }

    /// <inheritdoc />
    public override Duration? Length => TotalIters > 0 ? Duration.Steps(TotalIters) : null;

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        if (TotalIters == 0) return baseLearningRate;
        long t = Math.Min(step, TotalIters);
        return baseLearningRate * Math.Pow(1.0 - (double)t / TotalIters, Power);
    }
}
