namespace MLNet.LrSchedules;

/// <summary>
/// A schedule that also cycles momentum, as PyTorch's OneCycleLR and CyclicLR do with <c>cycle_momentum=True</c>:
/// the SGD momentum, or beta1 for Adam-style optimizers, in force for each step.
/// </summary>
public interface IMomentumSchedule
{
    /// <summary>True when the schedule cycles momentum (PyTorch's <c>cycle_momentum</c>).</summary>
    bool CyclesMomentum { get; }

    /// <summary>The momentum (or beta1) in force for optimizer step <paramref name="step"/>.</summary>
    double GetMomentum(long step);
}
