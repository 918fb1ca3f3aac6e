using TorchSharp;

namespace MLNet.LrSchedules.Trainers.Native;

/// <summary>
/// libtorch's intra-op thread count for a run: chosen from the work of one optimizer step when the settings leave it open,
/// and applied to the training thread for the duration of <see cref="TrainingEngine.Train"/> (docs/THREADS.md).
/// </summary>
/// <remarks>
/// <para>libtorch keeps the count per thread (OpenMP's nthreads ICV, MKL's thread-local count) plus a process-wide value that
/// threads take when they first run a kernel. <see cref="Use"/> sets the calling thread's count (and the process-wide value)
/// and puts both back when disposed, so concurrent runs on different threads each keep their own count and the caller's
/// setting survives a run.</para>
/// </remarks>
internal static class TorchThreads
{
    /// <summary>
    /// Multiply-adds per step that each thread must have before another thread pays off. Below it a step's kernels are so
    /// short that waking and joining a team costs more than it saves; measured in docs/THREADS.md.
    /// </summary>
    public const long MultiplyAddsPerThread = 20_000_000;

    private static readonly Lazy<int> Cap = new(() =>
    {
        TorchSharpRuntime.EnsureLoaded();
        return Math.Max(1, Math.Min(TorchSharpRuntime.DefaultThreads, Environment.ProcessorCount));
    });

    /// <summary>
    /// The most threads a run is given by default: libtorch's own default (its physical cores, or the count
    /// <c>torch.set_num_threads</c> set before the first run), never more than the processors .NET may use
    /// (<see cref="Environment.ProcessorCount"/>: affinity and container limits).
    /// </summary>
    public static int MaxDefault => Cap.Value;

    /// <summary>The default count for a step of <paramref name="multiplyAddsPerStep"/>: one thread per <see cref="MultiplyAddsPerThread"/>, between 1 and <see cref="MaxDefault"/>.</summary>
    public static int ForWork(long multiplyAddsPerStep) => ForWork(multiplyAddsPerStep, MaxDefault);

    /// <summary>The rule of <see cref="ForWork(long)"/> with a given cap.</summary>
    internal static int ForWork(long multiplyAddsPerStep, int cap) =>
        (int)Math.Clamp(multiplyAddsPerStep / MultiplyAddsPerThread, 1, Math.Max(1, cap));

    /// <summary>Sets libtorch's intra-op thread count on the calling thread until the result is disposed, which restores the previous count.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is less than 1.</exception>
    public static Scope Use(int threads)
    {
        Check.Positive(threads);
        int previous = torch.get_num_threads();
        if (previous != threads) torch.set_num_threads(threads);
        return new Scope(previous, threads);
    }

    /// <summary>Restores the thread count found by <see cref="Use"/>; dispose on the thread that called it.</summary>
    public readonly struct Scope(int previous, int current) : IDisposable
    {
        public void Dispose()
        {
            if (previous != current) torch.set_num_threads(previous);
        }
    }
}
