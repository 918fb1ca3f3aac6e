namespace MLNet.LrSchedules;

/// <summary>
/// Extra names a schedule parameter accepts in the text form (for example <c>min</c> for <c>eta_min</c>).
/// Put it on the constructor parameter. The canonical name is the property's snake_case JSON name.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
internal sealed class ParameterAliasAttribute(params string[] aliases) : Attribute
{
    /// <summary>The accepted extra names.</summary>
    public string[] Aliases { get; } = aliases;
}
