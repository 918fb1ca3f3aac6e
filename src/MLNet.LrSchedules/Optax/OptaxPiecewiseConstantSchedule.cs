namespace MLNet.LrSchedules;

/// <summary>
/// <c>init_value</c> times every scale whose boundary has been reached: <c>lr(t) = I · Π_{b_i ≤ t} s_i</c>.
/// optax <c>piecewise_constant_schedule</c>.
/// </summary>
/// <remarks>Returns absolute values and ignores the optimizer's base rate. Computed in float32, as optax (jax's default dtype) does, so values match optax's exactly. optax's dict <c>boundaries_and_scales</c>
/// is held as two parallel lists sorted by boundary.</remarks>
[ScheduleType("optax_piecewise_constant", "piecewise_constant_schedule")]
public sealed class OptaxPiecewiseConstantSchedule : LrSchedule
{
    private readonly long[] _boundaries;
    private readonly double[] _scales;

    /// <summary>Creates the schedule.</summary>
    /// <param name="initValue">Value I before the first boundary; finite and &gt;= 0.</param>
    /// <param name="boundaries">Steps at which a scale is multiplied in, strictly increasing, &gt;= 0.</param>
    /// <param name="scales">Non-negative factor for each boundary.</param>
    /// <exception cref="ArgumentException">The lists differ in length, are unsorted, or hold an invalid value.</exception>
    public OptaxPiecewiseConstantSchedule(double initValue, IReadOnlyList<long> boundaries, IReadOnlyList<double> scales)
    {
        InitValue = Check.NonNegative(initValue);
        (_boundaries, _scales) = OptaxPiecewise.Validate(boundaries, scales);
    }

    /// <summary>Value before the first boundary.</summary>
    public double InitValue { get; }

    /// <summary>Steps at which a scale is multiplied in.</summary>
    public IReadOnlyList<long> Boundaries => _boundaries;

    /// <summary>Factor for each boundary.</summary>
    public IReadOnlyList<double> Scales => _scales;

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        float value = (float)InitValue;
        for (int i = 0; i < _boundaries.Length && _boundaries[i] <= step; i++)
            value = (float)_scales[i] * value;
        return value;
    }
}
