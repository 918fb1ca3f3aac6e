namespace MLNet.LrSchedules;

/// <summary>
/// Learns the rate online by gradient descent on the rate itself (Baydin et al. 2018, "Online Learning Rate Adaptation
/// with Hypergradient Descent"): <c>α_t = clamp(α_{t−1} − β · h_t, min_lr, max_lr)</c> with the paper's hypergradient
/// <c>h_t = −g_t · g_{t−1}</c> (SGD-HD), <c>g_t = ∇f(θ_{t−1})</c>. No reference-library scheduler (the paper's SGD-HD / Adam-HD).
/// </summary>
/// <remarks>
/// <para>Sign convention. The paper's SGD-HD step <c>t</c> computes the gradient <c>g_t = ∇f(θ_{t−1})</c>, the hypergradient
/// <c>h_t = ∂f(θ_{t−1})/∂α = g_t · ∇_α u_{t−1} = −g_t · g_{t−1}</c>, then <c>α_t = α_{t−1} − β · h_t</c> and
/// <c>θ_t = θ_{t−1} − α_t · g_t</c>. The trainer reports, as <see cref="ScheduleSignal.GradientDot"/>, the positive dot
/// product <c>d_t = g_t · g_{t−1}</c> (= −h_t), and this schedule sets <c>α_t = α_{t−1} + β · d_t</c>: consecutive gradients
/// that agree raise the rate, a step that overshot (they disagree) lowers it. For Adam-HD the previous direction is Adam's
/// previous step direction: <c>d_t = g_t · m̂_{t−1} / (√v̂_{t−1} + ε)</c>. Nothing is reported on the first step, which has
/// no previous direction.</para>
/// <para>To follow the paper exactly, report <c>d_t</c> as soon as <c>g_t</c> is known and before reading the rate for step
/// <c>t</c>; reporting after the optimizer step applies each update one step later.</para>
/// <para>The rate starts at the base rate (clamped to the bounds) and stays within [<see cref="MinLr"/>, <see cref="MaxLr"/>].</para>
/// </remarks>
[ScheduleType("hypergradient", "hypergradient_descent", "hd")]
public sealed class HypergradientSchedule : ReactiveLrSchedule
{
    /// <summary>Creates a hypergradient schedule.</summary>
    /// <param name="hypergradientLr">The hypergradient learning rate β, finite and &gt; 0 (the paper uses 0.001 for SGD, 1e-7 for Adam).</param>
    /// <param name="minLr">The lowest rate, finite and &gt;= 0.</param>
    /// <param name="maxLr">The highest rate, finite and &gt;= <paramref name="minLr"/> (default: unbounded in practice).</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public HypergradientSchedule([ParameterAlias("beta")] double hypergradientLr, double minLr = 0, double maxLr = double.MaxValue)
    {
        HypergradientLr = Check.Positive(hypergradientLr, nameof(hypergradientLr));
        MinLr = Check.NonNegative(minLr, nameof(minLr));
        MaxLr = Check.NonNegative(maxLr, nameof(maxLr));
        if (maxLr < minLr)
            throw new ArgumentOutOfRangeException(nameof(maxLr), maxLr,
                $"Parameter 'maxLr' must be >= minLr ({minLr.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}); received {maxLr.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.");
    }

    /// <summary>The hypergradient learning rate β.</summary>
    public double HypergradientLr { get; }

    /// <summary>The lowest rate.</summary>
    public double MinLr { get; }

    /// <summary>The highest rate.</summary>
    public double MaxLr { get; }

    /// <inheritdoc />
    public override ScheduleSignal Signal => ScheduleSignal.GradientDot;

    /// <inheritdoc />
    public override ReactiveState CreateState(double baseLearningRate) =>
        new HypergradientState(Math.Clamp(Check.NonNegative(baseLearningRate, nameof(baseLearningRate)), MinLr, MaxLr));

    /// <inheritdoc />
    public override double GetLearningRate(ReactiveState state) => StateAs<HypergradientState>(state).LearningRate;

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not finite.</exception>
    public override ReactiveState Observe(ReactiveState state, double value)
    {
        var s = StateAs<HypergradientState>(state);
        Check.Finite(value, nameof(value));
        // Clamping also absorbs an overflow of α + β·h to ±∞.
        return new HypergradientState(Math.Clamp(s.LearningRate + HypergradientLr * value, MinLr, MaxLr));
    }
}

/// <summary>The changing part of a <see cref="HypergradientSchedule"/>: the learned rate α.</summary>
[ScheduleType("hypergradient_state")]
public sealed record HypergradientState : ReactiveState
{
    /// <summary>Creates a hypergradient state.</summary>
    /// <param name="learningRate">The learned rate α in force, finite and &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is out of range.</exception>
    public HypergradientState(double learningRate)
    {
        LearningRate = Check.NonNegative(learningRate, nameof(learningRate));
    }

    /// <inheritdoc />
    public override double LearningRate { get; }
}
