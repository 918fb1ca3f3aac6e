using System.Globalization;
using System.Runtime.InteropServices;

namespace MLNet.LrSchedules.Trainers.Native;

/// <summary>
/// Bounds how long libtorch's OpenMP worker threads spin at the end of a parallel region before they sleep, by setting
/// <c>GOMP_SPINCOUNT</c> in the process environment before libgomp loads (docs/THREADS.md).
/// </summary>
/// <remarks>
/// <para>libtorch-cpu for Linux bundles GNU OpenMP (libgomp), which reads its settings once, when it is loaded. With neither
/// <c>OMP_WAIT_POLICY</c> nor <c>GOMP_SPINCOUNT</c> set, a thread that waits for its team (at a barrier, or for the next
/// parallel region) spins 300,000 times before sleeping — milliseconds on current CPUs. On a shared CPU a teammate that is
/// descheduled leaves the others spinning on the cores it needs to finish, and every parallel region costs a scheduler time
/// slice: training with two threads and two CPU hogs on two cores ran 5.9× slower than alone.</para>
/// <para>.NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> changes a managed copy on Linux that native
/// <c>getenv</c> never sees, so the value is written with libc's <c>setenv</c>. A value the user set (<c>OMP_WAIT_POLICY</c>,
/// <c>GOMP_SPINCOUNT</c>, or Intel/LLVM OpenMP's <c>KMP_BLOCKTIME</c>) is left alone, and nothing is done once libgomp is
/// already in the process (TorchSharp was used before the trainers loaded it; call <see cref="TorchSharpRuntime.EnsureLoaded"/>
/// first) or off Linux.</para>
/// </remarks>
internal static class OpenMpEnvironment
{
    /// <summary>
    /// The spin count set when the user set none: about 0.1 ms of spinning (libgomp's loop is a pause instruction per
    /// count, 20 to 140 cycles depending on the CPU), enough to bridge the gap between two kernels of one step on a quiet
    /// machine, short enough that a descheduled teammate costs little (measured in docs/THREADS.md).
    /// </summary>
    public const long SpinCount = 1_000;

    /// <summary>The variables a user sets to choose OpenMP's waiting; any of them set means the user decided.</summary>
    internal static readonly string[] UserVariables = ["OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME"];

    private static readonly Lock Gate = new();
    private static bool _prepared;

    /// <summary>What <see cref="Prepare"/> did, for diagnostics: set, left to the user, too late, or not applicable.</summary>
    public static string State { get; private set; } = "not prepared";

    /// <summary>Sets <c>GOMP_SPINCOUNT</c> = <see cref="SpinCount"/> unless the user chose OpenMP's waiting or libgomp is already loaded. Once per process.</summary>
    public static void Prepare()
    {
        lock (Gate)
        {
            if (_prepared) return;
            _prepared = true;
            if (!OperatingSystem.IsLinux())
            {
                State = "not Linux: libtorch's OpenMP keeps its own waiting";
                return;
            }
            foreach (string name in UserVariables)
                if (NativeGetEnvironment(name) is { } value)
                {
                    State = $"left to the user ({name}={value})";
                    return;
                }
            if (GompLoaded())
            {
                State = "too late: libgomp was already loaded";
                return;
            }
            if (setenv("GOMP_SPINCOUNT", SpinCount.ToString(CultureInfo.InvariantCulture), 0) != 0)
            {
                State = $"setenv failed (errno {Marshal.GetLastPInvokeError()})";
                return;
            }
            State = $"GOMP_SPINCOUNT={SpinCount.ToString(CultureInfo.InvariantCulture)}";
        }
    }

    /// <summary>The variable as native code sees it (libc's <c>getenv</c>), which may differ from <see cref="Environment.GetEnvironmentVariable(string)"/>.</summary>
    internal static string? NativeGetEnvironment(string name)
    {
        IntPtr value = getenv(name);
        return value == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(value);
    }

    private static bool GompLoaded()
    {
        const string Maps = "/proc/self/maps";
        if (!File.Exists(Maps)) return false;
        foreach (string line in File.ReadLines(Maps))
            if (line.Contains("/libgomp", StringComparison.Ordinal)) return true;
        return false;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
