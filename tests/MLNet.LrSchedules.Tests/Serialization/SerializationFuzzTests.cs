using System.Text;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Tests.Serialization;

/// <summary>Malformed input of any kind reports an <see cref="LrScheduleFormatException"/> and nothing else.</summary>
[TestClass]
public sealed class SerializationFuzzTests
{
    private const int Iterations = 2500;

    private static readonly string JsonAlphabet = "{}[]:,\"\\ \n\t0123456789.-+eEtrufalsn%_ytpeschdulngrtm";
    private static readonly string TextAlphabet = "()[],=>*%\"' \n0123456789.-+eE_abcdefghijklmnopqrstuvwxyzABCTXZ\\";

    private static string[] Tokens { get; } =
    [
        .. ScheduleRegistry.Default.Entries.SelectMany(e => e.AllNames),
        .. ScheduleRegistry.Default.Entries.SelectMany(e => e.Parameters).Select(p => p.Name),
        "\"type\"", "\"format_version\"", "rest", "5%", "1e-5", "-1", "0", "1e999", "true", "null", "NaN", "Infinity", "[]", "{}",
        ">>", "*", "(", ")", "=", ",", "9223372036854775808", "\"\\u0000\"", "é", "\ud800",
    ];

    private static void JsonOnlyFails(string json)
    {
        try
        {
            var schedule = LrScheduleJson.Deserialize(json);
            // Whatever reads must also write.
            _ = LrScheduleJson.Serialize(schedule);
            _ = LrScheduleText.Format(schedule);
        }
        catch (LrScheduleFormatException ex)
        {
            Assert.IsFalse(string.IsNullOrWhiteSpace(ex.Message));
            if (ex.Position is { } p) Assert.IsTrue(p >= 0 && p <= json.Length, $"position {p} outside input of {json.Length}");
        }
        catch (Exception ex)
        {
            Assert.Fail($"{ex.GetType().Name} escaped for JSON input {Quote(json)}: {ex}");
        }
        try { _ = LrScheduleJson.DeserializeState(json); }
        catch (LrScheduleFormatException) { }
        catch (Exception ex) { Assert.Fail($"{ex.GetType().Name} escaped for state input {Quote(json)}: {ex}"); }
    }

    private static void TextOnlyFails(string text)
    {
        try
        {
            var schedule = LrScheduleText.Parse(text);
            _ = LrScheduleText.Format(schedule);
            _ = LrScheduleJson.Serialize(schedule);
        }
        catch (LrScheduleFormatException ex)
        {
            Assert.IsNotNull(ex.Position, ex.Message);
            Assert.IsTrue(ex.Position >= 0 && ex.Position <= text.Length, $"position {ex.Position} outside input of {text.Length}");
            StringAssert.Contains(ex.Message, "^");
        }
        catch (Exception ex)
        {
            Assert.Fail($"{ex.GetType().Name} escaped for text input {Quote(text)}: {ex}");
        }
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";

    private static string RandomString(Random random, string alphabet, int maxLength)
    {
        var builder = new StringBuilder();
        int length = random.Next(maxLength);
        while (builder.Length < length)
        {
            if (random.Next(4) == 0) builder.Append(Tokens[random.Next(Tokens.Length)]);
            else builder.Append(alphabet[random.Next(alphabet.Length)]);
        }
        return builder.ToString();
    }

    private static string Mutate(Random random, string valid)
    {
        var builder = new StringBuilder(valid);
        int mutations = random.Next(1, 4);
        for (int m = 0; m < mutations; m++)
        {
            int at = builder.Length == 0 ? 0 : random.Next(builder.Length);
            switch (random.Next(6))
            {
                case 0 when builder.Length > 0:
                    builder.Remove(at, Math.Min(builder.Length - at, random.Next(1, 6)));
                    break;
                case 1:
                    builder.Insert(at, (JsonAlphabet + TextAlphabet)[random.Next(JsonAlphabet.Length + TextAlphabet.Length)]);
                    break;
                case 2 when builder.Length > 0:
                    builder[at] = (JsonAlphabet + TextAlphabet)[random.Next(JsonAlphabet.Length + TextAlphabet.Length)];
                    break;
                case 3:
                    builder.Insert(at, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 4 when builder.Length > 0:
                    int length = Math.Min(builder.Length - at, random.Next(1, 20));
                    builder.Insert(at, builder.ToString(at, length));
                    break;
                default:
                    // Swap two digits-or-signs to get other (often out-of-range) numbers.
                    if (builder.Length > 0 && char.IsAsciiDigit(builder[at])) builder[at] = "0-9."[random.Next(4)];
                    break;
            }
        }
        return builder.ToString();
    }

    [TestMethod]
    public void RandomJson_OnlyFormatExceptions()
    {
        var random = new Random(20261123);
        for (int i = 0; i < Iterations; i++) JsonOnlyFails(RandomString(random, JsonAlphabet, 80));
    }

    [TestMethod]
    public void RandomText_OnlyFormatExceptions()
    {
        var random = new Random(20261124);
        for (int i = 0; i < Iterations; i++) TextOnlyFails(RandomString(random, TextAlphabet, 80));
    }

    [TestMethod]
    public void RandomBytes_OnlyFormatExceptions()
    {
        var random = new Random(20261125);
        var bytes = new byte[64];
        for (int i = 0; i < Iterations; i++)
        {
            random.NextBytes(bytes);
            string input = Encoding.UTF8.GetString(bytes, 0, random.Next(bytes.Length));
            JsonOnlyFails(input);
            TextOnlyFails(input);
        }
    }

    [TestMethod]
    public void MutatedValidJson_OnlyFormatExceptions()
    {
        var random = new Random(20261126);
        var schedules = new RandomSchedules(random);
        // Generating valid schedules costs more than parsing: mutate each several times.
        var valid = Enumerable.Range(0, Iterations / 5).Select(i => i % 5 == 0
            ? LrScheduleJson.SerializeState(schedules.SchedulerState(), indented: random.Next(2) == 0)
            : LrScheduleJson.Serialize(schedules.Schedule(2), indented: random.Next(2) == 0)).ToArray();
        for (int i = 0; i < Iterations; i++) JsonOnlyFails(Mutate(random, valid[i % valid.Length]));
    }

    [TestMethod]
    public void MutatedValidText_OnlyFormatExceptions()
    {
        var random = new Random(20261127);
        var schedules = new RandomSchedules(random);
        var valid = Enumerable.Range(0, Iterations / 5).Select(_ => LrScheduleText.Format(schedules.Schedule(2))).ToArray();
        for (int i = 0; i < Iterations; i++) TextOnlyFails(Mutate(random, valid[i % valid.Length]));
    }
}
