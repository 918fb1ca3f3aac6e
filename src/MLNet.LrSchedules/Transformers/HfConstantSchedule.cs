namespace MLNet.LrSchedules;

/// <summary>
/// The optimizer's base learning rate at every step: <c>lr(t) = base</c>.
/// transformers <c>get_constant_schedule</c> (<c>SchedulerType "constant"</c>).
/// </summary>
[ScheduleType("hf_constant", "get_constant_schedule")]
public sealed class HfConstantSchedule : LrSchedule
{
    /// <summary>Creates the constant schedule.</summary>
    public HfConstantSchedule() { }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate) => baseLearningRate;
}
