namespace MLNet.LrSchedules;

/// <summary>
/// Decay at milestones: <c>lr(t) = base · gamma^(number of milestones ≤ t)</c>. PyTorch <c>MultiStepLR(milestones, gamma=0.1)</c>.
/// </summary>
/// <remarks>
/// A milestone listed twice decays twice, as PyTorch counts milestones with a <c>Counter</c>.
/// An empty list keeps the base rate.
/// </remarks>
[ScheduleType("multi_step", "MultiStepLR")]
public sealed class MultiStepSchedule : LrSchedule
{
    private readonly long[] _milestones;

    /// <summary>Creates a milestone decay.</summary>
    /// <param name="milestones">Steps at which the rate is multiplied by <paramref name="gamma"/>: &gt;= 0, in non-decreasing order.</param>
    /// <param name="gamma">Factor applied at every milestone, finite and &gt; 0.</param>
    /// <exception cref="ArgumentException">The milestones are null, negative or decreasing.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is out of range.</exception>
    public MultiStepSchedule(IReadOnlyList<long> milestones, double gamma = 0.1)
    {
        Check.NonDecreasing(milestones, allowEmpty: true);
        // PyTorch matches milestones against step indices, so a negative one would never fire there.
        if (milestones.Count > 0) Check.NonNegative(milestones[0], nameof(milestones));
        _milestones = milestones.ToArray();
        Gamma = Check.Positive(gamma);
    }

    /// <summary>The milestones, in order.</summary>
    public IReadOnlyList<long> Milestones => _milestones;

    /// <summary>Factor applied at every milestone.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    protected internal override double Evaluate(long step, double baseLearningRate)
    {
        // Upper bound: the number of milestones <= step, duplicates included.
        int lo = 0, hi = _milestones.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_milestones[mid] <= step) lo = mid + 1; else hi = mid;
        }
        return baseLearningRate * Math.Pow(Gamma, lo);
    }
}
