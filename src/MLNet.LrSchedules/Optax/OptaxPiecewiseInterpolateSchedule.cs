namespace MLNet.LrSchedules;

/// <summary>
/// Interpolates (linearly or along a half-cosine) between the running products <c>v_i = I · s_1 ⋯ s_i</c> placed at
/// the boundaries: between <c>b_i</c> and <c>b_{i+1}</c> the value goes from <c>v_i</c> to <c>v_{i+1}</c>, then stays at the last.
/// optax <c>piecewise_interpolate_schedule</c>.
/// </summary>
/// <remarks>Returns absolute values and ignores the optimizer's base rate. Computed in float32, as optax (jax's default dtype) does, so values match optax's exactly. The first interval starts at step 0;
/// linear: <c>v_i + (v_{i+1} − v_i) · p</c>, cosine: <c>v_{i+1} + (v_i − v_{i+1}) / 2 · (cos(πp) + 1)</c>.</remarks>
[ScheduleType("optax_piecewise_interpolate", "piecewise_interpolate_schedule")]
public sealed class OptaxPiecewiseInterpolateSchedule : LrSchedule
{
    private static readonly string[] Types = ["linear", "cosine"];
    private readonly long[] _boundaries;
    private readonly double[] _scales;
    private readonly long[] _bounds;
    private readonly float[] _values;
    private readonly bool _cosine;

    /// <summary>Creates the schedule.</summary>
    /// <param name="interpolateType"><c>linear</c> or <c>cosine</c>.</param>
    /// <param name="initValue">Value I at step 0; finite and &gt;= 0.</param>
    /// <param name="boundaries">Steps at which each running product is reached, strictly increasing, &gt;= 0.</param>
    /// <param name="scales">Non-negative factor for each boundary.</param>
    /// <exception cref="ArgumentException">A parameter is invalid.</exception>
    public OptaxPiecewiseInterpolateSchedule(string interpolateType, double initValue, IReadOnlyList<long> boundaries, IReadOnlyList<double> scales)
    {
        InterpolateType = Check.OneOf(interpolateType, Types);
        InitValue = Check.NonNegative(initValue);
        (_boundaries, _scales) = OptaxPiecewise.Validate(boundaries, scales);
        _cosine = InterpolateType == "cosine";
        _bounds = new long[_boundaries.Length + 1];
        // optax's cumulative product of init_value and the scales, in float32.
        _values = new float[_boundaries.Length + 1];
        _values[0] = (float)InitValue;
        for (int i = 0; i < _boundaries.Length; i++)
        {
            _bounds[i + 1] = _boundaries[i];
            _values[i + 1] = _values[i] * (float)_scales[i];
        }
    }

    /// <summary><c>linear</c> or <c>cosine</c>.</summary>
    public string InterpolateType { get; }

    /// <summary>Value at step 0.</summary>
    public double InitValue { get; }

    /// <summary>Steps at which each running product is reached.</summary>
    public IReadOnlyList<long> Boundaries => _boundaries;

    /// <summary>Factor for each boundary.</summary>
    public IReadOnlyList<double> Scales => _scales;

    /// <inheritdoc />
    public override Duration? Length => _boundaries.Length == 0 ? null : Duration.Steps(_boundaries[^1]);

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        if (step >= _bounds[^1]) return _values[^1];
        int i = 0;
        while (step >= _bounds[i + 1]) i++;
        float pct = (float)(step - _bounds[i]) / Math.Max(_bounds[i + 1] - _bounds[i], 1);
        float start = _values[i], end = _values[i + 1];
        return _cosine
            ? end + (start - end) / 2f * (MathF.Cos(MathF.PI * pct) + 1f)
            : (end - start) * pct + start;
    }
}
