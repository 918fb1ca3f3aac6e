namespace MLNet.LrSchedules;

/// <summary>
/// A learning-rate schedule: maps an optimizer step (0 is the first step) and the optimizer's base learning rate
/// to the learning rate used for that step.
/// </summary>
/// <remarks>
/// <para>Schedules are small immutable, thread-safe objects validated at construction. Closed-form schedules are
/// pure functions of the step: any step costs the same and evaluation allocates nothing.
/// Reactive schedules (<see cref="ReactiveLrSchedule"/>) keep their changing part in a separate, serializable
/// <see cref="ReactiveState"/>; drive any schedule with an <see cref="LrScheduler"/>.</para>
/// <para>Create schedules with the static factories on this class (<c>LrSchedule.CosineAnnealing(...)</c>, ...),
/// from JSON, or from the text form.</para>
/// </remarks>
public abstract partial class LrSchedule
{
    // A closed family: only this assembly defines schedules, so JSON can never name a foreign type.
    private protected LrSchedule() { }

    /// <summary>True when every duration of the schedule is a step count, so it can be evaluated.</summary>
    public virtual bool IsResolved => true;

    /// <summary>
    /// The same schedule with every fractional or open duration turned into steps, for a run of
    /// <paramref name="totalSteps"/> optimizer steps. A resolved schedule returns itself.
    /// </summary>
    public virtual LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return this;
    }

    /// <summary>
    /// The schedule's own length in steps when it has one (a warmup's length, a cosine's period),
    /// used by sequences to place the next schedule; null for schedules that run forever.
    /// </summary>
    public virtual Duration? Length => null;

    /// <summary>
    /// The learning rate in force for optimizer step <paramref name="step"/> (0-based), given the optimizer's base
    /// learning rate. Reactive schedules return the rate before any signal has been reported.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative or <paramref name="baseLearningRate"/> is not finite and &gt;= 0.</exception>
    /// <exception cref="InvalidOperationException">The schedule has unresolved durations; call <see cref="Resolve"/> first.</exception>
    public double GetLearningRate(long step, double baseLearningRate)
    {
        if (step < 0) Check.NonNegative(step, nameof(step));
        if (!(baseLearningRate >= 0) || double.IsInfinity(baseLearningRate)) Check.NonNegative(baseLearningRate, nameof(baseLearningRate));
        if (!IsResolved) throw Unresolved();
        return Evaluate(step, baseLearningRate);
    }

    /// <summary>The closed form, for a resolved schedule and valid arguments.</summary>
    protected internal abstract double Evaluate(long step, double baseLearningRate);

    /// <summary>The exception for evaluating a schedule whose durations are not yet step counts.</summary>
    protected InvalidOperationException Unresolved() =>
        new($"Schedule '{GetType().Name}' has durations given as a fraction of the run or left open: call Resolve(totalSteps) once the total number of optimizer steps is known.");

    /// <summary>Fills <paramref name="destination"/> with the rates of steps <paramref name="firstStep"/>, <paramref name="firstStep"/>+1, ...</summary>
    public void GetLearningRates(long firstStep, double baseLearningRate, Span<double> destination)
    {
        GetLearningRate(firstStep, baseLearningRate);
        for (int i = 0; i < destination.Length; i++)
            destination[i] = Evaluate(firstStep + i, baseLearningRate);
    }

    /// <summary>The schedule's text form, for example <c>warmup(steps=500) &gt;&gt; cosine_annealing(t_max=rest, eta_min=1e-05)</c>.</summary>
    /// <remarks>A schedule type without a registered name (only test assemblies can define one) shows its type name: ToString never throws.</remarks>
    public override string ToString() =>
        Serialization.ScheduleRegistry.Default.Find(GetType()) is null ? GetType().Name : Serialization.LrScheduleText.Format(this);
}
