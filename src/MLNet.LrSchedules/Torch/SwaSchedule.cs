namespace MLNet.LrSchedules;

/// <summary>
/// Anneals to the stochastic-weight-averaging rate: <c>lr(t) = swa_lr · α + base · (1 − α)</c> with
/// <c>α = anneal(min(t, anneal_epochs) / anneal_epochs)</c>, <c>anneal(p) = (1 − cos(π·p))/2</c> or <c>p</c>.
/// PyTorch <c>torch.optim.swa_utils.SWALR(swa_lr, anneal_epochs=10, anneal_strategy='cos')</c>.
/// </summary>
/// <remarks>
/// PyTorch steps recursively: each step recovers the rate the optimizer had before SWALR started from the current one,
/// <c>(lr − α_prev·swa_lr)/(1 − α_prev)</c>, and blends it with <c>swa_lr</c> again. That rate is the base learning rate
/// here, so the recursion telescopes to the closed form above. With <c>anneal_epochs = 0</c> the rate is <c>swa_lr</c>
/// from step 0.
/// </remarks>
[ScheduleType("swa", "SWALR")]
public sealed class SwaSchedule : LrSchedule
{
    private static readonly string[] Strategies = ["cos", "linear"];

    /// <summary>Creates an annealing to the SWA rate.</summary>
    /// <param name="swaLr">The rate reached after the annealing, finite and &gt;= 0.</param>
    /// <param name="annealEpochs">Steps of the annealing, &gt;= 0.</param>
    /// <param name="annealStrategy"><c>cos</c> or <c>linear</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public SwaSchedule(double swaLr, int annealEpochs = 10, string annealStrategy = "cos")
    {
        SwaLr = Check.NonNegative(swaLr);
        AnnealEpochs = Check.NonNegative(annealEpochs);
        AnnealStrategy = Check.OneOf(annealStrategy, Strategies);
    }

    /// <summary>The rate reached after the annealing.</summary>
    public double SwaLr { get; }

    /// <summary>Steps of the annealing.</summary>
    public int AnnealEpochs { get; }

    /// <summary><c>cos</c> or <c>linear</c>.</summary>
    public string AnnealStrategy { get; }

    /// <inheritdoc />
    public override Duration? Length => AnnealEpochs > 0 ? Duration.Steps(AnnealEpochs) : null;

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        if (AnnealEpochs == 0) return SwaLr;
        double progress = (double)Math.Min(step, AnnealEpochs) / AnnealEpochs;
        double alpha = AnnealStrategy == "cos" ? (1 - Math.Cos(Math.PI * progress)) / 2 : progress;
        return SwaLr * alpha + baseLearningRate * (1 - alpha);
    }
}
