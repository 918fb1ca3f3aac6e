namespace System.Runtime.CompilerServices;

/// <summary>
/// Tells the runtime to let this assembly use the internal members of the named assembly. The runtime honours it;
/// the compiler does not, hence the publicized compile-time references (see README.md in this folder).
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
internal sealed class IgnoresAccessChecksToAttribute(string assemblyName) : Attribute
{
    /// <summary>The simple name of the assembly whose internals this assembly uses.</summary>
    public string AssemblyName { get; } = assemblyName;
}
