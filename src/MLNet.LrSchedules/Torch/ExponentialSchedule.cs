namespace MLNet.LrSchedules;

/// <summary>
/// Exponential decay every step: <c>lr(t) = base · gamma^t</c>. PyTorch <c>ExponentialLR(gamma)</c>.
/// </summary>
[ScheduleType("exponential", "ExponentialLR")]
public sealed class ExponentialSchedule : LrSchedule
{
    /// <summary>Creates an exponential decay.</summary>
    /// <param name="gamma">Factor applied every step, finite and &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is out of range.</exception>
    public ExponentialSchedule(double gamma) => Gamma = Check.Positive(gamma);

    /// <summary>Factor applied every step.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate) =>
        baseLearningRate * Math.Pow(Gamma, step);
}
