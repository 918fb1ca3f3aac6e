namespace MLNet.LrSchedules;

/// <summary>
/// Linear decay of the base rate by a fixed amount per step, held at a floor: <c>lr(t) = max(base − α·t, floor)</c>.
/// The textbook linear decay used with Keras' <c>LearningRateScheduler</c>.
/// </summary>
/// <remarks>Both <see cref="Alpha"/> and <see cref="Floor"/> are absolute rates, not fractions of the base rate.</remarks>
[ScheduleType("linear_decay")]
public sealed class LinearDecaySchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="alpha">Amount subtracted per step (an absolute rate, &gt;= 0).</param>
    /// <param name="floor">Lowest rate (absolute, &gt;= 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is negative or not finite.</exception>
    public LinearDecaySchedule(double alpha, double floor = 0)
    {
        Alpha = Check.NonNegative(alpha);
        Floor = Check.NonNegative(floor);
    }

    /// <summary>Amount subtracted per step.</summary>
    public double Alpha { get; }

    /// <summary>Lowest rate.</summary>
    public double Floor { get; }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate) => Math.Max(baseLearningRate - Alpha * step, Floor);
}
