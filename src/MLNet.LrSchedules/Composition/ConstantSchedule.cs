namespace MLNet.LrSchedules;

/// <summary>
/// The base learning rate at every step: <c>lr(t) = base</c>. Hugging Face <c>get_constant_schedule</c>
/// (<c>SchedulerType.CONSTANT</c>, "constant").
/// </summary>
/// <remarks>Runs forever (no <see cref="LrSchedule.Length"/>); use it as the last segment of a sequence or on its own.</remarks>
[ScheduleType("constant", "hf_constant", "get_constant_schedule")]
public sealed class ConstantSchedule : LrSchedule
{
    /// <summary>Creates the constant schedule.</summary>
    public ConstantSchedule() { }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate) => baseLearningRate;
}
