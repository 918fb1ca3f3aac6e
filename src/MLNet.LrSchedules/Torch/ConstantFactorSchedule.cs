namespace MLNet.LrSchedules;

/// <summary>
/// A constant factor for a while: <c>lr(t) = base · factor</c> for <c>t &lt; total_iters</c>, then <c>base</c>.
/// PyTorch <c>ConstantLR(factor=1/3, total_iters=5)</c>.
/// </summary>
/// <remarks>
/// With <c>total_iters = 0</c> PyTorch applies the factor at step 0 and never reaches the step that removes it,
/// so the factor stays for ever; this schedule does the same.
/// PyTorch divides by the factor when it removes it, so <c>factor = 0</c> fails there; this schedule returns <c>base</c>.
/// </remarks>
[ScheduleType("constant_factor", "ConstantLR")]
public sealed class ConstantFactorSchedule : LrSchedule
{
    /// <summary>Creates a constant factor that lasts <paramref name="totalIters"/> steps.</summary>
    /// <param name="factor">The factor, in [0, 1].</param>
    /// <param name="totalIters">Steps during which the factor applies, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public ConstantFactorSchedule(double factor = 1.0 / 3, int totalIters = 5)
    {
        Factor = Check.InRange(factor, 0, 1);
        TotalIters = Check.NonNegative(totalIters);
    }

    /// <summary>The factor applied during the first <see cref="TotalIters"/> steps.</summary>
    public double Factor { get; }

    /// <summary>Steps during which the factor applies.</summary>
    public int TotalIters { get; }

    /// <inheritdoc />
    public override Duration? Length => TotalIters > 0 ? Duration.Steps(TotalIters) : null;

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate) =>
        TotalIters == 0 || step < TotalIters ? baseLearningRate * Factor : baseLearningRate;
}
