namespace MLNet.LrSchedules;

/// <summary>
/// A constant absolute value: <c>lr(t) = value</c>. optax <c>constant_schedule</c>.
/// </summary>
/// <remarks>Like every optax schedule it returns an absolute learning rate and ignores the optimizer's base rate. Unlike the
/// others it is exact, not float32: optax returns the Python value itself.</remarks>
[ScheduleType("optax_constant", "constant_schedule")]
public sealed class OptaxConstantSchedule : LrSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="value">The learning rate held throughout; finite and &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative or not finite.</exception>
    public OptaxConstantSchedule(double value)
    {
        Value = Check.NonNegative(value);
    }

    /// <summary>The learning rate held throughout.</summary>
    public double Value { get; }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate) => Value;
}
