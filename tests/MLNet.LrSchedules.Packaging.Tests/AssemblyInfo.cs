// The tests share one packed folder (LocalFeed) and each starts dotnet processes that use both cores.
[assembly: DoNotParallelize]

namespace MLNet.LrSchedules.Packaging.Tests;

[TestClass]
public static class TemporaryFolders
{
    [AssemblyCleanup]
    public static void DeleteThem() => LocalFeed.Delete();
}
