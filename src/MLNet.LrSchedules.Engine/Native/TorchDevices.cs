using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Resolves a <see cref="ComputeDevice"/> to a TorchSharp device, and makes sure the native backend is loaded first.</summary>
internal static class TorchDevices
{
    /// <summary>Loads the native TorchSharp backend; call before the first torch use.</summary>
    public static void EnsureRuntime() => Native.TorchSharpRuntime.EnsureLoaded();

    /// <summary>Why Cuda cannot be used, and the three ways to get a CUDA backend.</summary>
    internal static string NoCudaMessage()
    {
        string backend = Native.PyTorchBackend.Current is { } pytorch
            ? $" The PyTorch backend is loaded from {pytorch.LibraryDirectory} but reports no usable GPU: {string.Join(" ", pytorch.Warnings)}"
            : "";
        return "Device 'Cuda' was requested but no CUDA backend is available." + backend
            + " Reference the TorchSharp-cuda-linux or TorchSharp-cuda-windows package instead of TorchSharp-cpu, or on Linux reuse an installed PyTorch's libtorch "
            + "with PyTorchBackend.Load(torchLibDirectory) or PyTorchBackend.LoadFromPython() before the first TorchSharp use; the machine needs an NVIDIA driver. "
            + "Use ComputeDevice.Auto to fall back to the CPU.";
    }

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
                    throw new InvalidOperationException(NoCudaMessage());
                return CUDA;
            default:
                throw new ArgumentOutOfRangeException(nameof(device), device, $"Parameter 'device' must be Cpu, Cuda or Auto; received {device}.");
        }
    }
}
