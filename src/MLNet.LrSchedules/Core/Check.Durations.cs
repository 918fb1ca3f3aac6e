using System.Runtime.CompilerServices;

namespace MLNet.LrSchedules;

internal static partial class Check
{
    /// <summary>
    /// A length that must hold at least one step once resolved: a step count of 0 is rejected, fractions and
    /// open lengths always resolve to at least 1 step.
    /// </summary>
    public static Duration PositiveLength(Duration value, [CallerArgumentExpression(nameof(value))] string name = "")
        => value.Kind != DurationKind.Steps || value.StepCount >= 1
            ? value
            : throw new ArgumentOutOfRangeException(name, value,
                $"Parameter '{name}' must be a duration of at least 1 step, a fraction of the run or 'rest'; received {value}.");
}
