using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using MLNet.LrSchedules.Serialization;

namespace MLNet.LrSchedules.Tests.Docs;

/// <summary>
/// Writes the per-type reference of docs/schedules.md (between the BEGIN/END GENERATED markers) from the registry,
/// the constructors' defaults and the XML docs, with one hand-picked text-form example per type whose JSON is the
/// serializer's own output. The hand-written parts of the doc (grammar, mapping tables) stay outside the markers.
/// </summary>
internal static partial class ScheduleReferenceGenerator
{
    public const string BeginMarker = "<!-- BEGIN GENERATED REFERENCE: edit tests/MLNet.LrSchedules.Tests/Docs/ScheduleReferenceGenerator.cs or the XML docs, then regenerate (see the end of this file) -->";
    public const string EndMarker = "<!-- END GENERATED REFERENCE -->";

    public sealed record Family(string Title, string Anchor, string Intro, (string Name, string Example)[] Types);

    /// <summary>Every registered schedule, by family, with its text-form example. A new type must be added here.</summary>
    public static readonly Family[] Families =
    [
        new("PyTorch (torch.optim.lr_scheduler)", "pytorch",
            "Every PyTorch schedule multiplies the optimizer's base rate, except `cyclic` and `one_cycle`, which set their own " +
            "rates from `base_lr`/`max_lr` as PyTorch does. Lengths counted in PyTorch `step()` calls are optimizer steps here.",
        [
            ("step", "step(step_size=30, gamma=0.1)"),
            ("multi_step", "multi_step([30, 80], gamma=0.5)"),
            ("constant_factor", "constant_factor(factor=0.5, total_iters=4)"),
            ("linear_factor", "linear_factor(start_factor=0.25, end_factor=1.0, total_iters=100)"),
            ("exponential", "exponential(0.99)"),
            ("polynomial", "polynomial(total_iters=1000, power=2)"),
            ("cosine", "cosine(t_max=1000, eta_min=1e-5)\ncosine_annealing(rest, min=0.001)"),
            ("cosine_warm_restarts", "cosine_warm_restarts(t_0=100, t_mult=2, eta_min=1e-6)\nCosineAnnealingWarmRestarts(100, 2, min=1e-6)"),
            ("cyclic", "cyclic(base_lr=0.001, max_lr=0.1, step_size_up=500, mode=triangular2)"),
            ("one_cycle", "one_cycle(max_lr=0.1, total_steps=10000, pct_start=0.25)\nOneCycleLR(0.1, anneal_strategy=linear, three_phase=true)"),
            ("swa", "swa(swa_lr=0.05, anneal_epochs=5, anneal_strategy=linear)"),
            ("product", "exponential(0.999) * step(1000, gamma=0.5)\nproduct([exponential(0.999), step(1000, gamma=0.5)])"),
        ]),
        new("Hugging Face transformers (get_scheduler)", "transformers",
            "Every transformers schedule multiplies the optimizer's base rate (transformers returns a `LambdaLR` multiplier). " +
            "`num_warmup_steps` has no default, as in transformers; `num_training_steps` defaults to the whole run (`\"rest\"`). " +
            "transformers' `\"constant\"` is [`constant`](#constant) (alias `hf_constant`).",
        [
            ("hf_constant_with_warmup", "hf_constant_with_warmup(num_warmup_steps=500)"),
            ("hf_linear", "hf_linear(num_warmup_steps=500, num_training_steps=10000)"),
            ("hf_cosine", "hf_cosine(num_warmup_steps=5%, num_training_steps=rest)"),
            ("hf_cosine_with_restarts", "hf_cosine_with_restarts(500, 10000, num_cycles=3)"),
            ("hf_polynomial", "hf_polynomial(500, 10000, lr_end=1e-7, power=2)"),
            ("hf_inverse_sqrt", "hf_inverse_sqrt(num_warmup_steps=4000)"),
            ("hf_cosine_with_min_lr", "hf_cosine_with_min_lr(500, 10000, min_lr_rate=0.1)"),
            ("hf_warmup_stable_decay", "hf_warmup_stable_decay(num_warmup_steps=1000, num_decay_steps=20%, decay_type=\"1-sqrt\")"),
        ]),
        new("optax", "optax",
            "**optax schedules return absolute learning rates: the optimizer's base rate is ignored.** They compute in float32 " +
            "as optax (jax's default dtype) does, except `optax_constant`. optax's `join_schedules` is [`sequence`](#sequence); " +
            "the warmup helpers (`warmup_constant_schedule`, `warmup_cosine_decay_schedule`, `warmup_exponential_decay_schedule`, " +
            "`sgdr_schedule`) are factories that build these types (see [From optax](#from-optax)).",
        [
            ("optax_constant", "optax_constant(0.001)"),
            ("optax_linear", "optax_linear(init_value=0, end_value=0.001, transition_steps=1000)"),
            ("optax_polynomial", "optax_polynomial(1e-3, 1e-5, 2, 10000, transition_begin=500)"),
            ("optax_exponential_decay", "optax_exponential_decay(init_value=0.01, transition_steps=1000, decay_rate=0.5, staircase=true, end_value=1e-5)"),
            ("optax_piecewise_constant", "optax_piecewise_constant(0.1, boundaries=[1000, 2000], scales=[0.1, 0.1])"),
            ("optax_piecewise_interpolate", "optax_piecewise_interpolate(cosine, 0.1, boundaries=[0, 1000], scales=[1, 0.01])"),
            ("optax_cosine_decay", "optax_cosine_decay(init_value=0.1, decay_steps=10000, alpha=0.01)"),
            ("optax_linear_onecycle", "optax_linear_onecycle(transition_steps=10000, peak_value=0.1)"),
            ("optax_cosine_onecycle", "optax_cosine_onecycle(transition_steps=10000, peak_value=0.1, pct_start=0.2)"),
        ]),
        new("timm (timm.scheduler)", "timm",
            "timm schedulers stepped per optimizer update (`t_in_epochs=False`, `step_update(num_updates=t)`). Peak rates derive " +
            "from the optimizer's base rate; `lr_min` and `warmup_lr_init` are absolute. `warmup_t` has no default in JSON and the " +
            "text form (give `0` for no warmup); the `LrSchedule.Timm*` factories default it to 0. timm's noise " +
            "(`noise_range_t`, `noise_pct`, `noise_std`, `noise_seed`) is not supported.",
        [
            ("timm_cosine", "timm_cosine(t_initial=1000, warmup_t=100, lr_min=1e-5, cycle_decay=0.5, cycle_limit=3, warmup_prefix=true)"),
            ("timm_poly", "timm_poly(t_initial=rest, warmup_t=5%, power=1)"),
            ("timm_tanh", "timm_tanh(t_initial=1000, warmup_t=0)"),
            ("timm_step", "timm_step(decay_t=300, warmup_t=100, decay_rate=0.5, warmup_lr_init=1e-6)"),
        ]),
        new("Keras and textbook decays", "keras",
            "These multiply (or subtract from) the optimizer's base rate, which plays Keras' `initial_learning_rate`.",
        [
            ("inverse_time_decay", "inverse_time_decay(decay_steps=1000, decay_rate=0.5, staircase=true)"),
            ("exponential_continuous", "exponential_continuous(alpha=0.0005)"),
            ("linear_decay", "linear_decay(alpha=1e-6, floor=1e-4)"),
        ]),
        new("Composition", "composition",
            "Building blocks that combine other schedules. Children are schedule objects in JSON and nested calls in the text form.",
        [
            ("constant", "constant()"),
            ("warmup", "warmup(steps=500, shape=exponential, start_factor=0.01)\nwarmup(length=5%, factor=0.1) >> cosine(rest)"),
            ("sequence", "warmup(5%) >> cosine(t_max=rest, eta_min=1e-5)\nsequence(schedules=[constant_factor(factor=0.1, total_iters=0), exponential(0.99)], lengths=[100])"),
            ("min", "min(cosine(t_max=1000), step(300, gamma=0.5))\nmin(schedules=[cosine(t_max=1000), step(300, gamma=0.5)])"),
            ("max", "max(cosine(t_max=1000), constant_factor(factor=0.1, total_iters=0))"),
            ("clamp", "clamp(exponential(0.99), min=1e-5, max=0.1)\nclamp(schedule=exponential(0.99), min_lr=1e-5)"),
        ]),
        new("Reactive schedules", "reactive",
            "Reactive schedules change with what training reports (`LrScheduler.Report(signal, value)`); their changing part is a " +
            "separate state (see [Reactive states](#reactive-states)). Only the last schedule of a sequence may be reactive, and " +
            "they cannot be factors of `product`, `min`, `max` or `clamp`. Before any report the rate is the base rate " +
            "(for `hypergradient`, clamped to its bounds).",
        [
            ("plateau", "plateau(mode=max, factor=0.5, patience=3, threshold_mode=abs, cooldown=1, min_lr=1e-6)"),
            ("loss_adaptive", "loss_adaptive(delta=0.5)"),
            ("hypergradient", "hypergradient(beta=0.001, max_lr=0.1)"),
        ]),
    ];

    /// <summary>The reactive states, with the schedule and the reports that produce each example state.</summary>
    public static readonly (string Name, string Schedule, double BaseLr, double[] Reports)[] States =
    [
        ("plateau_state", "plateau(patience=1)", 0.1, [0.9, 0.8, 0.85, 0.86]),
        ("loss_adaptive_state", "loss_adaptive(delta=0.5)", 0.01, [2.5]),
        ("hypergradient_state", "hypergradient(beta=0.001)", 0.01, [3.0, -1.0]),
    ];

    public static string Generate()
    {
        var registry = ScheduleRegistry.Default;
        var docs = XmlDocs.Load();
        var builder = new StringBuilder();
        builder.Append(BeginMarker).Append('\n');
        foreach (var family in Families)
        {
            builder.Append($"\n## {family.Title}\n\n{family.Intro}\n");
            foreach (var (name, example) in family.Types)
            {
                var entry = registry.Find(name, e => e.IsSchedule, out _)
                    ?? throw new InvalidOperationException($"'{name}' is not a registered schedule.");
                // The first example's JSON is the serializer's output, so it reads back by construction.
                var schedule = LrScheduleText.Parse(example.Split('\n')[0]);
                AppendType(builder, entry, docs, factories: Factories(entry.Type));
                builder.Append("\n```json\n").Append(LrScheduleJson.Serialize(schedule, indented: true).Replace("\r", "")).Append("\n```\n");
                builder.Append("\n```text\n").Append(example).Append("\n```\n");
            }
        }
        builder.Append("\n## Reactive states\n\n");
        builder.Append("A reactive schedule's changing part travels in the scheduler state (`LrScheduleJson.SerializeState`, ");
        builder.Append("`LrScheduleJson.DeserializeState`): `base_learning_rate`, `step` (the next optimizer step) and `reactive`, ");
        builder.Append("the state object below (absent or `null` for a schedule that is not reactive). All state fields are required. ");
        builder.Append("Each example is the state after the reports listed.\n");
        foreach (var (name, scheduleText, baseLr, reports) in States)
        {
            var entry = registry.Find(name, e => !e.IsSchedule, out _)
                ?? throw new InvalidOperationException($"'{name}' is not a registered reactive state.");
            AppendType(builder, entry, docs, factories: []);
            var scheduler = new LrScheduler(LrScheduleText.Parse(scheduleText), baseLr);
            foreach (double value in reports)
            {
                scheduler.Report(scheduler.Listens!.Value, value);
                scheduler.Advance();
            }
            builder.Append($"\nThe state of `{scheduleText}` with base rate {LrScheduleText.FormatDouble(baseLr)} after reporting ");
            builder.Append(string.Join(", ", reports.Select(LrScheduleText.FormatDouble))).Append(":\n");
            builder.Append("\n```json\n").Append(LrScheduleJson.SerializeState(scheduler.GetState(), indented: true).Replace("\r", "")).Append("\n```\n");
        }
        builder.Append('\n').Append(EndMarker);
        return builder.ToString();
    }

    private static void AppendType(StringBuilder builder, ScheduleTypeEntry entry, XmlDocs docs, string[] factories)
    {
        string Snake(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
        builder.Append($"\n### `{entry.Name}`\n\n");
        builder.Append(docs.Summary(entry.Type, Snake)).Append("\n\n");
        builder.Append($"*.NET:* `new {entry.Type.Name}({string.Join(", ", entry.Parameters.Select(p => p.Parameter.Name))})`");
        if (factories.Length > 0) builder.Append(", ").Append(string.Join(", ", factories.Select(f => $"`{f}`")));
        builder.Append(entry.Aliases.Length > 0
            ? $" · *text-form aliases:* {string.Join(", ", entry.Aliases.Select(a => $"`{a}`"))}\n"
            : "\n");
        foreach (var paragraph in docs.Remarks(entry.Type, Snake))
            builder.Append('\n').Append(paragraph).Append('\n');
        if (entry.Parameters.Length == 0)
        {
            builder.Append("\nNo parameters.\n");
            return;
        }
        builder.Append("\n| Parameter | Type | Default | Meaning and allowed values |\n|---|---|---|---|\n");
        foreach (var parameter in entry.Parameters)
        {
            string name = $"`{parameter.Name}`" + (parameter.Aliases.Length > 0
                ? $" (text form also {string.Join(", ", parameter.Aliases.Select(a => $"`{a}`"))})"
                : "");
            string meaning = docs.Parameter(entry.Constructor, parameter.Parameter.Name!, Snake);
            string type = TypeName(parameter.Type) + (parameter.IsNullable && !parameter.Type.IsValueType ? " or `null`" : "");
            builder.Append($"| {name} | {type} | {DefaultText(parameter)} | {Cell(meaning)} |\n");
        }
    }

    /// <summary>The factories on <see cref="LrSchedule"/> that return <paramref name="type"/>.</summary>
    private static string[] Factories(Type type) =>
        typeof(LrSchedule).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.ReturnType == type)
            .Select(m => $"LrSchedule.{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.Name))})")
            .Distinct().Order(StringComparer.Ordinal).ToArray();

    public static string TypeName(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner) return TypeName(inner) + " or `null`";
        if (type == typeof(double)) return "number";
        if (type == typeof(int)) return "integer";
        if (type == typeof(long)) return "integer (64-bit)";
        if (type == typeof(bool)) return "`true`/`false`";
        if (type == typeof(string)) return "string";
        if (type == typeof(Duration)) return "[duration](#durations)";
        if (type == typeof(LrSchedule)) return "schedule";
        if (type.IsEnum)
            return string.Join(" \\| ", Enum.GetNames(type).Select(n => $"`\"{JsonNamingPolicy.SnakeCaseLower.ConvertName(n)}\"`"));
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            var element = type.GetGenericArguments()[0];
            return "list of " + (element == typeof(LrSchedule) ? "schedules"
                : element == typeof(Duration) ? "[durations](#durations)"
                : element == typeof(double) ? "numbers" : "integers");
        }
        throw new InvalidOperationException($"No documented name for parameter type {type}.");
    }

    /// <summary>The default as the JSON literal a reader would write, or "required".</summary>
    public static string DefaultText(ScheduleParameter parameter)
    {
        if (!parameter.HasDefaultValue) return "required";
        object? value = parameter.DefaultValue;
        if (value is double d)
            return d == double.MaxValue ? "`1.7976931348623157e+308` (no bound)" : $"`{LrScheduleText.FormatDouble(d)}`";
        string json = value is null ? "null" : JsonSerializer.Serialize(value, parameter.Type, LrScheduleJson.Options);
        return $"`{json}`";
    }

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");

    /// <summary>The XML documentation file of the schedules assembly, rendered to Markdown.</summary>
    internal sealed partial class XmlDocs
    {
        private readonly Dictionary<string, XElement> _members;

        private XmlDocs(Dictionary<string, XElement> members) => _members = members;

        public static XmlDocs Load()
        {
            string path = Path.ChangeExtension(typeof(LrSchedule).Assembly.Location, ".xml");
            var document = XDocument.Load(path);
            return new XmlDocs(document.Descendants("member")
                .ToDictionary(m => (string)m.Attribute("name")!, m => m, StringComparer.Ordinal));
        }

        public string Summary(Type type, Func<string, string> snake) =>
            _members.TryGetValue("T:" + type.FullName, out var member) ? Render(member.Element("summary"), snake) : "";

        public IEnumerable<string> Remarks(Type type, Func<string, string> snake)
        {
            if (!_members.TryGetValue("T:" + type.FullName, out var member) || member.Element("remarks") is not { } remarks)
                return [];
            var paragraphs = remarks.Elements("para").ToArray();
            return paragraphs.Length > 0 ? paragraphs.Select(p => Render(p, snake)) : [Render(remarks, snake)];
        }

        public string Parameter(ConstructorInfo constructor, string name, Func<string, string> snake)
        {
            var member = _members.Values.FirstOrDefault(m => (string)m.Attribute("name")! == ConstructorId(constructor));
            return Render(member?.Elements("param").FirstOrDefault(p => (string)p.Attribute("name")! == name), snake);
        }

        private static string ConstructorId(ConstructorInfo constructor)
        {
            var parameters = constructor.GetParameters().Select(p => XmlTypeName(p.ParameterType)).ToArray();
            return $"M:{constructor.DeclaringType!.FullName}.#ctor" + (parameters.Length > 0 ? $"({string.Join(",", parameters)})" : "");
        }

        private static string XmlTypeName(Type type)
        {
            if (type.IsGenericType)
            {
                string definition = type.GetGenericTypeDefinition().FullName!;
                return $"{definition[..definition.IndexOf('`')]}{{{string.Join(",", type.GetGenericArguments().Select(XmlTypeName))}}}";
            }
            return type.FullName!;
        }

        private static string Render(XElement? element, Func<string, string> snake)
        {
            if (element is null) return "";
            var text = new StringBuilder();
            foreach (var node in element.Nodes())
            {
                text.Append(node switch
                {
                    XText t => t.Value,
                    XElement { Name.LocalName: "c" } c => $"`{c.Value}`",
                    XElement { Name.LocalName: "paramref" } p => $"`{snake((string)p.Attribute("name")!)}`",
                    XElement { Name.LocalName: "see" } s => $"`{Cref(s, snake)}`",
                    XElement { Name.LocalName: "para" } p => "\n" + Render(p, snake) + "\n",
                    XElement other => other.Value,
                    _ => "",
                });
            }
            return Whitespace().Replace(text.ToString(), " ").Trim();
        }

        private static string Cref(XElement see, Func<string, string> snake)
        {
            string cref = (string?)see.Attribute("cref") ?? (string?)see.Attribute("langword") ?? see.Value;
            string kind = cref.Length > 2 && cref[1] == ':' ? cref[..1] : "";
            string name = cref.Split('(')[0].Split('.').Last();
            // A property of a schedule is one of its JSON parameters; an enum value reads best with its enum.
            return kind switch
            {
                "P" => snake(name),
                "F" => string.Join('.', cref.Split('.')[^2..]),
                _ => name,
            };
        }

        [GeneratedRegex(@"[ \t\r\n]+")]
        private static partial Regex Whitespace();
    }
}
