using System.Globalization;
using System.Text.Json;
using MLNet.LrSchedules.Tests.Oracles;

namespace MLNet.LrSchedules.Tests.Optax;

[TestClass]
public sealed class OptaxScheduleTests
{
    public static IEnumerable<object[]> Cases => Oracle.Cases("optax");

    private static Dictionary<long, double> BoundariesAndScales(OracleCase c) =>
        c.Has("boundaries_and_scales")
            ? c.Params.GetProperty("boundaries_and_scales").EnumerateObject()
                .ToDictionary(p => long.Parse(p.Name, CultureInfo.InvariantCulture), p => p.Value.GetDouble())
            : [];

    private static double? Optional(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.GetDouble() : null;

    /// <summary>Builds the schedule from a case's optax parameters.</summary>
    internal static LrSchedule Build(OracleCase c) => c.Kind switch
    {
        "constant_schedule" => LrSchedule.OptaxConstant(c.Double("value")),
        "warmup_constant_schedule" => LrSchedule.OptaxWarmupConstant(c.Double("init_value"), c.Double("peak_value"), c.Int("warmup_steps")),
        "linear_schedule" => LrSchedule.OptaxLinear(c.Double("init_value"), c.Double("end_value"), c.Int("transition_steps"),
            c.IntOrNull("transition_begin") ?? 0),
        "polynomial_schedule" => LrSchedule.OptaxPolynomial(c.Double("init_value"), c.Double("end_value"), c.Double("power"),
            c.Int("transition_steps"), c.IntOrNull("transition_begin") ?? 0),
        "exponential_decay" => LrSchedule.OptaxExponentialDecay(c.Double("init_value"), c.Int("transition_steps"), c.Double("decay_rate"),
            c.IntOrNull("transition_begin") ?? 0, c.Has("staircase") && c.Bool("staircase"), c.DoubleOrNull("end_value")),
        "piecewise_constant_schedule" => LrSchedule.OptaxPiecewiseConstant(c.Double("init_value"), BoundariesAndScales(c)),
        "piecewise_interpolate_schedule" => LrSchedule.OptaxPiecewiseInterpolate(c.String("interpolate_type"), c.Double("init_value"), BoundariesAndScales(c)),
        "cosine_decay_schedule" => LrSchedule.OptaxCosineDecay(c.Double("init_value"), c.Int("decay_steps"),
            c.DoubleOrNull("alpha") ?? 0, c.DoubleOrNull("exponent") ?? 1),
        "warmup_cosine_decay_schedule" => LrSchedule.OptaxWarmupCosineDecay(c.Double("init_value"), c.Double("peak_value"),
            c.Int("warmup_steps"), c.Int("decay_steps"), c.DoubleOrNull("end_value") ?? 0, c.DoubleOrNull("exponent") ?? 1),
        "warmup_exponential_decay_schedule" => LrSchedule.OptaxWarmupExponentialDecay(c.Double("init_value"), c.Double("peak_value"),
            c.Int("warmup_steps"), c.Int("transition_steps"), c.Double("decay_rate"), c.IntOrNull("transition_begin") ?? 0,
            c.Has("staircase") && c.Bool("staircase"), c.DoubleOrNull("end_value")),
        "linear_onecycle_schedule" => LrSchedule.OptaxLinearOnecycle(c.Int("transition_steps"), c.Double("peak_value"),
            c.DoubleOrNull("pct_start") ?? 0.3, c.DoubleOrNull("pct_final") ?? 0.85, c.DoubleOrNull("div_factor") ?? 25, c.DoubleOrNull("final_div_factor") ?? 1e4),
        "cosine_onecycle_schedule" => LrSchedule.OptaxCosineOnecycle(c.Int("transition_steps"), c.Double("peak_value"),
            c.DoubleOrNull("pct_start") ?? 0.3, c.DoubleOrNull("div_factor") ?? 25, c.DoubleOrNull("final_div_factor") ?? 1e4),
        "sgdr_schedule" => LrSchedule.OptaxSgdr(c.Params.GetProperty("cosine_kwargs").EnumerateArray().Select(k => new OptaxCosineCycle(
            k.GetProperty("init_value").GetDouble(), k.GetProperty("peak_value").GetDouble(), k.GetProperty("warmup_steps").GetInt64(),
            k.GetProperty("decay_steps").GetInt64(), Optional(k, "end_value") ?? 0, Optional(k, "exponent") ?? 1)).ToArray()),
        _ => throw new AssertInconclusiveException($"Unknown optax kind '{c.Kind}'."),
    };

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesOptax(OracleCase c)
    {
        // optax ignores the base rate: any value must give the same trajectory.
        var schedule = Build(c);
        Oracle.AssertMatches(c.Id, "lr", c.Lr, Oracle.Trajectory(schedule, 0.123, c.Steps), Oracle.Float32Tolerance);
        Oracle.AssertMatches(c.Id, "lr (base 0)", c.Lr, Oracle.Trajectory(schedule, 0.0, c.Steps), Oracle.Float32Tolerance);
    }

    [TestMethod]
    public void LinearAndPolynomialHandComputed()
    {
        var linear = LrSchedule.OptaxLinear(1.0, 0.01, 100, transitionBegin: 5);
        Near(1.0, linear.GetLearningRate(0, 9));
        Near(1.0, linear.GetLearningRate(5, 9));
        Near(1.0 - 0.99 * 0.5, linear.GetLearningRate(55, 9));
        Near(0.01, linear.GetLearningRate(105, 9));
        Near(0.01, linear.GetLearningRate(1_000_000_000_000, 9));
        Assert.AreEqual(Duration.Steps(105), linear.Length);
        // optax's docstring example: power 2, begin 5.
        var poly = LrSchedule.OptaxPolynomial(1.0, 0.01, 2, 100, 5);
        Assert.AreEqual(0.9803, poly.GetLearningRate(6, 0), 1e-4);
        Assert.AreEqual(0.0101, poly.GetLearningRate(104, 0), 1e-4);
        Near(0.01, poly.GetLearningRate(110, 0));
    }

    [TestMethod]
    public void ExponentialDecayBoundsAndStaircase()
    {
        var smooth = LrSchedule.OptaxExponentialDecay(1.0, 10, 0.5, transitionBegin: 4);
        Near(1.0, smooth.GetLearningRate(4, 0));
        Near(Math.Pow(0.5, 0.5), smooth.GetLearningRate(9, 0));
        Near(0.5, smooth.GetLearningRate(14, 0));
        var stairs = LrSchedule.OptaxExponentialDecay(1.0, 10, 0.5, staircase: true);
        Near(1.0, stairs.GetLearningRate(9, 0));
        Near(0.5, stairs.GetLearningRate(10, 0));
        Near(0.25, stairs.GetLearningRate(29, 0));
        var floored = LrSchedule.OptaxExponentialDecay(1.0, 10, 0.5, endValue: 0.3);
        Near(0.3, floored.GetLearningRate(20, 0));
        Near(0.3, floored.GetLearningRate(1_000_000_000_000, 0));
        var capped = LrSchedule.OptaxExponentialDecay(1.0, 10, 2.0, endValue: 3.0);
        Near(2.0, capped.GetLearningRate(10, 0));
        Near(3.0, capped.GetLearningRate(1_000_000_000_000, 0));
        // As in optax the bound applies before the decay starts too.
        Near(0.5, LrSchedule.OptaxExponentialDecay(1.0, 10, 3.0, endValue: 0.5).GetLearningRate(0, 0));
        Near(0.0, LrSchedule.OptaxExponentialDecay(1.0, 10, 0.5).GetLearningRate(1_000_000_000_000, 0));
    }

    [TestMethod]
    public void PiecewiseConstantMultipliesScalesFromTheirBoundaryOn()
    {
        // optax's docstring example.
        var s = LrSchedule.OptaxPiecewiseConstant(1.0, new Dictionary<long, double> { [200] = 0.01, [100] = 0.1 });
        Near(1.0, s.GetLearningRate(99, 0));
        Near(0.1, s.GetLearningRate(100, 0));
        Near(0.001, s.GetLearningRate(250, 0));
        CollectionAssert.AreEqual(new long[] { 100, 200 }, s.Boundaries.ToArray());
        Near(2.0, LrSchedule.OptaxPiecewiseConstant(2.0).GetLearningRate(1000, 0));
    }

    [TestMethod]
    public void PiecewiseInterpolateMatchesOptaxDocExample()
    {
        var s = LrSchedule.OptaxPiecewiseInterpolate("linear", 1.0, new Dictionary<long, double> { [4] = 0.1, [8] = 0.01 });
        double[] expected = [1.0, 0.55, 0.1, 0.0505, 0.001, 0.001];
        for (int i = 0; i < expected.Length; i++)
            Near(expected[i], s.GetLearningRate(2 * i, 0), $"step {2 * i}");
        var cosine = LrSchedule.OptaxPiecewiseInterpolate("cosine", 1.0, new Dictionary<long, double> { [4] = 0.1 });
        Near(0.55, cosine.GetLearningRate(2, 0));
        Near(0.1 + 0.45 * (Math.Cos(Math.PI * 0.25) + 1), cosine.GetLearningRate(1, 0));
        // A boundary at 0 makes the first interval empty: the value starts from the scaled one.
        var atZero = LrSchedule.OptaxPiecewiseInterpolate("linear", 1.0, new Dictionary<long, double> { [0] = 0.5, [10] = 0.5 });
        Near(0.5, atZero.GetLearningRate(0, 0));
        Near(0.375, atZero.GetLearningRate(5, 0));
    }

    [TestMethod]
    public void CosineDecayEndsAtAlphaTimesInit()
    {
        var s = LrSchedule.OptaxCosineDecay(2.0, 10, alpha: 0.1, exponent: 2);
        Near(2.0, s.GetLearningRate(0, 0));
        Near(2.0 * (0.9 * 0.25 + 0.1), s.GetLearningRate(5, 0));
        Near(0.2, s.GetLearningRate(10, 0));
        Near(0.2, s.GetLearningRate(1_000_000_000_000, 0));
    }

    [TestMethod]
    public void WarmupCosineDecayIsAJoinOfLinearAndCosine()
    {
        var s = LrSchedule.OptaxWarmupCosineDecay(0.0, 1.0, 10, 110, endValue: 0.1);
        Assert.IsInstanceOfType<SequenceSchedule>(s);
        Near(0.0, s.GetLearningRate(0, 5));
        Near(0.5, s.GetLearningRate(5, 5));
        Near(1.0, s.GetLearningRate(10, 5));
        Near(0.55, s.GetLearningRate(60, 5));
        Near(0.1, s.GetLearningRate(110, 5));
        Near(0.1, s.GetLearningRate(1_000_000_000_000, 5));
        Assert.IsInstanceOfType<OptaxCosineDecaySchedule>(LrSchedule.OptaxWarmupCosineDecay(0.0, 1.0, 0, 10));
        Near(1.0, LrSchedule.OptaxWarmupCosineDecay(0.0, 1.0, 0, 10).GetLearningRate(0, 0));
    }

    [TestMethod]
    public void WarmupExponentialDecayHoldsThePeakThenDecays()
    {
        var s = LrSchedule.OptaxWarmupExponentialDecay(0.0, 1.0, 4, 10, 0.5, transitionBegin: 2);
        Near(0.5, s.GetLearningRate(2, 0));
        Near(1.0, s.GetLearningRate(4, 0));
        Near(1.0, s.GetLearningRate(6, 0));
        Near(0.5, s.GetLearningRate(16, 0));
    }

    [TestMethod]
    public void OnecyclePhases()
    {
        var linear = LrSchedule.OptaxLinearOnecycle(100, 1.0, pctStart: 0.3, pctFinal: 0.85, divFactor: 25, finalDivFactor: 1e4);
        Near(0.04, linear.GetLearningRate(0, 0));
        Near(1.0, linear.GetLearningRate(30, 0));
        Near(0.04, linear.GetLearningRate(85, 0));
        Near(4e-6, linear.GetLearningRate(100, 0));
        Near(4e-6, linear.GetLearningRate(1_000_000_000_000, 0));
        var cosine = LrSchedule.OptaxCosineOnecycle(100, 1.0);
        Near(0.04, cosine.GetLearningRate(0, 0));
        Near(1.0, cosine.GetLearningRate(30, 0));
        Near(4e-6, cosine.GetLearningRate(100, 0));
        // pct_final = 1 puts two phases on step T: as in optax's dict the later scale wins.
        var merged = LrSchedule.OptaxLinearOnecycle(100, 1.0, pctFinal: 1.0);
        Near(1e-4, merged.GetLearningRate(100, 0));
        Near(1.0 + (1e-4 - 1.0) * 0.5, merged.GetLearningRate(65, 0));
    }

    [TestMethod]
    public void SgdrRestartsAtEachCycle()
    {
        var s = LrSchedule.OptaxSgdr([new OptaxCosineCycle(0, 1.0, 2, 10), new OptaxCosineCycle(0, 0.5, 0, 20, 0.05)]);
        Near(0.0, s.GetLearningRate(0, 0));
        Near(1.0, s.GetLearningRate(2, 0));
        Near(0.5, s.GetLearningRate(10, 0));
        Near(0.05, s.GetLearningRate(30, 0));
        Near(0.05, s.GetLearningRate(1_000_000_000_000, 0));
    }

    [TestMethod]
    public void JoinPassesStepsSinceTheBoundary()
    {
        var s = LrSchedule.OptaxJoin([LrSchedule.OptaxConstant(1.0), LrSchedule.OptaxLinear(2.0, 0.0, 10), LrSchedule.OptaxConstant(3.0)], [5, 5]);
        Near(1.0, s.GetLearningRate(4, 0));
        Near(3.0, s.GetLearningRate(5, 0));
        var two = LrSchedule.OptaxJoin([LrSchedule.OptaxConstant(1.0), LrSchedule.OptaxLinear(2.0, 0.0, 10)], [5]);
        Near(2.0, two.GetLearningRate(5, 0));
        Near(1.0, two.GetLearningRate(10, 0));
    }

    [TestMethod]
    public void FractionsResolveAgainstTheRun()
    {
        var s = LrSchedule.OptaxCosineDecay(1.0, Duration.Rest);
        Assert.ThrowsExactly<InvalidOperationException>(() => s.GetLearningRate(0, 0));
        var r = (OptaxCosineDecaySchedule)s.Resolve(50);
        Assert.AreEqual(50, r.DecaySteps.StepCount);
        var onecycle = (OptaxLinearOnecycleSchedule)LrSchedule.OptaxLinearOnecycle(Duration.Fraction(0.5), 1.0).Resolve(200);
        Assert.AreEqual(100, onecycle.TransitionSteps.StepCount);
        Near(1.0, onecycle.GetLearningRate(30, 0));
    }

    [TestMethod]
    public void WarmupConstantRisesThenHolds()
    {
        var s = LrSchedule.OptaxWarmupConstant(0.0, 1.0, 10);
        Near(0.5, s.GetLearningRate(5, 0));
        Near(1.0, s.GetLearningRate(10, 0));
        Near(1.0, s.GetLearningRate(1_000_000_000_000, 0));
    }

    [TestMethod]
    public void ConstantIsTheExactValue()
    {
        // optax's constant_schedule returns the Python float itself, not a float32.
        Assert.AreEqual(0.1, LrSchedule.OptaxConstant(0.1).GetLearningRate(1_000_000_000_000, 3));
    }

    [TestMethod]
    public void HugeStepsAreFinite()
    {
        LrSchedule[] all = [LrSchedule.OptaxLinear(1, 0.1, 50), LrSchedule.OptaxPolynomial(1, 0.1, 3, 50, 7),
            LrSchedule.OptaxExponentialDecay(1, 7, 0.9, staircase: true), LrSchedule.OptaxCosineDecay(1, 50, 0.1, 3),
            LrSchedule.OptaxPiecewiseInterpolate("linear", 1, new Dictionary<long, double> { [10] = 0.5 }),
            LrSchedule.OptaxLinearOnecycle(100, 1), LrSchedule.OptaxCosineOnecycle(100, 1),
            LrSchedule.OptaxWarmupCosineDecay(0, 1, 10, 100, 0.01), LrSchedule.OptaxSgdr([new(0, 1, 1, 10), new(0, 1, 1, 10)])];
        foreach (var s in all)
            foreach (long step in new[] { 1_000_000_000_000L, long.MaxValue / 2 })
            {
                double lr = s.GetLearningRate(step, 0);
                Assert.IsTrue(double.IsFinite(lr) && lr >= 0 && lr <= 1, $"{s.GetType().Name} {step}: {lr}");
            }
    }

    [TestMethod]
    public void DecaysAreNonIncreasing()
    {
        LrSchedule[] decaying = [LrSchedule.OptaxLinear(1, 0.1, 50), LrSchedule.OptaxPolynomial(1, 0.1, 3, 50),
            LrSchedule.OptaxExponentialDecay(1, 7, 0.9, staircase: true), LrSchedule.OptaxCosineDecay(1, 50, 0.1, 3),
            LrSchedule.OptaxPiecewiseConstant(1, new Dictionary<long, double> { [10] = 0.5, [20] = 0.1 }),
            LrSchedule.OptaxPiecewiseInterpolate("cosine", 1, new Dictionary<long, double> { [10] = 0.5, [20] = 0.1 })];
        foreach (var s in decaying)
            for (int t = 1; t <= 100; t++)
                Assert.IsTrue(s.GetLearningRate(t, 0) <= s.GetLearningRate(t - 1, 0), $"{s.GetType().Name} step {t}");
        var warmup = LrSchedule.OptaxWarmupCosineDecay(0, 1, 30, 100);
        for (int t = 1; t < 30; t++)
            Assert.IsTrue(warmup.GetLearningRate(t, 0) > warmup.GetLearningRate(t - 1, 0));
    }

    /// <summary>optax computes in float32: hand-computed exact values hold to float32 precision.</summary>
    private static void Near(double expected, double actual, string? message = null) =>
        Assert.AreEqual(expected, actual, Math.Max(Oracle.Float32Tolerance * Math.Abs(expected), Oracle.AbsoluteFloor), message);

    private static void Throws<T>(Action action, string message) where T : Exception =>
        StringAssert.Contains(Assert.ThrowsExactly<T>(action).Message, message);

    [TestMethod]
    public void InvalidParametersThrowWithTheirNames()
    {
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxConstant(-1), "Parameter 'value' must be a finite number >= 0; received -1.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxLinear(1, 0, 0), "Parameter 'transitionSteps' must be a duration of at least 1 step, a fraction of the run or 'rest'; received 0.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxLinear(1, 0, 10, -1), "Parameter 'transitionBegin' must be an integer >= 0; received -1.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxLinear(double.NaN, 0, 10), "Parameter 'initValue' must be a finite number >= 0; received NaN.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxPolynomial(1, 0, -2, 10), "Parameter 'power' must be a finite number >= 0; received -2.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxExponentialDecay(1, 0, 0.5), "Parameter 'transitionSteps' must be an integer >= 1; received 0.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxExponentialDecay(1, 10, 0), "Parameter 'decayRate' must be a finite number > 0; received 0.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxExponentialDecay(1, 10, 2, endValue: 0), "Parameter 'endValue' must be > 0 when decayRate >= 1, where it is an upper bound (0 would hold the value at 0); received 0.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxExponentialDecay(1, 10, 0.5, endValue: -1), "Parameter 'endValue' must be a finite number >= 0; received -1.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxPiecewiseConstant(1, new Dictionary<long, double> { [5] = -0.1 }),
            "Parameter 'scales' must hold finite numbers >= 0, as optax requires non-negative scale factors; received -0.1 at index 0.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxPiecewiseConstant(1, new Dictionary<long, double> { [-5] = 0.1 }),
            "Parameter 'boundaries' must hold steps >= 0; received -5 at index 0.");
        Throws<ArgumentException>(() => new OptaxPiecewiseConstantSchedule(1, [5, 3], [0.1, 0.1]),
            "Parameter 'boundaries' must be strictly increasing; received 5 then 3 at index 1.");
        Throws<ArgumentException>(() => new OptaxPiecewiseConstantSchedule(1, [5], [0.1, 0.1]),
            "Parameters 'boundaries' and 'scales' must have the same length (one scale per boundary); received 1 and 2.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxPiecewiseInterpolate("step", 1),
            "Parameter 'interpolateType' must be one of 'linear', 'cosine'; received 'step'.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxCosineDecay(1, 0), "Parameter 'decaySteps' must be a duration of at least 1 step, a fraction of the run or 'rest'; received 0.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxCosineDecay(1, 10, alpha: -0.5), "Parameter 'alpha' must be a finite number >= 0; received -0.5.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxCosineDecay(1, 10, exponent: -1), "Parameter 'exponent' must be a finite number >= 0; received -1.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxWarmupCosineDecay(0, 1, 10, 10),
            "Parameter 'decaySteps' must be greater than warmupSteps (10), as optax's cosine decay needs a positive length; received 10.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxWarmupCosineDecay(0, 1, -1, 10), "Parameter 'warmupSteps' must be an integer >= 0; received -1.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxLinearOnecycle(0, 1), "Parameter 'transitionSteps' must be a duration of at least 1 step, a fraction of the run or 'rest'; received 0.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxLinearOnecycle(10, 1, pctStart: 1.5), "Parameter 'pctStart' must be in [0, 1]; received 1.5.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxLinearOnecycle(10, 1, pctFinal: -0.5), "Parameter 'pctFinal' must be in [0, 1]; received -0.5.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxCosineOnecycle(10, 1, divFactor: 0), "Parameter 'divFactor' must be a finite number > 0; received 0.");
        Throws<ArgumentOutOfRangeException>(() => LrSchedule.OptaxCosineOnecycle(10, 1, finalDivFactor: -1), "Parameter 'finalDivFactor' must be a finite number > 0; received -1.");
        Throws<ArgumentException>(() => LrSchedule.OptaxSgdr([]), "Parameter 'cycles' must hold at least one cycle; received none.");
        Throws<ArgumentException>(() => LrSchedule.OptaxSgdr([new OptaxCosineCycle(0, 1, 5, 10), new OptaxCosineCycle(0, 1, 5, 5)]),
            "Parameter 'cycles' holds an invalid cycle at index 1: Parameter 'decaySteps' must be greater than warmupSteps (5)");
        Throws<ArgumentException>(() => LrSchedule.OptaxJoin([LrSchedule.OptaxConstant(1)], [5]),
            "Parameter 'boundaries' must hold one step per schedule but the first (0); received 1.");
        Throws<ArgumentException>(() => LrSchedule.OptaxJoin([LrSchedule.OptaxConstant(1), LrSchedule.OptaxConstant(1), LrSchedule.OptaxConstant(1)], [5, 3]),
            "Parameter 'boundaries' must be in non-decreasing order; received 5 then 3 at index 1.");
    }
}
