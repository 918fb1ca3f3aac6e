using System.Globalization;
using System.Text.Json;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The text form of network specs: layers joined by <c>&gt;&gt;</c>, each <c>name</c> or <c>name(positional, key=value)</c>.
/// </summary>
/// <remarks>
/// <para>Names are the layers' JSON type names (<c>linear</c>, <c>conv2d</c>, <c>maxpool2d</c>, <c>batchnorm2d</c>, …) or
/// PyTorch's functional spellings (<c>max_pool2d</c>, <c>batch_norm2d</c>, …), case-insensitive. Positional arguments follow
/// the constructor's order; keys are the snake_case JSON names or an alias (<c>kernel</c> for <c>kernel_size</c>, <c>p</c>
/// for dropout's <c>probability</c>). A list parameter given positionally takes the remaining positional values:
/// <c>reshape(1, 28, 28)</c>.</para>
/// <para>Values: integers, numbers (<c>0.2</c>, <c>1e-5</c>), <c>true</c>/<c>false</c>, <c>none</c>, identifiers or quoted
/// strings, lists <c>[1, 2]</c> and, for <c>module</c>'s arguments, a JSON object <c>{"channels": 16}</c>.</para>
/// <para>Two forms are not layers: <c>mlp(512, 256, activation=gelu, dropout=0.1)</c> expands to its layers
/// (<see cref="NetworkSpec.Mlp"/>), and a leading <c>input(784)</c> gives the spec its <see cref="NetworkSpec.InputSize"/>
/// (the form a resolved spec is written in).</para>
/// </remarks>
public static class NetworkSpecText
{
    /// <summary>The longest text accepted, in characters.</summary>
    public const int MaxLength = 100_000;

    /// <summary>Parses the text form.</summary>
    /// <exception cref="NetworkSpecFormatException">The text is malformed; <see cref="NetworkSpecFormatException.Position"/> points at the problem.</exception>
    public static NetworkSpec Parse(string text)
    {
        if (text is null) throw new NetworkSpecFormatException("The network text must not be null.", 0, 1, 1);
        if (text.Length > MaxLength)
            throw new NetworkSpecFormatException($"The network text is {text.Length} characters long; at most {MaxLength} are accepted.", MaxLength, null, null);
        return new Parser(text).ParseDocument();
    }

    /// <summary>The canonical text form of <paramref name="spec"/>, which <see cref="Parse"/> reads back to an equal spec.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    public static string Format(NetworkSpec spec)
    {
        Check.NotNull(spec);
        var parts = new List<string>();
        if (spec.InputSize is { } input) parts.Add($"input({input.ToString(CultureInfo.InvariantCulture)})");
        parts.AddRange(spec.Layers.Select(FormatLayer));
        return parts.Count == 0 ? "mlp([])" : string.Join(" >> ", parts);
    }

    /// <summary>
    /// One layer's text form: the first parameter unnamed when it is required (and dropout's probability when not at its
    /// default), the others as <c>key=value</c> when not at their default, and the bare name when nothing is to be written:
    /// <c>conv2d(16, kernel_size=3, padding=1)</c>, <c>dropout(0.2)</c>, <c>batchnorm2d(eps=0.001)</c>, <c>relu</c>.
    /// </summary>
    public static string FormatLayer(NetworkLayer layer)
    {
        Check.NotNull(layer);
        var entry = LayerRegistry.Default.Of(layer);
        var arguments = new List<string>();
        for (int i = 0; i < entry.Parameters.Length; i++)
        {
            var parameter = entry.Parameters[i];
            object? value = parameter.ValueOf(layer);
            bool atDefault = parameter.HasDefaultValue && LayerRegistry.SameValue(value, parameter.DefaultValue);
            if (i == 0 && (!parameter.HasDefaultValue || (!atDefault && parameter.Positional)))
            {
                arguments.Add(value is IReadOnlyList<int> list ? string.Join(", ", list.Select(v => v.ToString(CultureInfo.InvariantCulture))) : FormatValue(value));
                continue;
            }
            if (atDefault) continue;
            // module(name, {json}): the arguments read best unnamed, right after the name.
            arguments.Add(value is JsonElement ? FormatValue(value) : $"{parameter.Name}={FormatValue(value)}");
        }
        return arguments.Count == 0 ? entry.Name : $"{entry.Name}({string.Join(", ", arguments)})";
    }

    private static string FormatValue(object? value) => value switch
    {
        null => "none",
        bool b => b ? "true" : "false",
        double d => LrScheduleText.FormatDouble(d),
        int n => n.ToString(CultureInfo.InvariantCulture),
        string s => IsName(s) && !s.Equals("none", StringComparison.OrdinalIgnoreCase) && !s.Equals("null", StringComparison.OrdinalIgnoreCase)
            && !s.Equals("true", StringComparison.OrdinalIgnoreCase) && !s.Equals("false", StringComparison.OrdinalIgnoreCase)
            ? s : JsonSerializer.Serialize(s),
        JsonElement element => JsonSerializer.Serialize(element),
        IReadOnlyList<int> list => $"[{string.Join(", ", list.Select(v => v.ToString(CultureInfo.InvariantCulture)))}]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>What the tokenizer reads as one identifier: a letter or '_', then letters, digits, '_', '-' and '.'.</summary>
    private static bool IsName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] == '_') && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    private enum TokenKind { End, Identifier, Integer, Number, String, Json, LeftParen, RightParen, LeftBracket, RightBracket, Comma, Equals, Then }

    private readonly record struct Token(TokenKind Kind, int Position, string Text)
    {
        public string Describe() => Kind switch
        {
            TokenKind.End => "the end of the text",
            TokenKind.String => $"\"{Text}\"",
            TokenKind.Json => "a JSON object",
            _ => $"'{Text}'",
        };
    }

    private sealed class Parser(string text)
    {
        private static readonly string[] NoneWords = ["none", "null"];

        // The two forms that are not layers: their parameters, read like a layer's.
        private static readonly LayerParameter[] MlpParameters = typeof(NetworkSpec).GetMethod(nameof(NetworkSpec.Mlp))!.GetParameters()
            .Select(p => new LayerParameter(p, property: null, p.Name == "hiddenLayers" ? ["hidden"] : [])).ToArray();

        private readonly List<Token> _tokens = Tokenize(text);
        private int _index;

        private Token Current => _tokens[_index];

        private Token PeekAt(int offset) => _tokens[Math.Min(_index + offset, _tokens.Count - 1)];

        private Token Advance() => _tokens[_index < _tokens.Count - 1 ? _index++ : _index];

        public NetworkSpec ParseDocument()
        {
            if (Current.Kind == TokenKind.End)
                throw Error(Current.Position, "Expected a network such as 'mlp(128)' or 'linear(64) >> relu' but the text is empty.");
            int? inputSize = null;
            var layers = new List<NetworkLayer>();
            var positions = new List<int>();
            while (true)
            {
                var name = Current;
                if (name.Kind != TokenKind.Identifier)
                    throw Error(name.Position, $"Expected a layer name such as 'linear' or 'conv2d'; found {name.Describe()}.");
                Advance();
                if (name.Text.Equals("input", StringComparison.OrdinalIgnoreCase))
                {
                    if (layers.Count > 0 || inputSize is not null)
                        throw Error(name.Position, "'input(n)' can only come first: it gives the network's number of input features.");
                    inputSize = ParseInput(name);
                }
                else if (name.Text.Equals("mlp", StringComparison.OrdinalIgnoreCase))
                {
                    var values = ParseArguments("mlp", MlpParameters, name.Position);
                    var mlp = Construct("mlp", name.Position, () => NetworkSpec.Mlp((IReadOnlyList<int>)values[0]!, (Activation)values[1]!, (double)values[2]!));
                    foreach (var layer in mlp.Layers) { layers.Add(layer); positions.Add(name.Position); }
                }
                else
                {
                    var entry = Lookup(name);
                    var values = ParseArguments(entry.Name, entry.Parameters, name.Position);
                    layers.Add(Construct(entry.Name, name.Position, () => entry.Create(values)));
                    positions.Add(name.Position);
                }
                if (Current.Kind == TokenKind.End) break;
                if (Current.Kind != TokenKind.Then)
                    throw Error(Current.Position, $"Expected '>>' or the end of the text; found {Current.Describe()}.");
                Advance();
            }
            try
            {
                return new NetworkSpec(layers, inputSize);
            }
            catch (NetworkShapeException shape)
            {
                throw Error(shape.LayerIndex >= 0 ? positions[shape.LayerIndex] : 0, shape.Message, shape);
            }
        }

        private int ParseInput(Token name)
        {
            if (Current.Kind != TokenKind.LeftParen)
                throw Error(Current.Position, $"Expected '(' after 'input': input(n) gives the number of input features; found {Current.Describe()}.");
            Advance();
            var size = Current;
            if (size.Kind != TokenKind.Integer)
                throw Error(size.Position, $"Expected the number of input features, an integer, in 'input(...)'; found {size.Describe()}.");
            Advance();
            Expect(TokenKind.RightParen, "')' to close 'input('");
            int value = int.TryParse(size.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int parsed) ? parsed : 0;
            if (value < 1) throw Error(size.Position, $"'input(n)' needs n >= 1 input features; received {size.Text}.");
            return value;
        }

        private object?[] ParseArguments(string owner, LayerParameter[] parameters, int namePosition)
        {
            var values = new object?[parameters.Length];
            var given = new bool[parameters.Length];
            int closing = Current.Position;
            if (Current.Kind == TokenKind.LeftParen)
            {
                Advance();
                int positional = 0;
                bool sawKeyword = false;
                while (Current.Kind != TokenKind.RightParen)
                {
                    if (Current.Kind == TokenKind.End)
                        throw Error(Current.Position, $"Expected ',' or ')' to close the arguments of '{owner}'; found the end of the text.");
                    if (Current.Kind == TokenKind.Identifier && PeekAt(1).Kind == TokenKind.Equals)
                    {
                        var key = Advance();
                        Advance(); // '='
                        int index = Array.FindIndex(parameters, p => p.Matches(key.Text));
                        if (index < 0)
                            throw Error(key.Position, $"'{owner}' has no parameter '{key.Text}'; " +
                                (parameters.Length == 0 ? "it takes none." : $"its parameters are {string.Join(", ", parameters.Select(Describe))}."));
                        if (given[index])
                            throw Error(key.Position, $"Parameter '{parameters[index].Name}' of '{owner}' is given twice.");
                        values[index] = ParseValue(parameters[index], owner, variadic: false);
                        given[index] = true;
                        sawKeyword = true;
                    }
                    else
                    {
                        if (sawKeyword)
                            throw Error(Current.Position, $"A positional argument cannot follow keyword arguments in '{owner}(...)'.");
                        if (positional >= parameters.Length)
                            throw Error(Current.Position, parameters.Length == 0
                                ? $"'{owner}' takes no arguments."
                                : $"'{owner}' takes at most {parameters.Length} argument(s): {string.Join(", ", parameters.Select(Describe))}.");
                        values[positional] = ParseValue(parameters[positional], owner, variadic: true);
                        given[positional++] = true;
                    }
                    if (Current.Kind == TokenKind.Comma) { Advance(); continue; }
                    if (Current.Kind != TokenKind.RightParen)
                        throw Error(Current.Position, $"Expected ',' or ')' in the arguments of '{owner}'; found {Current.Describe()}.");
                }
                closing = Current.Position;
                Advance(); // ')'
            }
            for (int i = 0; i < parameters.Length; i++)
            {
                if (given[i]) continue;
                if (!parameters[i].HasDefaultValue)
                        throw Error(closing, $"'{owner}' needs its parameter {Describe(parameters[i])}, as in {Example(owner)}.");
                values[i] = parameters[i].DefaultValue;
            }
            return values;
        }

        private static string Example(string owner) => owner switch
        {
            "linear" => "linear(128)",
            "conv1d" => "conv1d(16, kernel_size=5)",
            "conv2d" => "conv2d(16, kernel_size=3)",
            "reshape" => "reshape(1, 28, 28)",
            "module" => "module(residual, {\"channels\": 16})",
            _ => $"{owner}(2)",
        };

        private static string Describe(LayerParameter parameter) =>
            parameter.Aliases.Length == 0 ? parameter.Name : $"{parameter.Name} (or {string.Join(", ", parameter.Aliases)})";

        private object? ParseValue(LayerParameter parameter, string owner, bool variadic)
        {
            var type = parameter.Type;
            var token = Current;
            if ((parameter.IsNullable) && token.Kind == TokenKind.Identifier && NoneWords.Contains(token.Text, StringComparer.OrdinalIgnoreCase))
            {
                Advance();
                return null;
            }
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type == typeof(IReadOnlyList<int>))
            {
                var items = new List<int>();
                if (token.Kind == TokenKind.LeftBracket)
                {
                    Advance();
                    while (Current.Kind != TokenKind.RightBracket)
                    {
                        items.Add(ParseInt(parameter, owner));
                        if (Current.Kind == TokenKind.Comma) { Advance(); continue; }
                        if (Current.Kind != TokenKind.RightBracket)
                            throw Error(Current.Position, $"Expected ',' or ']' in the list '{parameter.Name}' of '{owner}'; found {Current.Describe()}.");
                    }
                    Advance();
                }
                else if (variadic && token.Kind == TokenKind.Integer)
                {
                    // reshape(1, 28, 28): the positional integers fill the list.
                    items.Add(ParseInt(parameter, owner));
                    while (Current.Kind == TokenKind.Comma && PeekAt(1).Kind == TokenKind.Integer)
                    {
                        Advance();
                        items.Add(ParseInt(parameter, owner));
                    }
                }
                else
                    throw Error(token.Position, $"Expected a list of integers such as [1, 28, 28] for '{parameter.Name}' of '{owner}'; found {token.Describe()}.");
                return items.ToArray();
            }
            if (type == typeof(JsonElement))
            {
                if (token.Kind != TokenKind.Json)
                    throw Error(token.Position, $"Expected a JSON object such as {{\"channels\": 16}} for '{parameter.Name}' of '{owner}'; found {token.Describe()}.");
                Advance();
                try
                {
                    using var document = JsonDocument.Parse(token.Text);
                    return document.RootElement.Clone();
                }
                catch (JsonException e)
                {
                    throw Error(token.Position + (int)(e.BytePositionInLine ?? 0), $"Invalid JSON object for '{parameter.Name}' of '{owner}': {e.Message}", e);
                }
            }
            if (type == typeof(int)) return ParseInt(parameter, owner);
            Advance();
            var invariant = CultureInfo.InvariantCulture;
            object? value = null;
            if (type == typeof(double) && token.Kind is TokenKind.Integer or TokenKind.Number)
                value = double.Parse(token.Text, NumberStyles.Float, invariant);
            else if (type == typeof(bool) && token.Kind == TokenKind.Identifier)
                value = token.Text.Equals("true", StringComparison.OrdinalIgnoreCase) ? true : token.Text.Equals("false", StringComparison.OrdinalIgnoreCase) ? false : null;
            else if (type == typeof(string) && token.Kind is TokenKind.Identifier or TokenKind.String)
                value = token.Text;
            else if (type.IsEnum && token.Kind is TokenKind.Identifier or TokenKind.String)
                value = Enum.GetNames(type).FirstOrDefault(n => n.Equals(token.Text, StringComparison.OrdinalIgnoreCase)) is { } name ? Enum.Parse(type, name) : null;
            return value ?? throw Error(token.Position, $"Expected {ExpectedText(type)} for '{parameter.Name}' of '{owner}'; found {token.Describe()}.");
        }

        private int ParseInt(LayerParameter parameter, string owner)
        {
            var token = Advance();
            if (token.Kind == TokenKind.Integer && int.TryParse(token.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
                return value;
            throw Error(token.Position, token.Kind == TokenKind.Integer
                ? $"The integer {token.Text} for '{parameter.Name}' of '{owner}' is out of range."
                : $"Expected an integer for '{parameter.Name}' of '{owner}'; found {token.Describe()}.");
        }

        private static string ExpectedText(Type type) =>
            type == typeof(double) ? "a number"
            : type == typeof(bool) ? "true or false"
            : type == typeof(string) ? "a name or a quoted string"
            : type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}"
            : type.Name;

        private NetworkLayer Construct(string name, int position, Func<NetworkLayer> create) => Construct<NetworkLayer>(name, position, create);

        private T Construct<T>(string name, int position, Func<T> create)
        {
            try
            {
                return create();
            }
            catch (Exception ex) when (ex is ArgumentException or OverflowException)
            {
                throw Error(position, $"Invalid '{name}': {ErrorText.Of(ex)}", ex);
            }
        }

        private LayerTypeEntry Lookup(Token name)
        {
            if (LayerRegistry.Default.Find(name.Text) is { } entry) return entry;
            var known = LayerRegistry.Default.Entries.SelectMany(e => e.AllNames).Append("mlp").Append("input").ToArray();
            var closest = known
                .Select(n => (Name: n, Distance: TextParser.EditDistance(n.ToLowerInvariant(), name.Text.ToLowerInvariant())))
                .Where(c => c.Distance <= Math.Max(2, name.Text.Length / 3))
                .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal).Select(c => c.Name).FirstOrDefault();
            string hint = closest is null ? "" : $" Did you mean '{closest}'?";
            throw Error(name.Position, $"Unknown layer '{name.Text}'.{hint} Known layers: {string.Join(", ", LayerRegistry.Default.Entries.Select(e => e.Name).Append("mlp"))}.");
        }

        private void Expect(TokenKind kind, string what)
        {
            if (Current.Kind != kind) throw Error(Current.Position, $"Expected {what}; found {Current.Describe()}.");
            Advance();
        }

        private NetworkSpecFormatException Error(int position, string problem, Exception? inner = null) => NetworkSpecText.Error(text, position, problem, inner);
    }

    private static NetworkSpecFormatException Error(string text, int position, string problem, Exception? inner = null)
    {
        var (message, at, line, column) = TextLocation.Describe(text, position, problem);
        return new NetworkSpecFormatException(message, at, line, column, inner);
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
                case '>':
                    if (i + 1 < text.Length && text[i + 1] == '>') { tokens.Add(new Token(TokenKind.Then, i, ">>")); i += 2; continue; }
                    throw Error(text, i, "Expected '>>' between two layers; found a single '>'.");
                case '{':
                    tokens.Add(new Token(TokenKind.Json, start, ReadJsonObject(text, ref i)));
                    continue;
                case '"' or '\'':
                    tokens.Add(new Token(TokenKind.String, start, TextScanner.ReadString(text, ref i, (at, problem) => Error(text, at, problem))));
                    continue;
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                i++;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '-' or '.')) i++;
                tokens.Add(new Token(TokenKind.Identifier, start, text[start..i]));
                continue;
            }
            if (char.IsAsciiDigit(c) || c is '.' or '-' or '+')
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
        TextScanner.RejectLetterAfterNumber(text, i, start, (at, problem) => Error(text, at, problem));
        return new Token(integer ? TokenKind.Integer : TokenKind.Number, start, text[start..i]);
    }

    /// <summary>A balanced <c>{...}</c>, strings skipped (JSON's own parser checks the rest).</summary>
    private static string ReadJsonObject(string text, ref int i)
    {
        int start = i, depth = 0;
        bool inString = false;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') inString = true;
            else if (c is '{' or '[') depth++;
            else if (c is '}' or ']' && --depth == 0 && c == '}') { i++; return text[start..i]; }
        }
        throw Error(text, start, "Unterminated JSON object: no closing '}'.");
    }
}
