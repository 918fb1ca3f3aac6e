namespace MLNet.LrSchedules;

// Factories for the PyTorch torch.optim.lr_scheduler family.
public abstract partial class LrSchedule
{
    /// <summary>Step decay, <c>base · gamma^⌊t / step_size⌋</c>: PyTorch <c>StepLR</c>.</summary>
    /// <inheritdoc cref="StepSchedule(int, double)"/>
    public static StepSchedule Step(int stepSize, double gamma = 0.1) => new(stepSize, gamma);

    /// <summary>Decay by <paramref name="gamma"/> at each milestone: PyTorch <c>MultiStepLR</c>.</summary>
    /// <inheritdoc cref="MultiStepSchedule(IReadOnlyList{long}, double)"/>
    public static MultiStepSchedule MultiStep(IReadOnlyList<long> milestones, double gamma = 0.1) => new(milestones, gamma);

    /// <summary>A constant factor for the first <paramref name="totalIters"/> steps: PyTorch <c>ConstantLR</c>.</summary>
    /// <inheritdoc cref="ConstantFactorSchedule(double, int)"/>
    public static ConstantFactorSchedule ConstantFactor(double factor = 1.0 / 3, int totalIters = 5) => new(factor, totalIters);

    /// <summary>A factor ramping linearly over <paramref name="totalIters"/> steps: PyTorch <c>LinearLR</c>.</summary>
    /// <inheritdoc cref="LinearFactorSchedule(double, double, int)"/>
    public static LinearFactorSchedule LinearFactor(double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5) =>
        new(startFactor, endFactor, totalIters);

    /// <summary>Exponential decay, <c>base · gamma^t</c>: PyTorch <c>ExponentialLR</c>.</summary>
    /// <inheritdoc cref="ExponentialSchedule(double)"/>
    public static ExponentialSchedule Exponential(double gamma) => new(gamma);

    /// <summary>Polynomial decay to zero: PyTorch <c>PolynomialLR</c>.</summary>
    /// <inheritdoc cref="PolynomialSchedule(int, double)"/>
    public static PolynomialSchedule Polynomial(int totalIters = 5, double power = 1.0) => new(totalIters, power);

    /// <summary>Cosine annealing from the base rate to <paramref name="etaMin"/> over <paramref name="tMax"/>: PyTorch <c>CosineAnnealingLR</c>.</summary>
    /// <inheritdoc cref="CosineAnnealingSchedule(Duration, double)"/>
    public static CosineAnnealingSchedule CosineAnnealing(Duration tMax = default, double etaMin = 0) => new(tMax, etaMin);

    /// <summary>Cosine annealing with warm restarts (SGDR): PyTorch <c>CosineAnnealingWarmRestarts</c>.</summary>
    /// <inheritdoc cref="CosineWarmRestartsSchedule(int, int, double)"/>
    public static CosineWarmRestartsSchedule CosineWarmRestarts(int t0, int tMult = 1, double etaMin = 0) => new(t0, tMult, etaMin);

    /// <summary>Cyclical learning rate between <paramref name="baseLr"/> and <paramref name="maxLr"/>: PyTorch <c>CyclicLR</c>.</summary>
    /// <inheritdoc cref="CyclicSchedule(double, double, int, int?, string, double, string?, bool, double, double)"/>
    public static CyclicSchedule Cyclic(double baseLr, double maxLr, int stepSizeUp = 2000, int? stepSizeDown = null,
        string mode = "triangular", double gamma = 1.0, string? scaleMode = null, bool cycleMomentum = true,
        double baseMomentum = 0.8, double maxMomentum = 0.9) =>
        new(baseLr, maxLr, stepSizeUp, stepSizeDown, mode, gamma, scaleMode, cycleMomentum, baseMomentum, maxMomentum);

    /// <summary>The 1cycle policy over <paramref name="totalSteps"/>: PyTorch <c>OneCycleLR</c>.</summary>
    /// <inheritdoc cref="OneCycleSchedule(double, Duration, double, string, bool, double, double, double, double, bool)"/>
    public static OneCycleSchedule OneCycle(double maxLr, Duration totalSteps = default, double pctStart = 0.3,
        string annealStrategy = "cos", bool cycleMomentum = true, double baseMomentum = 0.85, double maxMomentum = 0.95,
        double divFactor = 25.0, double finalDivFactor = 1e4, bool threePhase = false) =>
        new(maxLr, totalSteps, pctStart, annealStrategy, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase);

    /// <summary>
    /// The 1cycle policy over <c>epochs · stepsPerEpoch</c> steps: PyTorch <c>OneCycleLR(max_lr, epochs=..., steps_per_epoch=...)</c>.
    /// </summary>
    /// <param name="maxLr">The peak rate, finite and &gt;= 0.</param>
    /// <param name="epochs">Number of epochs, at least 1.</param>
    /// <param name="stepsPerEpoch">Optimizer steps per epoch, at least 1.</param>
    /// <param name="pctStart">Fraction of the cycle spent raising the rate, in [0, 1].</param>
    /// <param name="annealStrategy"><c>cos</c> or <c>linear</c>.</param>
    /// <param name="cycleMomentum">Whether momentum cycles inversely to the rate.</param>
    /// <param name="baseMomentum">Momentum at the peak rate, in [0, 1].</param>
    /// <param name="maxMomentum">Momentum at the start and end, in [0, 1].</param>
    /// <param name="divFactor">Initial rate = <c>max_lr / div_factor</c>; finite and &gt; 0.</param>
    /// <param name="finalDivFactor">Final rate = initial rate / <c>final_div_factor</c>; finite and &gt; 0.</param>
    /// <param name="threePhase">Whether to come back to the initial rate symmetrically before a third, annihilating phase.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range, or <c>epochs · stepsPerEpoch</c> overflows.</exception>
    public static OneCycleSchedule OneCycle(double maxLr, long epochs, long stepsPerEpoch, double pctStart = 0.3,
        string annealStrategy = "cos", bool cycleMomentum = true, double baseMomentum = 0.85, double maxMomentum = 0.95,
        double divFactor = 25.0, double finalDivFactor = 1e4, bool threePhase = false)
    {
        Check.Positive(epochs);
        Check.Positive(stepsPerEpoch);
        long totalSteps;
        try { totalSteps = checked(epochs * stepsPerEpoch); }
        catch (OverflowException)
        {
            throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch,
                $"Parameters 'epochs' and 'stepsPerEpoch' must multiply to at most {long.MaxValue} steps; received {epochs} and {stepsPerEpoch}.");
        }
        return new(maxLr, Duration.Steps(totalSteps), pctStart, annealStrategy, cycleMomentum, baseMomentum, maxMomentum,
            divFactor, finalDivFactor, threePhase);
    }

    /// <summary>Annealing to the stochastic-weight-averaging rate: PyTorch <c>SWALR</c>.</summary>
    /// <inheritdoc cref="SwaSchedule(double, int, string)"/>
    public static SwaSchedule Swa(double swaLr, int annealEpochs = 10, string annealStrategy = "cos") =>
        new(swaLr, annealEpochs, annealStrategy);

    /// <summary>The product of multiplicative schedules: PyTorch <c>ChainedScheduler</c>.</summary>
    /// <inheritdoc cref="ProductSchedule(IReadOnlyList{LrSchedule})"/>
    public static ProductSchedule Product(params LrSchedule[] schedules) => new(schedules);

    /// <summary>
    /// Schedules one after another, switching at absolute steps: PyTorch <c>SequentialLR(schedulers, milestones)</c>.
    /// Schedule i+1 starts at step <c>milestones[i]</c> and sees its own step counted from 0 there, as PyTorch restarts
    /// the next scheduler at its milestone.
    /// </summary>
    /// <param name="schedules">The schedules, at least one; only the last may be reactive.</param>
    /// <param name="milestones">Absolute steps where the next schedule starts: one fewer than the schedules, &gt;= 1, strictly increasing.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">Counts disagree, or the milestones do not strictly increase from 1.</exception>
    public static SequenceSchedule Sequential(IReadOnlyList<LrSchedule> schedules, IReadOnlyList<long> milestones)
    {
        Check.NotNull(schedules);
        Check.StrictlyIncreasing(milestones, allowEmpty: true);
        if (schedules.Count > 0 && milestones.Count != schedules.Count - 1)
            throw new ArgumentException(
                $"Parameter 'milestones' must hold one milestone per schedule but the first ({schedules.Count - 1}); received {milestones.Count}.",
                nameof(milestones));
        if (milestones.Count > 0) Check.Positive(milestones[0], nameof(milestones));
        var lengths = new Duration[milestones.Count];
        for (int i = 0; i < lengths.Length; i++)
            lengths[i] = Duration.Steps(milestones[i] - (i == 0 ? 0 : milestones[i - 1]));
        return new SequenceSchedule(schedules, lengths);
    }
}
