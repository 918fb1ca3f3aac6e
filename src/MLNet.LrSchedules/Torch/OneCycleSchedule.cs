namespace MLNet.LrSchedules;

/// <summary>
/// The 1cycle policy: from <c>max_lr/div_factor</c> up to <c>max_lr</c> over <c>pct_start·total_steps</c> steps, then down to
/// <c>max_lr/(div_factor·final_div_factor)</c> (optionally through a third phase), by cosine or linear annealing; momentum
/// moves the opposite way. PyTorch <c>OneCycleLR(max_lr, total_steps, pct_start=0.3, anneal_strategy='cos', cycle_momentum=True,
/// base_momentum=0.85, max_momentum=0.95, div_factor=25, final_div_factor=1e4, three_phase=False)</c>.
/// </summary>
/// <remarks>
/// <para>Phase ends, as in PyTorch: <c>pct_start·total_steps − 1</c>, then (three-phase) <c>2·pct_start·total_steps − 2</c>, then
/// <c>total_steps − 1</c>; within a phase <c>pct = (t − phase start) / (phase end − phase start)</c>. Learning rates
/// initial→max→min (two-phase) or initial→max→initial→min (three-phase); momentum max→base→max (→max).</para>
/// <para>Like PyTorch, the schedule sets its own rates: the base learning rate passed to
/// <see cref="LrSchedule.GetLearningRate"/> is ignored.</para>
/// <para>Past the end: PyTorch extrapolates the last phase for step <c>total_steps</c> (which can even go negative with
/// linear annealing) and raises after it. This schedule holds the final value (that of step <c>total_steps − 1</c>,
/// the minimum rate) for every step from <c>total_steps</c> on.</para>
/// </remarks>
[ScheduleType("one_cycle", "OneCycleLR")]
public sealed class OneCycleSchedule : LrSchedule, IMomentumSchedule
{
    private static readonly string[] Strategies = ["cos", "linear"];

    private readonly double _initialLr;
    private readonly double _minLr;
    private readonly double _warmupEnd;
    private readonly double _returnEnd;
    private readonly long _lastStep;

    /// <summary>Creates a 1cycle schedule.</summary>
    /// <param name="maxLr">The peak rate, finite and &gt;= 0.</param>
    /// <param name="totalSteps">Length of the cycle; the rest of the run by default; at least 1 step.</param>
    /// <param name="pctStart">Fraction of the cycle spent raising the rate, in [0, 1].</param>
    /// <param name="annealStrategy"><c>cos</c> or <c>linear</c>.</param>
    /// <param name="cycleMomentum">Whether momentum cycles inversely to the rate.</param>
    /// <param name="baseMomentum">Momentum at the peak rate, in [0, 1].</param>
    /// <param name="maxMomentum">Momentum at the start and end, in [0, 1].</param>
    /// <param name="divFactor">Initial rate = <c>max_lr / div_factor</c>; finite and &gt; 0.</param>
    /// <param name="finalDivFactor">Final rate = initial rate / <c>final_div_factor</c>; finite and &gt; 0.</param>
    /// <param name="threePhase">Whether to come back to the initial rate symmetrically before a third, annihilating phase.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    /// <exception cref="ArgumentException"><c>pct_start · total_steps = 1</c>, where PyTorch divides by zero at step 0.</exception>
    public OneCycleSchedule(double maxLr, Duration totalSteps = default, double pctStart = 0.3, string annealStrategy = "cos",
        bool cycleMomentum = true, double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25.0,
        double finalDivFactor = 1e4, bool threePhase = false)
    {
        MaxLr = Check.NonNegative(maxLr);
        TotalSteps = Check.PositiveLength(totalSteps);
        PctStart = Check.InRange(pctStart, 0, 1);
        AnnealStrategy = Check.OneOf(annealStrategy, Strategies);
        CycleMomentum = cycleMomentum;
        BaseMomentum = Check.InRange(baseMomentum, 0, 1);
        MaxMomentum = Check.InRange(maxMomentum, 0, 1);
        DivFactor = Check.Positive(divFactor);
        FinalDivFactor = Check.Positive(finalDivFactor);
        ThreePhase = threePhase;

        _initialLr = MaxLr / DivFactor;
        _minLr = _initialLr / FinalDivFactor;
        if (TotalSteps.IsResolved)
        {
            long total = TotalSteps.StepCount;
            _warmupEnd = PctStart * total - 1;
            _returnEnd = 2 * PctStart * total - 2;
            _lastStep = total - 1;
            if (_warmupEnd == 0)
                throw new ArgumentException(
                    $"Parameters 'pctStart' and 'totalSteps' must not end the warmup phase at step 0 (pct_start · total_steps = 1), where PyTorch's OneCycleLR divides by zero; received pct_start {PctStart.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} and total_steps {total}.",
                    nameof(pctStart));
        }
    }

    /// <summary>The peak rate.</summary>
    public double MaxLr { get; }

    /// <summary>Length of the cycle.</summary>
    public Duration TotalSteps { get; }

    /// <summary>Fraction of the cycle spent raising the rate.</summary>
    public double PctStart { get; }

    /// <summary><c>cos</c> or <c>linear</c>.</summary>
    public string AnnealStrategy { get; }

    /// <summary>Whether momentum cycles inversely to the rate.</summary>
    public bool CycleMomentum { get; }

    /// <summary>Momentum at the peak rate.</summary>
    public double BaseMomentum { get; }

    /// <summary>Momentum at the start and the end.</summary>
    public double MaxMomentum { get; }

    /// <summary>Initial rate = <see cref="MaxLr"/> / <see cref="DivFactor"/>.</summary>
    public double DivFactor { get; }

    /// <summary>Final rate = initial rate / <see cref="FinalDivFactor"/>.</summary>
    public double FinalDivFactor { get; }

    /// <summary>Whether the schedule has the third, annihilating phase.</summary>
    public bool ThreePhase { get; }

    /// <inheritdoc />
    bool IMomentumSchedule.CyclesMomentum => CycleMomentum;

    /// <inheritdoc />
    public override bool IsResolved => TotalSteps.IsResolved;

    /// <inheritdoc />
    public override Duration? Length => TotalSteps;

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new OneCycleSchedule(MaxLr, TotalSteps.ResolvedTo(totalSteps, totalSteps), PctStart,
            AnnealStrategy, CycleMomentum, BaseMomentum, MaxMomentum, DivFactor, FinalDivFactor, ThreePhase);
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        int phase = Locate(step, out double pct);
        var (start, end) = (phase, ThreePhase) switch
        {
            (0, _) => (_initialLr, MaxLr),
            (1, false) => (MaxLr, _minLr),
            (1, true) => (MaxLr, _initialLr),
            _ => (_initialLr, _minLr),
        };
        return Anneal(start, end, pct);
    }

    /// <summary>
    /// The momentum (or Adam beta1) in force for <paramref name="step"/>. Meaningful when <see cref="CycleMomentum"/>
    /// is true; PyTorch leaves the optimizer's momentum alone otherwise.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative.</exception>
    /// <exception cref="InvalidOperationException"><see cref="TotalSteps"/> is not resolved.</exception>
    public double GetMomentum(long step)
    {
        Check.NonNegative(step, nameof(step));
        if (!IsResolved) throw Unresolved();
        int phase = Locate(step, out double pct);
        var (start, end) = phase switch
        {
            0 => (MaxMomentum, BaseMomentum),
            1 => (BaseMomentum, MaxMomentum),
            _ => (MaxMomentum, MaxMomentum),
        };
        return Anneal(start, end, pct);
    }

    /// <summary>The phase holding <paramref name="step"/> (held at the last step) and the progress through it.</summary>
    private int Locate(long step, out double pct)
    {
        long t = Math.Min(step, _lastStep);
        if (t <= _warmupEnd)
        {
            pct = (t - 0.0) / (_warmupEnd - 0.0);
            return 0;
        }
        if (ThreePhase && t <= _returnEnd)
        {
            pct = (t - _warmupEnd) / (_returnEnd - _warmupEnd);
            return 1;
        }
        double phaseStart = ThreePhase ? _returnEnd : _warmupEnd;
        pct = (t - phaseStart) / (_lastStep - phaseStart);
        return ThreePhase ? 2 : 1;
    }

    private double Anneal(double start, double end, double pct) =>
        AnnealStrategy == "cos"
            ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
            : (end - start) * pct + start;
}
