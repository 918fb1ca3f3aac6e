using MLNet.LrSchedules.Trainers.Native;

namespace MLNet.LrSchedules.Trainers.Tests.Gpu;

/// <summary>
/// The backend the GPU tests run on: PyTorch's libtorch when LRSCHED_TORCH_LIB names a torch/lib folder (loaded before any other
/// TorchSharp use in the process), else whatever TorchSharp package the test project references (TorchSharp-cpu here).
/// </summary>
internal static class GpuTestEnvironment
{
    public const string TorchLibVariable = "LRSCHED_TORCH_LIB";
    private static readonly Lazy<(BackendReport? Report, bool Cuda, string Reason)> State = new(Probe, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The PyTorch backend's report; null when LRSCHED_TORCH_LIB is not set.</summary>
    public static BackendReport? Backend => State.Value.Report;

    public static string? TorchLibDirectory => Environment.GetEnvironmentVariable(TorchLibVariable) is { Length: > 0 } value ? value : null;

    public static bool CudaAvailable => State.Value.Cuda;

    /// <summary>Why CUDA tests are skipped (empty when CUDA is available).</summary>
    public static string SkipReason => State.Value.Reason;

    public static void EnsureBackend() => _ = State.Value;

    private static (BackendReport?, bool, string) Probe()
    {
        BackendReport? report = null;
        if (TorchLibDirectory is { } directory)
        {
            report = PyTorchBackend.Load(directory);
            Console.WriteLine(report.ToString());
            if (!report.IsLoaded)
                return (report, false, $"CUDA not available: the PyTorch backend from {TorchLibVariable}={directory} did not load ({report.Problem}: {report.Message})");
        }
        TorchSharpRuntime.EnsureLoaded();
        if (TorchSharp.torch.cuda.is_available()) return (report, true, "");
        string backend = report is null
            ? $"{TorchLibVariable} is not set and the referenced TorchSharp package has no CUDA backend"
            : $"the PyTorch backend at {report.LibraryDirectory} reports: {(report.Warnings.Count > 0 ? string.Join(" ", report.Warnings).TrimEnd('.') : "no CUDA device")}";
        return (report, false, $"CUDA not available: {backend}.");
    }
}

/// <summary>Runs the test only when CUDA is available; otherwise it is reported as skipped, with the reason.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false)]
internal sealed class RequiresCudaAttribute : ConditionBaseAttribute
{
    public RequiresCudaAttribute() : base(ConditionMode.Include) => IgnoreMessage = "CUDA not available.";

    public override string GroupName => nameof(RequiresCudaAttribute);

    public override bool IsConditionMet
    {
        get
        {
            bool available = GpuTestEnvironment.CudaAvailable;
            if (!available) IgnoreMessage = GpuTestEnvironment.SkipReason;
            return available;
        }
    }
}

/// <summary>Runs the test only when LRSCHED_TORCH_LIB names a PyTorch torch/lib folder.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false)]
internal sealed class RequiresPyTorchBackendAttribute : ConditionBaseAttribute
{
    public RequiresPyTorchBackendAttribute() : base(ConditionMode.Include) =>
        IgnoreMessage = $"{GpuTestEnvironment.TorchLibVariable} is not set: no PyTorch torch/lib folder to load (scripts/gpu-run.sh sets it).";

    public override string GroupName => nameof(RequiresPyTorchBackendAttribute);

    public override bool IsConditionMet => GpuTestEnvironment.TorchLibDirectory is not null;
}

[TestClass]
public static class GpuAssemblySetup
{
    /// <summary>The PyTorch backend must be loaded before any test touches TorchSharp.</summary>
    [AssemblyInitialize]
    public static void LoadBackend(TestContext context)
    {
        if (GpuTestEnvironment.TorchLibDirectory is not null) GpuTestEnvironment.EnsureBackend();
    }
}
