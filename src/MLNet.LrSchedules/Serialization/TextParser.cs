using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace MLNet.LrSchedules.Serialization;

internal enum TokenKind
{
    End,
    Identifier,
    Integer,
    Number,
    Percent,
    String,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Comma,
    Equals,
    Then,
    Times,
}

/// <summary>A token of the text form; <see cref="Text"/> is the identifier, the number's digits or the decoded string.</summary>
internal readonly record struct Token(TokenKind Kind, int Position, string Text)
{
    public string Describe() => Kind switch
    {
        TokenKind.End => "the end of the text",
        TokenKind.String => $"\"{Text}\"",
        _ => $"'{Text}'",
    };
}

/// <summary>Tokenizer and recursive-descent parser of the text form; every error carries the offending position.</summary>
internal sealed class TextParser
{
    /// <summary>The registered name of the schedule <c>a * b</c> builds.</summary>
    internal const string ProductName = "product";

    private static readonly string[] NoneWords = ["none", "null"];

    private readonly string _text;
    private readonly ScheduleRegistry _registry;
    private readonly List<Token> _tokens;
    private int _index;
    private int _depth;

    public TextParser(string text, ScheduleRegistry registry)
    {
        _text = text;
        _registry = registry;
        _tokens = Tokenize(text);
    }

    private Token Current => _tokens[_index];

    private Token PeekAt(int offset) => _tokens[Math.Min(_index + offset, _tokens.Count - 1)];

    private Token Advance() => _tokens[_index < _tokens.Count - 1 ? _index++ : _index];

    public LrSchedule ParseDocument()
    {
        if (Current.Kind == TokenKind.End)
            throw Error(Current.Position, "Expected a schedule such as 'constant()' but the text is empty.");
        var schedule = ParseExpression();
        if (Current.Kind != TokenKind.End)
            throw Error(Current.Position, $"Expected '>>', '*' or the end of the text; found {Current.Describe()}.");
        return schedule;
    }

    // expr := term ('>>' term)*
    private LrSchedule ParseExpression()
    {
        Enter();
        int start = Current.Position;
        var terms = new List<(LrSchedule Schedule, int Position)> { (ParseTerm(), start) };
        while (Current.Kind == TokenKind.Then)
        {
            Advance();
            int position = Current.Position;
            terms.Add((ParseTerm(), position));
        }
        _depth--;
        if (terms.Count == 1) return terms[0].Schedule;
        var lengths = new Duration[terms.Count - 1];
        for (int i = 0; i < lengths.Length; i++)
            lengths[i] = terms[i].Schedule.Length
                ?? throw Error(terms[i].Position,
                    $"'>>' needs the schedule before it to have a length, but '{NameOf(terms[i].Schedule)}' runs forever (or its length is not known yet); " +
                    "give the segment lengths explicitly with sequence(schedules=[...], lengths=[...]).");
        var schedules = terms.Select(t => t.Schedule).ToArray();
        return Construct("sequence", terms[0].Position, () => new SequenceSchedule(schedules, lengths));
    }

    // term := factor ('*' factor)*
    private LrSchedule ParseTerm()
    {
        var factors = new List<LrSchedule> { ParseFactor() };
        int operatorPosition = -1;
        while (Current.Kind == TokenKind.Times)
        {
            if (operatorPosition < 0) operatorPosition = Current.Position;
            Advance();
            factors.Add(ParseFactor());
        }
        return factors.Count == 1 ? factors[0] : Combine(ProductName, "'*'", factors, operatorPosition);
    }

    // factor := name '(' args? ')' | '(' expr ')'
    private LrSchedule ParseFactor()
    {
        var token = Current;
        if (token.Kind == TokenKind.LeftParen)
        {
            Advance();
            var inner = ParseExpression();
            Expect(TokenKind.RightParen, "')' to close the '(' at position " + token.Position.ToString(CultureInfo.InvariantCulture));
            return inner;
        }
        if (token.Kind != TokenKind.Identifier)
            throw Error(token.Position, $"Expected a schedule name or '('; found {token.Describe()}.");
        var entry = Lookup(token);
        Advance();
        if (Current.Kind != TokenKind.LeftParen)
            throw Error(Current.Position, $"Expected '(' after the schedule name '{token.Text}'; found {Current.Describe()}.");
        return ParseCall(entry, token.Position);
    }

    private LrSchedule ParseCall(ScheduleTypeEntry entry, int namePosition)
    {
        Enter();
        Advance(); // '('
        var parameters = entry.Parameters;
        var values = new object?[parameters.Length];
        var given = new bool[parameters.Length];
        int positional = 0;
        bool sawKeyword = false;
        if (Current.Kind != TokenKind.RightParen)
        {
            while (true)
            {
                if (Current.Kind == TokenKind.End)
                    throw Error(Current.Position, $"Expected ',' or ')' to close the arguments of '{entry.Name}'; found the end of the text.");
                if (Current.Kind == TokenKind.Identifier && PeekAt(1).Kind == TokenKind.Equals)
                {
                    var key = Advance();
                    Advance(); // '='
                    int index = Array.FindIndex(parameters, p => p.Matches(key.Text));
                    if (index < 0)
                        throw Error(key.Position, $"'{entry.Name}' has no parameter '{key.Text}'; " +
                            (parameters.Length == 0 ? "it takes none." : $"its parameters are {string.Join(", ", parameters.Select(Describe))}."));
                    if (given[index])
                        throw Error(key.Position, $"Parameter '{parameters[index].Name}' of '{entry.Name}' is given twice.");
                    values[index] = ParseValue(parameters[index].Type, parameters[index], entry, variadic: false);
                    given[index] = true;
                    sawKeyword = true;
                }
                else
                {
                    if (sawKeyword)
                        throw Error(Current.Position, $"A positional argument cannot follow keyword arguments in '{entry.Name}(...)'.");
                    if (positional >= parameters.Length)
                        throw Error(Current.Position, parameters.Length == 0
                            ? $"'{entry.Name}' takes no arguments."
                            : $"'{entry.Name}' takes at most {parameters.Length} argument(s): {string.Join(", ", parameters.Select(Describe))}.");
                    values[positional] = ParseValue(parameters[positional].Type, parameters[positional], entry, variadic: true);
                    given[positional++] = true;
                }
                if (Current.Kind == TokenKind.Comma) { Advance(); continue; }
                if (Current.Kind == TokenKind.RightParen) break;
                throw Error(Current.Position, $"Expected ',' or ')' in the arguments of '{entry.Name}'; found {Current.Describe()}.");
            }
        }
        int closing = Current.Position;
        Advance(); // ')'
        _depth--;
        for (int i = 0; i < parameters.Length; i++)
        {
            if (given[i]) continue;
            if (!parameters[i].HasDefaultValue)
                throw Error(closing, $"'{entry.Name}' needs its parameter {Describe(parameters[i])}.");
            values[i] = parameters[i].DefaultValue;
        }
        return Construct(entry.Name, namePosition, () => (LrSchedule)entry.Constructor.Invoke(BindingFlags.DoNotWrapExceptions, null, values, null));
    }

    private static string Describe(ScheduleParameter parameter) =>
        parameter.Aliases.Length == 0 ? parameter.Name : $"{parameter.Name} (or {string.Join(", ", parameter.Aliases)})";

    /// <summary>Builds the registered combinator <paramref name="name"/> (product, ...) from <paramref name="schedules"/>.</summary>
    private LrSchedule Combine(string name, string syntax, IReadOnlyList<LrSchedule> schedules, int position)
    {
        var entry = _registry.Find(name, e => e.IsSchedule, out _)
            ?? throw Error(position, $"{syntax} builds a '{name}' schedule, which this version of MLNet.LrSchedules does not have.");
        var parameters = entry.Parameters;
        int listIndex = Array.FindIndex(parameters, p => TryGetListElement(p.Type, out var element) && element == typeof(LrSchedule));
        var scheduleIndexes = Enumerable.Range(0, parameters.Length).Where(i => parameters[i].Type == typeof(LrSchedule)).ToArray();
        if (listIndex < 0 && scheduleIndexes.Length < 2)
            throw Error(position, $"{syntax} cannot build '{name}': its constructor takes neither a list of schedules nor two schedules.");
        object?[] DefaultsExcept(params int[] set)
        {
            var values = new object?[parameters.Length];
            for (int i = 0; i < parameters.Length; i++)
            {
                if (set.Contains(i)) continue;
                if (!parameters[i].HasDefaultValue)
                    throw Error(position, $"{syntax} cannot build '{name}': its parameter '{parameters[i].Name}' has no default.");
                values[i] = parameters[i].DefaultValue;
            }
            return values;
        }
        if (listIndex >= 0)
        {
            var values = DefaultsExcept(listIndex);
            values[listIndex] = CreateList(parameters[listIndex].Type, typeof(LrSchedule), schedules.Cast<object?>().ToList());
            return Construct(name, position, () => (LrSchedule)entry.Constructor.Invoke(BindingFlags.DoNotWrapExceptions, null, values, null));
        }
        var result = schedules[0];
        for (int i = 1; i < schedules.Count; i++)
        {
            var values = DefaultsExcept(scheduleIndexes[0], scheduleIndexes[1]);
            values[scheduleIndexes[0]] = result;
            values[scheduleIndexes[1]] = schedules[i];
            result = Construct(name, position, () => (LrSchedule)entry.Constructor.Invoke(BindingFlags.DoNotWrapExceptions, null, values, null));
        }
        return result;
    }

    private LrSchedule Construct(string name, int position, Func<LrSchedule> create)
    {
        try
        {
            return create();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not LrScheduleFormatException)
        {
            throw Error(position, $"Invalid '{name}' schedule: {ErrorText.Of(ex)}", ex);
        }
    }

    private object? ParseValue(Type type, ScheduleParameter parameter, ScheduleTypeEntry owner, bool variadic, bool isElement = false)
    {
        var token = Current;
        // Lists and nested schedules are values of the parameter itself; their elements' nullability is their own.
        bool nullable = Nullable.GetUnderlyingType(type) is not null || (!type.IsValueType && parameter.IsNullable && type == parameter.Type && !isElement);
        if (nullable && token.Kind == TokenKind.Identifier && NoneWords.Contains(token.Text, StringComparer.OrdinalIgnoreCase))
        {
            Advance();
            return null;
        }
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(LrSchedule)) return ParseExpression();
        if (TryGetListElement(type, out var element))
        {
            var items = new List<object?>();
            if (token.Kind == TokenKind.LeftBracket)
            {
                Enter();
                Advance();
                while (Current.Kind != TokenKind.RightBracket)
                {
                    items.Add(ParseValue(element, parameter, owner, variadic: false, isElement: true));
                    if (Current.Kind == TokenKind.Comma) { Advance(); continue; }
                    if (Current.Kind != TokenKind.RightBracket)
                        throw Error(Current.Position, $"Expected ',' or ']' in the list '{parameter.Name}' of '{owner.Name}'; found {Current.Describe()}.");
                }
                Advance();
                _depth--;
            }
            else if (variadic && element == typeof(LrSchedule) && StartsSchedule(0))
            {
                // min(a, b): consecutive positional schedules fill a list-of-schedules parameter.
                items.Add(ParseExpression());
                while (Current.Kind == TokenKind.Comma && StartsSchedule(1))
                {
                    Advance();
                    items.Add(ParseExpression());
                }
            }
            else
                throw Error(token.Position, $"Expected a list such as [1, 2] for '{parameter.Name}' of '{owner.Name}'; found {token.Describe()}.");
            return CreateList(type, element, items);
        }
        Advance();
        string expected = ExpectedText(type);
        try
        {
            return ConvertScalar(token, type)
                ?? throw Error(token.Position, $"Expected {expected} for '{parameter.Name}' of '{owner.Name}'; found {token.Describe()}.");
        }
        catch (Exception ex) when (ex is ArgumentException or OverflowException or FormatException && ex is not LrScheduleFormatException)
        {
            throw Error(token.Position, $"Invalid value {token.Describe()} for '{parameter.Name}' of '{owner.Name}': {ErrorText.Of(ex)}", ex);
        }
    }

    /// <summary>One literal of the text form read as a value of <paramref name="type"/> (for tests and tools).</summary>
    internal static object? ParseLiteral(string text, Type type)
    {
        var tokens = Tokenize(text);
        if (tokens.Count != 2) throw Error(text, tokens.Count > 1 ? tokens[1].Position : 0, "Expected exactly one literal.");
        try
        {
            return ConvertScalar(tokens[0], type) ?? throw Error(text, 0, $"Expected {ExpectedText(type)}; found {tokens[0].Describe()}.");
        }
        catch (Exception ex) when (ex is ArgumentException or OverflowException or FormatException && ex is not LrScheduleFormatException)
        {
            throw Error(text, 0, $"Invalid value {tokens[0].Describe()}: {ErrorText.Of(ex)}", ex);
        }
    }

    private bool StartsSchedule(int offset) =>
        PeekAt(offset).Kind == TokenKind.LeftParen
        || (PeekAt(offset).Kind == TokenKind.Identifier && PeekAt(offset + 1).Kind == TokenKind.LeftParen);

    private static string ExpectedText(Type type) =>
        type == typeof(double) || type == typeof(float) ? "a number"
        : type == typeof(int) || type == typeof(long) ? "a whole number"
        : type == typeof(bool) ? "true or false"
        : type == typeof(string) ? "a name or a quoted string"
        : type == typeof(Duration) ? "a duration (1000 steps, 5% or 0.05 of the run, or rest)"
        : type.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(type).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n)))
        : $"a {type.Name}";

    /// <summary>The token as a value of <paramref name="type"/>, or null when it is the wrong kind of token.</summary>
    private static object? ConvertScalar(Token token, Type type)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (type == typeof(double) || type == typeof(float))
        {
            double value;
            if (token.Kind is TokenKind.Integer or TokenKind.Number)
            {
                value = double.Parse(token.Text, NumberStyles.Float, invariant);
                if (!double.IsFinite(value)) throw new OverflowException($"{token.Text} is too large for a number.");
            }
            else if (token.Kind == TokenKind.Identifier && token.Text.ToLowerInvariant() is "inf" or "infinity" or "-inf" or "-infinity" or "nan")
                value = token.Text.ToLowerInvariant() switch { "nan" => double.NaN, var t when t.StartsWith('-') => double.NegativeInfinity, _ => double.PositiveInfinity };
            else return null;
            return type == typeof(float) ? (float)value : value;
        }
        if (type == typeof(long)) return token.Kind == TokenKind.Integer ? long.Parse(token.Text, NumberStyles.AllowLeadingSign, invariant) : null;
        if (type == typeof(int)) return token.Kind == TokenKind.Integer ? int.Parse(token.Text, NumberStyles.AllowLeadingSign, invariant) : null;
        if (type == typeof(bool))
            return token.Kind == TokenKind.Identifier && token.Text.Equals("true", StringComparison.OrdinalIgnoreCase) ? true
                : token.Kind == TokenKind.Identifier && token.Text.Equals("false", StringComparison.OrdinalIgnoreCase) ? false
                : null;
        if (type == typeof(string)) return token.Kind is TokenKind.Identifier or TokenKind.String ? token.Text : null;
        if (type.IsEnum)
        {
            if (token.Kind is not (TokenKind.Identifier or TokenKind.String)) return null;
            foreach (var name in Enum.GetNames(type))
                if (name.Equals(token.Text, StringComparison.OrdinalIgnoreCase)
                    || JsonNamingPolicy.SnakeCaseLower.ConvertName(name).Equals(token.Text, StringComparison.OrdinalIgnoreCase))
                    return Enum.Parse(type, name);
            return null;
        }
        if (type == typeof(Duration))
        {
            switch (token.Kind)
            {
                case TokenKind.Integer:
                    return Duration.Steps(long.Parse(token.Text, NumberStyles.AllowLeadingSign, invariant));
                case TokenKind.Percent:
                    double percent = double.Parse(token.Text.AsSpan(0, token.Text.Length - 1), NumberStyles.Float, invariant);
                    if (!(percent > 0 && percent <= 100))
                        throw new ArgumentOutOfRangeException(nameof(percent), $"A percentage of the run must be in (0%, 100%]; received {token.Text}.");
                    return Duration.Fraction(percent / 100);
                case TokenKind.Number:
                    return Duration.Fraction(double.Parse(token.Text, NumberStyles.Float, invariant));
                case TokenKind.Identifier when token.Text.Equals("rest", StringComparison.OrdinalIgnoreCase):
                    return Duration.Rest;
                default:
                    return null;
            }
        }
        throw new InvalidOperationException($"The text form cannot read parameters of type {type.Name}.");
    }

    internal static bool TryGetListElement(Type type, out Type element)
    {
        element = typeof(object);
        if (type == typeof(string)) return false;
        if (type.IsArray) { element = type.GetElementType()!; return true; }
        if (type.IsGenericType && type.GetGenericArguments() is [var argument]
            && (type.GetGenericTypeDefinition() is var definition)
            && (definition == typeof(IReadOnlyList<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(IEnumerable<>)
                || definition == typeof(IList<>) || definition == typeof(ICollection<>) || definition == typeof(List<>)))
        {
            element = argument;
            return true;
        }
        return false;
    }

    private static object CreateList(Type listType, Type element, List<object?> items)
    {
        var array = Array.CreateInstance(element, items.Count);
        for (int i = 0; i < items.Count; i++) array.SetValue(items[i], i);
        if (listType.IsAssignableFrom(array.GetType())) return array;
        var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
        foreach (var item in items) list.Add(item);
        return list;
    }

    private ScheduleTypeEntry Lookup(Token name)
    {
        var entry = _registry.Find(name.Text, e => e.IsSchedule, out var ambiguous);
        if (entry is not null) return entry;
        if (ambiguous.Count > 0)
            throw Error(name.Position, $"Schedule name '{name.Text}' is ambiguous: it matches {string.Join(", ", ambiguous.Select(e => $"'{e.Name}'"))} when case is ignored; write it with exact case.");
        var known = _registry.Schedules.SelectMany(e => e.AllNames).ToArray();
        var closest = known
            .Select(n => (Name: n, Distance: EditDistance(n.ToLowerInvariant(), name.Text.ToLowerInvariant())))
            .Where(c => c.Distance <= Math.Max(2, name.Text.Length / 3))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal).Select(c => c.Name).FirstOrDefault();
        string hint = closest is null ? "" : $" Did you mean '{closest}'?";
        throw Error(name.Position, $"Unknown schedule '{name.Text}'.{hint} Known schedules: {string.Join(", ", _registry.Schedules.Select(e => e.Name).Order(StringComparer.Ordinal))}.");
    }

    internal static int EditDistance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 8) return int.MaxValue;
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private void Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind) throw Error(Current.Position, $"Expected {what}; found {Current.Describe()}.");
        Advance();
    }

    private void Enter()
    {
        if (++_depth > LrScheduleText.MaxDepth)
            throw Error(Current.Position, $"The schedule text nests deeper than {LrScheduleText.MaxDepth} levels.");
    }

    private string NameOf(LrSchedule schedule) => _registry.Find(schedule.GetType())?.Name ?? schedule.GetType().Name;

    private LrScheduleFormatException Error(int position, string problem, Exception? inner = null) => Error(_text, position, problem, inner);

    /// <summary>An error whose message shows the line of <paramref name="text"/> with a caret under <paramref name="position"/>.</summary>
    internal static LrScheduleFormatException Error(string text, int position, string problem, Exception? inner = null)
    {
        var (message, at, line, column) = TextLocation.Describe(text, position, problem);
        return new LrScheduleFormatException(message, at, line, column, inner);
    }

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (true)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i]) || text[i] == '\uFEFF')) i++;
            if (i >= text.Length) { tokens.Add(new Token(TokenKind.End, text.Length, "")); return tokens; }
            char c = text[i];
            int start = i;
            switch (c)
            {
                case '(': tokens.Add(new Token(TokenKind.LeftParen, i++, "(")); continue;
                case ')': tokens.Add(new Token(TokenKind.RightParen, i++, ")")); continue;
                case '[': tokens.Add(new Token(TokenKind.LeftBracket, i++, "[")); continue;
                case ']': tokens.Add(new Token(TokenKind.RightBracket, i++, "]")); continue;
                case ',': tokens.Add(new Token(TokenKind.Comma, i++, ",")); continue;
                case '=': tokens.Add(new Token(TokenKind.Equals, i++, "=")); continue;
                case '*': tokens.Add(new Token(TokenKind.Times, i++, "*")); continue;
                case '>':
                    if (i + 1 < text.Length && text[i + 1] == '>') { tokens.Add(new Token(TokenKind.Then, i, ">>")); i += 2; continue; }
                    throw Error(text, i, "Expected '>>' (a sequence); found a single '>'.");
                case '"' or '\'':
                    tokens.Add(new Token(TokenKind.String, start, ReadString(text, ref i)));
                    continue;
            }
            if (char.IsAsciiLetter(c) || c == '_'
                || ((c == '-' || c == '+') && i + 1 < text.Length && char.IsAsciiLetter(text[i + 1])))
            {
                i++;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_')) i++;
                string word = text[start..i];
                if (word[0] is '-' or '+' && word[1..].ToLowerInvariant() is not ("inf" or "infinity"))
                    throw Error(text, start, $"Expected a number after '{word[0]}'.");
                tokens.Add(new Token(TokenKind.Identifier, start, word.TrimStart('+')));
                continue;
            }
            if (char.IsAsciiDigit(c) || c == '.' || c == '-' || c == '+')
            {
                tokens.Add(ReadNumber(text, ref i));
                continue;
            }
            throw Error(text, i, $"Unexpected character '{c}'.");
        }
    }

    private static Token ReadNumber(string text, ref int i)
    {
        int start = i;
        bool integer = TextScanner.ScanNumber(text, ref i, (at, problem) => Error(text, at, problem));
        string number = text[start..i];
        if (i < text.Length && text[i] == '%') { i++; return new Token(TokenKind.Percent, start, number + "%"); }
        TextScanner.RejectLetterAfterNumber(text, i, start, (at, problem) => Error(text, at, problem));
        return new Token(integer ? TokenKind.Integer : TokenKind.Number, start, number);
    }

    private static string ReadString(string text, ref int i) =>
        TextScanner.ReadString(text, ref i, (at, problem) => Error(text, at, problem));
}
