namespace MLNet.LrSchedules.Trainers.Tests.Native;

/// <summary>This test project references the Trainers project as an application does: no build tool of ours may land beside it.</summary>
[TestClass]
public sealed class BuildOutputTests
{
    [TestMethod]
    public void NoBuildToolIsCopiedIntoAReferencingProjectsOutput()
    {
        // The Publicizer is an Exe project reference of the Trainers, for build order only; the SDK copies a referenced
        // Exe's apphost, deps.json and runtimeconfig.json unless the reference says Private="false".
        var tools = Directory.GetFiles(AppContext.BaseDirectory)
            .Select(Path.GetFileName)
            .Where(name => name!.StartsWith("Publicizer", StringComparison.Ordinal) || name.StartsWith("MLNet.LrSchedules.NativeFix", StringComparison.Ordinal))
            .ToList();
        Assert.IsEmpty(tools, string.Join(", ", tools));
    }
}
