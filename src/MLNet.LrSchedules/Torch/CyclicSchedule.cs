namespace MLNet.LrSchedules;

/// <summary>
/// Cyclical learning rate (CLR): a triangle between <c>base_lr</c> and <c>max_lr</c>,
/// <c>lr(t) = base_lr + (max_lr − base_lr) · triangle(t) · scale(cycle or t)</c>; momentum cycles inversely.
/// PyTorch <c>CyclicLR(base_lr, max_lr, step_size_up=2000, step_size_down=None, mode='triangular', gamma=1.0, scale_mode, cycle_momentum=True, base_momentum=0.8, max_momentum=0.9)</c>.
/// </summary>
/// <remarks>
/// <para>As in PyTorch, <c>base_lr</c> replaces the optimizer's learning rate: the base learning rate passed to
/// <see cref="LrSchedule.GetLearningRate"/> is ignored.</para>
/// <para>Modes: <c>triangular</c> (scale 1), <c>triangular2</c> (scale <c>1/2^(x−1)</c>, halving every cycle) and
/// <c>exp_range</c> (scale <c>gamma^x</c>), where <c>x</c> is the cycle number (1-based) for <c>scale_mode='cycle'</c>
/// or the step for <c>'iterations'</c>. PyTorch fixes the scale mode of its built-in modes (cycle for the triangular ones,
/// iterations for exp_range) and uses its <c>scale_mode</c> argument only with a custom <c>scale_fn</c>; here it
/// defaults to PyTorch's choice and may be overridden.</para>
/// <para>Momentum (SGD momentum or Adam beta1): <c>max_momentum − (max_momentum − base_momentum) · triangle(t) · scale</c>.</para>
/// </remarks>
[ScheduleType("cyclic", "CyclicLR")]
public sealed class CyclicSchedule : LrSchedule, IMomentumSchedule
{
    private static readonly string[] Modes = ["triangular", "triangular2", "exp_range"];
    private static readonly string[] ScaleModes = ["cycle", "iterations"];

    private readonly double _totalSize;
    private readonly double _stepRatio;
    private readonly bool _scaleByCycle;

    /// <summary>Creates a cyclical schedule.</summary>
    /// <param name="baseLr">Lower rate of the cycle (replaces the optimizer's rate), finite and &gt;= 0.</param>
    /// <param name="maxLr">Upper rate of the cycle, finite and &gt;= 0.</param>
    /// <param name="stepSizeUp">Steps of the rising half, at least 1.</param>
    /// <param name="stepSizeDown">Steps of the falling half, &gt;= 0; null for <paramref name="stepSizeUp"/>.</param>
    /// <param name="mode"><c>triangular</c>, <c>triangular2</c> or <c>exp_range</c>.</param>
    /// <param name="gamma">Base of the <c>exp_range</c> scale, in (0, 1].</param>
    /// <param name="scaleMode"><c>cycle</c> or <c>iterations</c>; null for the mode's own (cycle for triangular modes, iterations for exp_range).</param>
    /// <param name="cycleMomentum">Whether momentum cycles inversely to the rate.</param>
    /// <param name="baseMomentum">Momentum at the peak rate, in [0, 1].</param>
    /// <param name="maxMomentum">Momentum at the lowest rate, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public CyclicSchedule(double baseLr, double maxLr, int stepSizeUp = 2000, int? stepSizeDown = null,
        string mode = "triangular", double gamma = 1.0, string? scaleMode = null, bool cycleMomentum = true,
        double baseMomentum = 0.8, double maxMomentum = 0.9)
    {
        BaseLr = Check.NonNegative(baseLr);
        MaxLr = Check.NonNegative(maxLr);
        StepSizeUp = Check.Positive(stepSizeUp);
        if (stepSizeDown is { } down) Check.NonNegative(down, nameof(stepSizeDown));
        StepSizeDown = stepSizeDown;
        Mode = Check.OneOf(mode, Modes);
        Gamma = Check.InRange(gamma, 0, 1, minInclusive: false);
        ScaleMode = scaleMode is null ? (Mode == "exp_range" ? "iterations" : "cycle") : Check.OneOf(scaleMode, ScaleModes);
        CycleMomentum = cycleMomentum;
        BaseMomentum = Check.InRange(baseMomentum, 0, 1);
        MaxMomentum = Check.InRange(maxMomentum, 0, 1);

        _totalSize = (double)StepSizeUp + (StepSizeDown ?? StepSizeUp);
        _stepRatio = StepSizeUp / _totalSize;
        _scaleByCycle = ScaleMode == "cycle";
    }

    /// <summary>Lower rate of the cycle.</summary>
    public double BaseLr { get; }

    /// <summary>Upper rate of the cycle.</summary>
    public double MaxLr { get; }

    /// <summary>Steps of the rising half.</summary>
    public int StepSizeUp { get; }

    /// <summary>Steps of the falling half; null when it mirrors the rising half (PyTorch's default).</summary>
    public int? StepSizeDown { get; }

    /// <summary><c>triangular</c>, <c>triangular2</c> or <c>exp_range</c>.</summary>
    public string Mode { get; }

    /// <summary>Base of the <c>exp_range</c> scale.</summary>
    public double Gamma { get; }

    /// <summary>What the scale is a function of: <c>cycle</c> or <c>iterations</c>.</summary>
    public string ScaleMode { get; }

    /// <summary>Whether momentum cycles inversely to the rate.</summary>
    public bool CycleMomentum { get; }

    /// <summary>Momentum at the peak rate.</summary>
    public double BaseMomentum { get; }

    /// <summary>Momentum at the lowest rate.</summary>
    public double MaxMomentum { get; }

    /// <inheritdoc />
    bool IMomentumSchedule.CyclesMomentum => CycleMomentum;

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        double height = (MaxLr - BaseLr) * Triangle(step, out double scale);
        return BaseLr + height * scale;
    }

    /// <summary>
    /// The momentum (or Adam beta1) in force for <paramref name="step"/>: it falls while the rate rises.
    /// Meaningful when <see cref="CycleMomentum"/> is true; PyTorch leaves the optimizer's momentum alone otherwise.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative.</exception>
    public double GetMomentum(long step)
    {
        Check.NonNegative(step, nameof(step));
        double height = (MaxMomentum - BaseMomentum) * Triangle(step, out double scale);
        return MaxMomentum - height * scale;
    }

    /// <summary>The position in the triangle (0 at the base, 1 at the peak) and the mode's amplitude scale.</summary>
    private double Triangle(long step, out double scale)
    {
        double cycle = Math.Floor(1 + step / _totalSize);
        double x = 1.0 + step / _totalSize - cycle;
        double position = x <= _stepRatio ? x / _stepRatio : (x - 1) / (_stepRatio - 1);
        double argument = _scaleByCycle ? cycle : step;
        scale = Mode switch
        {
            "triangular" => 1.0,
            // 1 / 2^(x−1), exact for powers of two; reaches 0 instead of overflowing for huge arguments.
            "triangular2" => Math.ScaleB(1.0, (int)Math.Clamp(1 - argument, -2000, 2000)),
            _ => Math.Pow(Gamma, argument),
        };
        return position;
    }
}
