using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Tests.Serialization;

[TestClass]
public sealed class LrScheduleTextTests
{
    private static string Json(LrSchedule schedule) => LrScheduleJson.Serialize(schedule);

    [TestMethod]
    [DataRow("constant()")]
    [DataRow("  CONSTANT ( )  ")]
    [DataRow("(constant())")]
    [DataRow("((constant()))")]
    [DataRow("\uFEFFconstant()\n")]
    public void Parse_Constant(string text)
    {
        Assert.IsInstanceOfType<ConstantSchedule>(LrScheduleText.Parse(text));
    }

    [TestMethod]
    public void Format_Constant()
    {
        Assert.AreEqual("constant()", LrScheduleText.Format(new ConstantSchedule()));
        Assert.AreEqual("constant()", new ConstantSchedule().ToString());
    }

    [TestMethod]
    [DataRow("sequence(schedules=[constant(), constant()], lengths=[100])", "100")]
    [DataRow("sequence([constant(), constant()], [5%])", "5%")]
    [DataRow("sequence([constant(), constant()], [0.05])", "5%")]
    [DataRow("SequentialLR(Schedules = [constant(), constant()], LENGTHS = [1.0])", "100%")]
    [DataRow("join_schedules(constant(), constant(), lengths=[7])", "7")]
    [DataRow("sequence([constant(), constant()], lengths=[\"12\"])", null)]
    public void Parse_Sequence_WithDurationForms(string text, string? length)
    {
        if (length is null)
        {
            Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleText.Parse(text));
            return;
        }
        var schedule = (SequenceSchedule)LrScheduleText.Parse(text);
        Assert.AreEqual(2, schedule.Schedules.Count);
        Assert.AreEqual(length, schedule.Lengths[0].ToString());
    }

    [TestMethod]
    public void Format_Sequence_UsesKeywordsAndRoundTrips()
    {
        var schedule = new SequenceSchedule([new ConstantSchedule(), new SequenceSchedule([new ConstantSchedule()], [])], [Duration.Fraction(0.07)]);
        string text = LrScheduleText.Format(schedule);
        Assert.AreEqual("sequence(constant(), sequence(constant(), lengths=[]), lengths=[7%])", text);
        Assert.AreEqual(Json(schedule), Json(LrSchedule.Parse(text)));
    }

    [TestMethod]
    public void Parse_Then_WithoutLength_PointsAtTheOperand()
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleText.Parse("constant() >> constant()"));
        Assert.AreEqual(0, ex.Position);
        StringAssert.Contains(ex.Message, "'>>' needs the schedule before it to have a length, but 'constant' runs forever");
        StringAssert.Contains(ex.Message, "\n  constant() >> constant()\n  ^");
    }

    [TestMethod]
    public void Parse_Times_UsesTheRegisteredProduct()
    {
        if (ScheduleRegistry.Default.Find("product", e => e.IsSchedule, out _) is { } product)
        {
            Assert.AreEqual(product.Type, LrScheduleText.Parse("constant() * constant()").GetType());
            return;
        }
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleText.Parse("constant() * constant()"));
        Assert.AreEqual(11, ex.Position);
        StringAssert.Contains(ex.Message, "'*' builds a 'product' schedule, which this version of MLNet.LrSchedules does not have.");
    }

    [TestMethod]
    [DataRow("", 0, "Expected a schedule such as 'constant()' but the text is empty.")]
    [DataRow("cosntant()", 0, "Unknown schedule 'cosntant'. Did you mean 'constant'?")]
    [DataRow("constant", 8, "Expected '(' after the schedule name 'constant'; found the end of the text.")]
    [DataRow("constant(", 9, "Expected ',' or ')'")]
    [DataRow("constant(1)", 9, "'constant' takes no arguments.")]
    [DataRow("constant(eta_min=0)", 9, "'constant' has no parameter 'eta_min'; it takes none.")]
    [DataRow("constant() constant()", 11, "Expected '>>', '*' or the end of the text; found 'constant'.")]
    [DataRow("constant() > constant()", 11, "found a single '>'")]
    [DataRow("constant() >> ", 14, "Expected a schedule name or '('; found the end of the text.")]
    [DataRow("(constant()", 11, "Expected ')' to close the '(' at position 0")]
    [DataRow("constant() # x", 11, "Unexpected character '#'.")]
    [DataRow("sequence(schedules=[constant()], lengths=[], lengths=[])", 45, "Parameter 'lengths' of 'sequence' is given twice.")]
    [DataRow("sequence(schedules=[constant()], [])", 33, "A positional argument cannot follow keyword arguments")]
    [DataRow("sequence(schedules=[constant()])", 31, "'sequence' needs its parameter lengths.")]
    [DataRow("sequence([constant()], [-1])", 24, "Invalid value '-1' for 'lengths' of 'sequence': Parameter 'steps' must be an integer >= 0; received -1.")]
    [DataRow("sequence([constant()], [150%])", 24, "A percentage of the run must be in (0%, 100%]")]
    [DataRow("sequence([constant()], [1.5])", 24, "Parameter 'fraction' must be in (0, 1]; received 1.5.")]
    [DataRow("sequence([constant()], [x])", 24, "Expected a duration (1000 steps, 5% or 0.05 of the run, or rest) for 'lengths' of 'sequence'; found 'x'.")]
    [DataRow("sequence([constant()], 5)", 23, "Expected a list such as [1, 2] for 'lengths' of 'sequence'; found '5'.")]
    [DataRow("sequence([constant(), constant()], [])", 0, "Invalid 'sequence' schedule: Parameter 'lengths' must hold one length per schedule but the last (1); received 0.")]
    [DataRow("sequence([constant(), constant()], [rest])", 0, "received 'rest' at index 0")]
    [DataRow("sequence([constant()], [], x=1)", 27, "its parameters are schedules, lengths.")]
    [DataRow("sequence([constant()], [1e])", 25, "Expected digits after the exponent 'e'.")]
    [DataRow("sequence([constant()], [12abc])", 26, "Unexpected 'a' after the number 12.")]
    [DataRow("sequence([constant()], [99999999999999999999])", 24, "Invalid value '99999999999999999999'")]
    [DataRow("sequence(\"x)", 9, "Unterminated string")]
    public void Parse_Errors_HavePositionAndMessage(string text, int position, string message)
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleText.Parse(text));
        StringAssert.Contains(ex.Message, message);
        Assert.AreEqual(position, ex.Position, ex.Message);
        Assert.AreEqual(1, ex.Line);
        Assert.AreEqual(position + 1, ex.Column);
    }

    [TestMethod]
    public void Parse_Error_OnSecondLine_ShowsThatLineWithCaret()
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleText.Parse("sequence(\n  [constant()],\n  [zero])"));
        Assert.AreEqual(3, ex.Line);
        Assert.AreEqual(4, ex.Column);
        Assert.AreEqual(29, ex.Position);
        StringAssert.EndsWith(ex.Message, "\n    [zero])\n     ^");
    }

    [TestMethod]
    public void Parse_DeepNesting_IsRejectedNotOverflowed()
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleText.Parse(new string('(', 100_000 - 20) + "constant()"));
        StringAssert.Contains(ex.Message, "nests deeper than 64 levels");
        string lists = string.Concat(Enumerable.Repeat("sequence([", 40)) + "constant()" + string.Concat(Enumerable.Repeat("], [])", 40));
        StringAssert.Contains(Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleText.Parse(lists)).Message, "nests deeper");
    }

    [TestMethod]
    public void Parse_TooLong_And_Null_AreRejected()
    {
        Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleText.Parse(new string(' ', LrScheduleText.MaxLength + 1)));
        Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleText.Parse(null!));
    }

    [TestMethod]
    public void LrScheduleFormatException_IsAFormatException()
    {
        Assert.IsInstanceOfType<FormatException>(new LrScheduleFormatException("x"));
    }
}

[TestClass]
public sealed class TextLiteralTests
{
    private static object? Literal(string text, Type type) => TextParser.ParseLiteral(text, type);

    [TestMethod]
    [DataRow("1e-5", 1e-5)]
    [DataRow("0.5", 0.5)]
    [DataRow("-2", -2.0)]
    [DataRow("3", 3.0)]
    [DataRow(".25", 0.25)]
    [DataRow("1E+3", 1000.0)]
    [DataRow("inf", double.PositiveInfinity)]
    [DataRow("-inf", double.NegativeInfinity)]
    public void Doubles(string text, double expected) => Assert.AreEqual(expected, Literal(text, typeof(double)));

    [TestMethod]
    public void Integers()
    {
        Assert.AreEqual(42L, Literal("42", typeof(long)));
        Assert.AreEqual(-7, Literal("-7", typeof(int)));
        StringAssert.Contains(Assert.ThrowsExactly<LrScheduleFormatException>(() => Literal("2.5", typeof(int))).Message, "Expected a whole number; found '2.5'.");
        Assert.ThrowsExactly<LrScheduleFormatException>(() => Literal("3000000000", typeof(int)));
    }

    [TestMethod]
    public void Booleans_AreCaseInsensitive()
    {
        Assert.AreEqual(true, Literal("True", typeof(bool)));
        Assert.AreEqual(false, Literal("false", typeof(bool)));
        Assert.ThrowsExactly<LrScheduleFormatException>(() => Literal("1", typeof(bool)));
    }

    [TestMethod]
    public void Strings_AreIdentifiersOrQuoted()
    {
        Assert.AreEqual("cos", Literal("cos", typeof(string)));
        Assert.AreEqual("a b\"c", Literal("\"a b\\\"c\"", typeof(string)));
        Assert.AreEqual("x", Literal("'x'", typeof(string)));
    }

    [TestMethod]
    public void Enums_BySnakeCaseOrClrName()
    {
        Assert.AreEqual(ScheduleSignal.GradientDot, Literal("gradient_dot", typeof(ScheduleSignal)));
        Assert.AreEqual(ScheduleSignal.GradientDot, Literal("GradientDot", typeof(ScheduleSignal)));
        Assert.AreEqual(ScheduleSignal.Metric, Literal("\"metric\"", typeof(ScheduleSignal)));
        StringAssert.Contains(Assert.ThrowsExactly<LrScheduleFormatException>(() => Literal("gradient", typeof(ScheduleSignal))).Message,
            "Expected one of metric, loss, gradient_dot; found 'gradient'.");
    }

    [TestMethod]
    [DataRow("1000", "1000")]
    [DataRow("0", "0")]
    [DataRow("5%", "5%")]
    [DataRow("0.05", "5%")]
    [DataRow("1.0", "100%")]
    [DataRow("rest", "rest")]
    [DataRow("REST", "rest")]
    public void Durations(string text, string expected) => Assert.AreEqual(expected, Literal(text, typeof(Duration))!.ToString());

    [TestMethod]
    [DataRow("-1", "Parameter 'steps' must be an integer >= 0; received -1.")]
    [DataRow("0%", "A percentage of the run must be in (0%, 100%]; received 0%.")]
    [DataRow("2.5", "Parameter 'fraction' must be in (0, 1]; received 2.5.")]
    [DataRow("forever", "Expected a duration")]
    public void Durations_Invalid(string text, string message) =>
        StringAssert.Contains(Assert.ThrowsExactly<LrScheduleFormatException>(() => Literal(text, typeof(Duration))).Message, message);

    [TestMethod]
    public void Format_Doubles_ParseBackExactly()
    {
        var random = new Random(7);
        for (int i = 0; i < 1000; i++)
        {
            double value = BitConverter.Int64BitsToDouble(random.NextInt64());
            if (!double.IsFinite(value)) continue;
            Assert.AreEqual(value, Literal(LrScheduleText.FormatDouble(value), typeof(double)));
        }
    }

    [TestMethod]
    public void Format_Fractions_ParseBackExactly()
    {
        var random = new Random(8);
        for (int i = 0; i < 2000; i++)
        {
            double fraction = i % 2 == 0 ? 1 - random.NextDouble() : random.Next(1, 100_001) / 100_000.0;
            var duration = Duration.Fraction(fraction);
            string text = DurationText.Format(duration);
            Assert.AreEqual(duration, Literal(text, typeof(Duration)), text);
        }
    }
}
