namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// What <see cref="TorchModelFile.LoadVerified"/> tells the loader that ML.NET calls in the middle of its
/// <c>Model.Load</c> (which takes no options of ours): the reader's size limit, and that the file was already checked
/// against its seal or CRCs, so the loader need not read every entry again.
/// </summary>
internal static class ModelLoadScope
{
    private static readonly AsyncLocal<Settings?> Current = new();

    private sealed record Settings(long MaxBytes, bool FileChecked);

    /// <summary>The most the loader reads: the caller's limit, else <see cref="TorchModelFile.DefaultMaxBytes"/>.</summary>
    public static long MaxBytes => Current.Value?.MaxBytes ?? TorchModelFile.DefaultMaxBytes;

    /// <summary>True inside <see cref="TorchModelFile.LoadVerified"/>, which checked the whole file before ML.NET read it.</summary>
    public static bool FileChecked => Current.Value?.FileChecked ?? false;

    public static IDisposable Enter(long maxBytes, bool fileChecked)
    {
        var previous = Current.Value;
        Current.Value = new Settings(maxBytes, fileChecked);
        return new Exit(previous);
    }

    private sealed class Exit(Settings? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
