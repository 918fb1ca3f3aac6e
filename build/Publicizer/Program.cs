using Mono.Cecil;

// Usage: Publicizer <input.dll> <output.dll> [<input.dll> <output.dll> ...]
// Writes a copy of each input whose non-public types and members are public, so that C# code can be compiled
// against ML.NET's internal save/load machinery. The copies are compile-time references only: at run time the
// real, signed assemblies load and the caller declares [IgnoresAccessChecksTo] to be allowed in.
// Every member made public is also marked [Obsolete(Marker)]: with warnings as errors, code that uses an ML.NET
// internal by accident fails to compile; the files meant to use them say so with #pragma warning disable CS0618.
if (args.Length == 0 || args.Length % 2 != 0)
{
    Console.Error.WriteLine("usage: Publicizer <input.dll> <output.dll> [<input.dll> <output.dll> ...]");
    return 2;
}

for (int i = 0; i < args.Length; i += 2)
{
    string input = args[i], output = args[i + 1];
    var resolver = new DefaultAssemblyResolver();
    resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(input))!);
    using var assembly = AssemblyDefinition.ReadAssembly(input, new ReaderParameters { AssemblyResolver = resolver });
    int changed = 0;
    foreach (var module in assembly.Modules)
    {
        var marker = ObsoleteMarker(module);
        foreach (var type in module.GetTypes())
            changed += Publicize(type, marker);
    }
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    // Write to a temporary file first: an interrupted build must not leave a half-written reference behind.
    string temporary = output + ".tmp";
    assembly.Write(temporary);
    File.Move(temporary, output, overwrite: true);
    Console.WriteLine($"Publicizer: {Path.GetFileName(input)} -> {output} ({changed} types and members made public)");
}
return 0;

static CustomAttribute ObsoleteMarker(ModuleDefinition module)
{
    // The ML.NET assemblies target netstandard2.0: point at System.ObsoleteAttribute through their own corlib reference.
    var corlib = module.AssemblyReferences.First(r => r.Name is "netstandard" or "mscorlib" or "System.Runtime");
    var type = new TypeReference("System", "ObsoleteAttribute", module, corlib);
    var constructor = new MethodReference(".ctor", module.TypeSystem.Void, type) { HasThis = true };
    constructor.Parameters.Add(new ParameterDefinition(module.TypeSystem.String));
    var attribute = new CustomAttribute(constructor);
    attribute.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.String,
        "ML.NET internal, public only in the compile-time copy: use it only under src/MLNet.LrSchedules.Trainers/MLNetInternals/."));
    return attribute;
}

static int Publicize(TypeDefinition type, CustomAttribute marker)
{
    // Compiler-generated helpers (<PrivateImplementationDetails>, closures) and embedded attribute copies
    // (System.Runtime.CompilerServices.NullableAttribute, ...) would clash with the compiler's own if made public.
    if (IsCompilerOwned(type)) return 0;
    int changed = 0;
    bool typeChanged = false;
    if (type.IsNested)
    {
        if (!type.IsNestedPublic && !type.IsNestedFamily && !type.IsNestedFamilyOrAssembly) { type.IsNestedPublic = true; typeChanged = true; }
    }
    else if (!type.IsPublic) { type.IsPublic = true; typeChanged = true; }
    if (typeChanged) { Mark(type, marker); changed++; }

    var publicized = new HashSet<MethodDefinition>();
    foreach (var method in type.Methods)
    {
        // protected and protected internal stay as they are, so that overriding a public ML.NET base class
        // compiles with the same modifiers as against the real assembly.
        if (method.IsPrivate || method.IsAssembly) method.IsPublic = true;
        else if (method.IsFamilyAndAssembly) method.IsFamily = true;
        else continue;
        if (!typeChanged) Mark(method, marker);
        publicized.Add(method);
        changed++;
    }
    if (!typeChanged)
    {
        foreach (var property in type.Properties)
            if ((property.GetMethod is null || publicized.Contains(property.GetMethod)) && (property.SetMethod is null || publicized.Contains(property.SetMethod)))
                Mark(property, marker);
    }
    foreach (var field in type.Fields)
    {
        if (field.Name.Contains('<')) continue; // backing fields
        if (field.IsPrivate || field.IsAssembly) field.IsPublic = true;
        else if (field.IsFamilyAndAssembly) field.IsFamily = true;
        else continue;
        if (!typeChanged) Mark(field, marker);
        changed++;
    }
    return changed;
}

static void Mark(ICustomAttributeProvider member, CustomAttribute marker)
{
    if (member.CustomAttributes.Any(a => a.AttributeType.FullName == "System.ObsoleteAttribute")) return;
    member.CustomAttributes.Add(marker);
}

static bool IsCompilerOwned(TypeDefinition type)
{
    for (var t = type; t is not null; t = t.DeclaringType)
    {
        if (t.Name.Contains('<')) return true;
        if (t.DeclaringType is null && (t.Namespace.StartsWith("System", StringComparison.Ordinal)
                                        || t.Namespace.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)))
            return true;
        foreach (var attribute in t.CustomAttributes)
            if (attribute.AttributeType.FullName == "System.Runtime.CompilerServices.CompilerGeneratedAttribute")
                return true;
    }
    return false;
}
