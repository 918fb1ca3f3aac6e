namespace MLNet.LrSchedules;

/// <summary>
/// Registers a schedule (or reactive state) type under its JSON type discriminator and text-form name.
/// Only types of this assembly carry it, so deserialization can only create the project's own types.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
internal sealed class ScheduleTypeAttribute(string name, params string[] aliases) : Attribute
{
    /// <summary>The discriminator written to JSON and the name in the text form.</summary>
    public string Name { get; } = name;

    /// <summary>Other names accepted when parsing (the reference libraries' spellings).</summary>
    public string[] Aliases { get; } = aliases;
}
