namespace MLNet.LrSchedules;

/// <summary>
/// The product of multiplicative schedules: <c>lr(t) = base · Π scheduleᵢ(t, base) / base</c>.
/// PyTorch <c>ChainedScheduler(schedulers)</c> over chainable schedulers (each multiplies the rate by its own factor),
/// and the text form's <c>a * b</c>.
/// </summary>
/// <remarks>
/// Every factor is evaluated at the same step. Only closed-form schedules can be factors: a reactive one has no rate
/// for an arbitrary step. A zero base rate gives zero. Resolving resolves every factor against the whole run.
/// </remarks>
[ScheduleType("product", "ChainedScheduler")]
public sealed class ProductSchedule : LrSchedule
{
    private readonly LrSchedule[] _schedules;

    /// <summary>Creates the product of <paramref name="schedules"/>.</summary>
    /// <param name="schedules">The factors: at least one, none null, none reactive.</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedules"/> is null.</exception>
    /// <exception cref="ArgumentException">No schedule, a null one, or a reactive one.</exception>
    public ProductSchedule(IReadOnlyList<LrSchedule> schedules)
    {
        Check.NotNull(schedules);
        if (schedules.Count == 0)
            throw new ArgumentException("Parameter 'schedules' must hold at least one schedule; received none.", nameof(schedules));
        for (int i = 0; i < schedules.Count; i++)
        {
            if (schedules[i] is null)
                throw new ArgumentException($"Parameter 'schedules' must not contain null; received null at index {i}.", nameof(schedules));
            if (schedules[i] is ReactiveLrSchedule)
                throw new ArgumentException(
                    $"Parameter 'schedules' must hold closed-form schedules only; received reactive schedule '{schedules[i].GetType().Name}' at index {i}: a product needs every factor's rate at any step.",
                    nameof(schedules));
        }
        _schedules = schedules.ToArray();
    }

    /// <summary>The factors, in order.</summary>
    public IReadOnlyList<LrSchedule> Schedules => _schedules;

    /// <inheritdoc />
    public override bool IsResolved => _schedules.All(s => s.IsResolved);

    /// <summary>The longest factor's length when every factor has a resolved one; null otherwise.</summary>
    public override Duration? Length
    {
        get
        {
            long longest = 0;
            foreach (var schedule in _schedules)
            {
                if (schedule.Length is not { IsResolved: true } length) return null;
                longest = Math.Max(longest, length.StepCount);
            }
            return Duration.Steps(longest);
        }
    }

    /// <inheritdoc />
    public override LrSchedule Resolve(long totalSteps)
    {
        Check.Positive(totalSteps, nameof(totalSteps));
        return IsResolved ? this : new ProductSchedule(_schedules.Select(s => s.Resolve(totalSteps)).ToArray());
    }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        if (baseLearningRate == 0) return 0;
        double rate = baseLearningRate;
        foreach (var schedule in _schedules)
            rate *= schedule.Evaluate(step, baseLearningRate) / baseLearningRate;
        return rate;
    }
}
