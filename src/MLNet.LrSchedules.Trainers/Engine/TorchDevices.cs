using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Resolves a <see cref="ComputeDevice"/> to a TorchSharp device, and makes sure the native backend is loaded first.</summary>
internal static class TorchDevices
{
    /// <summary>Loads the native TorchSharp backend; call before the first torch use.</summary>
    public static void EnsureRuntime() => Native.TorchSharpRuntime.EnsureLoaded();

    public static Device Resolve(ComputeDevice device)
    {
        EnsureRuntime();
        switch (device)
        {
            case ComputeDevice.Cpu:
                return CPU;
            case ComputeDevice.Auto:
                return cuda.is_available() ? CUDA : CPU;
            case ComputeDevice.Cuda:
                if (!cuda.is_available())
                    throw new InvalidOperationException(
                        "Device 'Cuda' was requested but no CUDA backend is available: the application must reference the TorchSharp-cuda-linux "
                        + "or TorchSharp-cuda-windows package (or the libtorch CUDA binaries through the PyTorch-libtorch helper) and run on a machine with an NVIDIA driver. "
                        + "Use ComputeDevice.Auto to fall back to the CPU.");
                return CUDA;
            default:
                throw new ArgumentOutOfRangeException(nameof(device), device, $"Parameter 'device' must be Cpu, Cuda or Auto; received {device}.");
        }
    }
}
