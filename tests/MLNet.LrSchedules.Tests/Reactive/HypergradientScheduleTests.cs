namespace MLNet.LrSchedules.Tests.Reactive;

[TestClass]
public sealed class HypergradientScheduleTests
{
    [TestMethod]
    public void AddsBetaTimesTheReportedDotProduct()
    {
        var s = new HypergradientSchedule(hypergradientLr: 0.01);
        Assert.AreEqual(ScheduleSignal.GradientDot, s.Signal);
        var state = s.CreateState(0.1);
        Assert.AreEqual(0.1, state.LearningRate);
        state = s.Observe(state, 2);    // gradients agree: α grows
        Assert.AreEqual(0.12, state.LearningRate, 1e-15);
        state = s.Observe(state, -5);   // the last step overshot: α shrinks
        Assert.AreEqual(0.07, state.LearningRate, 1e-15);
        Assert.AreEqual(new HypergradientState(state.LearningRate), state);
    }

    [TestMethod]
    public void FollowsSgdHdOnAQuadratic()
    {
        // f(θ) = θ²/2, ∇f = θ; SGD-HD: g_t = θ_{t−1}, α_t = α_{t−1} + β·g_t·g_{t−1}, θ_t = θ_{t−1} − α_t·g_t.
        const double beta = 0.05;
        var scheduler = new LrScheduler(new HypergradientSchedule(beta), 0.1);
        double theta = 1, previousGradient = double.NaN, alpha = 0.1;
        for (int t = 0; t < 20; t++)
        {
            double gradient = theta;
            if (t > 0)
            {
                scheduler.Report(ScheduleSignal.GradientDot, gradient * previousGradient);
                alpha += beta * gradient * previousGradient;
            }
            Assert.AreEqual(alpha, scheduler.LearningRate, 1e-15, $"step {t}");
            theta -= scheduler.LearningRate * gradient;
            previousGradient = gradient;
            scheduler.Advance();
        }
        Assert.IsTrue(scheduler.LearningRate > 0.1, "on a convex bowl consecutive gradients agree, so α grows");
    }

    [TestMethod]
    public void ClampsToBoundsIncludingTheStart()
    {
        var s = new HypergradientSchedule(0.1, minLr: 0.01, maxLr: 0.5);
        Assert.AreEqual(0.01, s.Observe(s.CreateState(0.1), -100).LearningRate);
        Assert.AreEqual(0.5, s.Observe(s.CreateState(0.1), 100).LearningRate);
        Assert.AreEqual(0.5, s.CreateState(2.0).LearningRate, "the start is clamped too");
        Assert.AreEqual(0.01, s.CreateState(0.0).LearningRate);
        var unbounded = new HypergradientSchedule(1);
        Assert.AreEqual(0.0, unbounded.MinLr);
        Assert.AreEqual(double.MaxValue, unbounded.MaxLr);
        Assert.AreEqual(0.0, unbounded.Observe(unbounded.CreateState(0.1), -1).LearningRate);
        Assert.AreEqual(double.MaxValue, unbounded.Observe(new HypergradientState(double.MaxValue), double.MaxValue).LearningRate, "overflow stays finite");
    }

    [TestMethod]
    [DataRow(double.NaN, "Parameter 'value' must be a finite number; received NaN.")]
    [DataRow(double.PositiveInfinity, "Parameter 'value' must be a finite number; received Infinity.")]
    [DataRow(double.NegativeInfinity, "Parameter 'value' must be a finite number; received -Infinity.")]
    public void RejectsNonFiniteDotProducts(double value, string message)
    {
        var s = new HypergradientSchedule(0.1);
        StringAssert.StartsWith(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s.Observe(s.CreateState(1), value)).Message, message);
    }

    [TestMethod]
    public void RejectsInvalidParameters()
    {
        void Expect(Func<object> create, string param, string message)
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(create);
            StringAssert.StartsWith(e.Message, message);
            Assert.AreEqual(param, e.ParamName);
        }
        Expect(() => new HypergradientSchedule(0), "hypergradientLr", "Parameter 'hypergradientLr' must be a finite number > 0; received 0.");
        Expect(() => new HypergradientSchedule(-0.001), "hypergradientLr", "Parameter 'hypergradientLr' must be a finite number > 0; received -0.001.");
        Expect(() => new HypergradientSchedule(double.NaN), "hypergradientLr", "Parameter 'hypergradientLr' must be a finite number > 0; received NaN.");
        Expect(() => new HypergradientSchedule(0.1, minLr: -1), "minLr", "Parameter 'minLr' must be a finite number >= 0; received -1.");
        Expect(() => new HypergradientSchedule(0.1, maxLr: double.PositiveInfinity), "maxLr", "Parameter 'maxLr' must be a finite number >= 0; received Infinity.");
        Expect(() => new HypergradientSchedule(0.1, minLr: 0.5, maxLr: 0.25), "maxLr", "Parameter 'maxLr' must be >= minLr (0.5); received 0.25.");
        Expect(() => new HypergradientState(-0.1), "learningRate", "Parameter 'learningRate' must be a finite number >= 0; received -0.1.");
    }

    [TestMethod]
    public void RejectsForeignStates()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => new HypergradientSchedule(0.1).GetLearningRate(new PlateauSchedule().CreateState(1)));
        StringAssert.StartsWith(e.Message, "Parameter 'state' must be a HypergradientState; received a PlateauState.");
    }
}
