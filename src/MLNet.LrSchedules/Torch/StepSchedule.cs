namespace MLNet.LrSchedules;

/// <summary>
/// Step decay: <c>lr(t) = base · gamma^⌊t / step_size⌋</c>. PyTorch <c>StepLR(step_size, gamma=0.1)</c>.
/// </summary>
[ScheduleType("step", "StepLR")]
public sealed class StepSchedule : LrSchedule
{
    /// <summary>Creates a step decay.</summary>
    /// <param name="stepSize">Steps between two decays, at least 1.</param>
    /// <param name="gamma">Factor applied at every decay, finite and &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public StepSchedule(int stepSize, double gamma = 0.1)
    {
        StepSize = Check.Positive(stepSize);
        Gamma = Check.Positive(gamma);
    }

    /// <summary>Steps between two decays.</summary>
    public int StepSize { get; }

    /// <summary>Factor applied at every decay.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate) =>
        baseLearningRate * Math.Pow(Gamma, step / StepSize);
}
