using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Tests.Serialization;

[TestClass]
public sealed class LrScheduleJsonTests
{
    private static SequenceSchedule TwoConstants(Duration length) =>
        new([new ConstantSchedule(), new ConstantSchedule()], [length]);

    [TestMethod]
    public void Constant_WritesTypeAndVersion()
    {
        Assert.AreEqual("""{"format_version":1,"type":"constant"}""", LrScheduleJson.Serialize(new ConstantSchedule()));
    }

    [TestMethod]
    public void SequenceOfTwo_WritesNestedTypesAndStepLength()
    {
        Assert.AreEqual(
            """{"format_version":1,"type":"sequence","schedules":[{"type":"constant"},{"type":"constant"}],"lengths":[100]}""",
            LrScheduleJson.Serialize(TwoConstants(100)));
    }

    [TestMethod]
    [DataRow(0.05, "5%")]
    [DataRow(0.07, "7%")]
    [DataRow(1.0, "100%")]
    [DataRow(0.125, "12.5%")]
    [DataRow(0.001, "0.1%")]
    public void FractionDuration_WritesShortestExactPercentage(double fraction, string expected)
    {
        string json = LrScheduleJson.Serialize(TwoConstants(Duration.Fraction(fraction)));
        StringAssert.Contains(json, $"\"lengths\":[\"{expected}\"]");
        var back = (SequenceSchedule)LrScheduleJson.Deserialize(json);
        Assert.AreEqual(fraction, back.Lengths[0].FractionOfRun);
    }

    [TestMethod]
    public void RestDuration_WritesRest()
    {
        var sequence = new SequenceSchedule([new ConstantSchedule()], []);
        var nested = new SequenceSchedule([sequence, new ConstantSchedule()], [Duration.Fraction(0.5)]);
        Assert.AreEqual(
            """{"format_version":1,"type":"sequence","schedules":[{"type":"sequence","schedules":[{"type":"constant"}],"lengths":[]},{"type":"constant"}],"lengths":["50%"]}""",
            nested.ToJson());
    }

    [TestMethod]
    public void Indented_IsReadable_AndRoundTrips()
    {
        string json = TwoConstants(100).ToJson(indented: true);
        StringAssert.StartsWith(json, "{\n  \"format_version\": 1,\n  \"type\": \"sequence\",");
        Assert.AreEqual(TwoConstants(100).ToJson(), LrSchedule.FromJson(json).ToJson());
    }

    [TestMethod]
    public void Resolved_SerializesAsIntegers()
    {
        var schedule = TwoConstants(Duration.Fraction(0.25)).Resolve(1000);
        Assert.AreEqual(
            """{"format_version":1,"type":"sequence","schedules":[{"type":"constant"},{"type":"constant"}],"lengths":[250]}""",
            schedule.ToJson());
    }

    [TestMethod]
    [DataRow("""{"type":"sequence","schedules":[{"type":"constant"},{"type":"constant"}],"lengths":[100]}""", "100")]
    [DataRow("""{"type":"sequence","schedules":[{"type":"constant"},{"type":"constant"}],"lengths":["5%"]}""", "5%")]
    [DataRow("""{"type":"sequence","schedules":[{"type":"constant"},{"type":"constant"}],"lengths":[0.05]}""", "5%")]
    [DataRow("""{"type":"sequence","schedules":[{"type":"constant"},{"type":"constant"}],"lengths":["250"]}""", "250")]
    [DataRow("""{"schedules":[{"type":"constant"},{"type":"constant"}],"lengths":["REST"],"type":"sequence","format_version":1}""", "rest")]
    public void Deserialize_AcceptsDurationForms_MissingVersion_AndAnyPropertyOrder(string json, string length)
    {
        // "rest" is rejected by the sequence for a non-last segment, except here we check the converter first.
        if (length == "rest")
        {
            var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(json));
            StringAssert.Contains(ex.Message, "'sequence'");
            StringAssert.Contains(ex.Message, "received 'rest' at index 0");
            return;
        }
        var schedule = (SequenceSchedule)LrScheduleJson.Deserialize(json);
        Assert.AreEqual(length, schedule.Lengths[0].ToString());
    }

    [TestMethod]
    public void Deserialize_RunsConstructorValidation_NamingTheType()
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(
            """{"format_version":1,"type":"sequence","schedules":[{"type":"constant"},{"type":"constant"}],"lengths":[]}"""));
        StringAssert.Contains(ex.Message, "Invalid 'sequence' schedule");
        StringAssert.Contains(ex.Message, "Parameter 'lengths' must hold one length per schedule but the last (1); received 0.");
        Assert.IsInstanceOfType<ArgumentException>(ex.InnerException);
    }

    [TestMethod]
    public void Deserialize_ConstructorRejection_IsLocatedAtTheRejectedObject()
    {
        string json = "{\"type\":\"sequence\",\"lengths\":[50],\n \"schedules\":[{\"type\":\"constant\"},\n  {\"type\":\"sequence\",\"schedules\":[{\"type\":\"constant\"}],\"lengths\":[5]}]}";
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(json));
        StringAssert.Contains(ex.Message, "Invalid 'sequence' schedule in the schedule JSON: Parameter 'lengths' must hold one length per schedule but the last (0); received 1.");
        Assert.AreEqual(json.LastIndexOf("{\"type\":\"sequence\"", StringComparison.Ordinal), ex.Position);
        Assert.AreEqual(3, ex.Line);
        Assert.AreEqual(3, ex.Column);
    }

    [TestMethod]
    public void Deserialize_AliasAsType_SaysWhichNameToUse()
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize("""{"type":"SequentialLR","schedules":[],"lengths":[]}"""));
        StringAssert.Contains(ex.Message, "\"type\": \"SequentialLR\" is an alias; JSON names the type by its name \"sequence\".");
    }

    [TestMethod]
    public void Deserialize_NewerVersion_IsRejectedBeforeAnythingElse()
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(
            """{"type":"quantum_annealing","future_knob":3,"format_version":2}"""));
        StringAssert.Contains(ex.Message, "\"format_version\": 2, newer than this version of MLNet.LrSchedules reads (up to 1)");
        Assert.AreEqual(1, ex.Line);
        Assert.AreEqual(62, ex.Column);
        Assert.AreEqual(61, ex.Position);
    }

    [TestMethod]
    [DataRow("""{"format_version":0,"type":"constant"}""")]
    [DataRow("""{"format_version":"1","type":"constant"}""")]
    [DataRow("""{"format_version":1.5,"type":"constant"}""")]
    public void Deserialize_InvalidVersion_IsRejected(string json)
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(json));
        StringAssert.Contains(ex.Message, "\"format_version\" must be a whole number >= 1");
        Assert.AreEqual(18, ex.Position);
    }

    [TestMethod]
    public void Deserialize_UnknownType_IsRejectedWithLocation()
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(
            "{\n  \"type\": \"sequence\",\n  \"schedules\": [{\"type\": \"System.IO.FileInfo\"}],\n  \"lengths\": []\n}"));
        StringAssert.Contains(ex.Message, "Read unrecognized type discriminator id 'System.IO.FileInfo'. (in the list's element [0]) Known types: ");
        Assert.AreEqual(3, ex.Line);
        // Just inside the element's '{'.
        Assert.AreEqual(18, ex.Column);
        Assert.AreEqual(41, ex.Position);
    }

    [TestMethod]
    public void Deserialize_NullInScheduleList_IsRejectedWhereItIs()
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(
            """{"type":"sequence","schedules":[{"type":"constant"},null],"lengths":[5]}"""));
        StringAssert.Contains(ex.Message, "A list of schedules must not contain null; received null at index 1.");
        Assert.AreEqual(56, ex.Position);
    }

    [TestMethod]
    public void Deserialize_WrongKindOfValue_NamesTheProperty()
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(
            """{"type":"sequence","schedules":{"type":"constant"},"lengths":[5]}"""));
        StringAssert.Contains(ex.Message, "Expected a list of schedules");
        ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(
            """{"type":"sequence","schedules":[{"type":"constant"}],"lengths":"5"}"""));
        StringAssert.Contains(ex.Message, "\"lengths\" must be a list, each item a duration: a step count, \"5%\" or \"rest\".");
    }

    [TestMethod]
    public void Deserialize_MissingType_SaysTypeIsNeeded()
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize("""{"lengths":[]}"""));
        StringAssert.Contains(ex.Message, "needs a \"type\" property naming one of:");
        StringAssert.Contains(ex.Message, "sequence");
    }

    [TestMethod]
    public void Deserialize_UnknownProperty_IsRejected()
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize("""{"type":"constant","eta_min":0}"""));
        StringAssert.Contains(ex.Message, "'constant' has no property \"eta_min\"; it takes none.");
        ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize("""{"type":"sequence","schedules":[],"lengths":[],"length":[]}"""));
        StringAssert.Contains(ex.Message, "'sequence' has no property \"length\"; its properties are \"schedules\", \"lengths\".");
        Assert.AreEqual(1, ex.Line);
    }

    [TestMethod]
    public void Deserialize_MissingRequiredProperty_IsRejected()
    {
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize("""{"type":"sequence","schedules":[{"type":"constant"}]}"""));
        StringAssert.Contains(ex.Message, "'sequence' needs \"lengths\", which has no default.");
    }

    [TestMethod]
    [DataRow("[-1]", "step count >= 0")]
    [DataRow("[\"0%\"]", "percentage of the run in (0%, 100%]")]
    [DataRow("[1.5]", "fraction of the run in (0, 1]")]
    [DataRow("[true]", "received a True")]
    public void Deserialize_BadDuration_IsRejectedWithLocation(string lengths, string message)
    {
        string json = "{\"type\":\"sequence\",\"schedules\":[{\"type\":\"constant\"},{\"type\":\"constant\"}],\"lengths\":" + lengths + "}";
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(json));
        StringAssert.Contains(ex.Message, message);
        Assert.AreEqual(1, ex.Line);
        Assert.IsNotNull(ex.Position);
    }

    [TestMethod]
    public void Deserialize_SyntaxError_ReportsCharacterPositionAfterNonAscii()
    {
        // "é" is two UTF-8 bytes: the column counts characters, not bytes.
        string json = "{\"type\":\"constant\", \"é\": }";
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(json));
        Assert.AreEqual(json.IndexOf('}'), ex.Position);
        Assert.AreEqual(json.IndexOf('}') + 1, ex.Column);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("null")]
    [DataRow("42")]
    [DataRow("[]")]
    [DataRow("{")]
    [DataRow("{\"type\":\"constant\"} trailing")]
    [DataRow("{\"type\":\"constant\",\"type\":\"sequence\"}")]
    [DataRow("{\"type\":\"product\"}")]
    public void Deserialize_Malformed_ThrowsFormatException(string json)
    {
        Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(json));
    }

    [TestMethod]
    public void Deserialize_AcceptsByteOrderMarkAndWhitespace()
    {
        Assert.IsInstanceOfType<ConstantSchedule>(LrScheduleJson.Deserialize("\uFEFF \n {\"type\" : \"constant\"}\n"));
    }

    [TestMethod]
    public void Deserialize_Null_ThrowsFormatException()
    {
        Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(null!));
    }

    [TestMethod]
    public void Deserialize_DeepNesting_IsRejected()
    {
        string json = new string('[', 10_000) + new string(']', 10_000);
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(json));
        Assert.IsNotNull(ex.Position);
        string nested = string.Concat(Enumerable.Repeat("{\"type\":\"sequence\",\"lengths\":[],\"schedules\":[", 100)) + "{\"type\":\"constant\"}"
            + string.Concat(Enumerable.Repeat("]}", 100));
        StringAssert.Contains(Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(nested)).Message, "depth");
    }

    [TestMethod]
    public void Deserialize_TooLong_IsRejected()
    {
        string json = "{\"type\":\"constant\"" + new string(' ', LrScheduleJson.MaxLength) + "}";
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.Deserialize(json));
        StringAssert.Contains(ex.Message, "at most");
    }

    [TestMethod]
    public void SchedulerState_RoundTrips()
    {
        var state = new LrSchedulerState(0.1, 1234, null);
        string json = LrScheduleJson.SerializeState(state);
        Assert.AreEqual("""{"format_version":1,"base_learning_rate":0.1,"step":1234,"reactive":null}""", json);
        Assert.AreEqual(state, LrScheduleJson.DeserializeState(json));
    }

    [TestMethod]
    public void SchedulerState_FromScheduler_RoundTrips()
    {
        var scheduler = new LrScheduler(TwoConstants(Duration.Fraction(0.5)), 0.01, totalSteps: 10);
        for (int i = 0; i < 7; i++) scheduler.Advance();
        var back = LrScheduleJson.DeserializeState(LrScheduleJson.SerializeState(scheduler.GetState()));
        var resumed = new LrScheduler(LrSchedule.FromJson(scheduler.Schedule.ToJson()), back);
        Assert.AreEqual(7, resumed.Step);
        Assert.AreEqual(scheduler.LearningRate, resumed.LearningRate);
    }

    [TestMethod]
    [DataRow("""{"base_learning_rate":-1,"step":0}""", "BaseLearningRate")]
    [DataRow("""{"base_learning_rate":0.1,"step":0,"reactive":{"type":"no_such_state"}}""", "$.reactive")]
    [DataRow("""{"base_learning_rate":0.1,"step":0,"reactive":{"type":"constant"}}""", "$.reactive")]
    [DataRow("""{"format_version":9,"base_learning_rate":0.1,"step":0}""", "newer")]
    public void SchedulerState_Malformed_ThrowsFormatException(string json, string mention)
    {
        // A negative base rate is accepted by the record and rejected when a scheduler resumes from it.
        if (mention == "BaseLearningRate")
        {
            Assert.AreEqual(-1, LrScheduleJson.DeserializeState(json).BaseLearningRate);
            return;
        }
        var ex = Assert.ThrowsExactly<LrScheduleFormatException>(() => LrScheduleJson.DeserializeState(json));
        StringAssert.Contains(ex.Message, mention);
    }
}
