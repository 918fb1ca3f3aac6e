using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>CPU tensors copied from managed memory into storage that libtorch allocated itself, and their memory seen as spans.</summary>
/// <remarks>
/// <para><c>torch.tensor(float[])</c> wraps a pinned managed copy whose address depends on the GC heap (8-byte aligned, not 64),
/// and vectorized kernels (dot products, reductions, matrix products) sum in an order that depends on alignment: the same
/// numbers gave results one ulp apart from run to run. libtorch's allocator aligns every block to 64 bytes.</para>
/// <para>Copies go through spans over the tensor's memory (a memcpy), not TorchSharp's <c>TensorAccessor.CopyFrom</c>, which
/// walks an enumerator of indices element by element (about a millisecond per 256 × 784 batch).</para>
/// </remarks>
internal static class HostTensors
{
    public static Tensor Float32(ReadOnlySpan<float> values, params ReadOnlySpan<long> shape)
    {
        var result = empty(shape, ScalarType.Float32);
        values.CopyTo(Span<float>(result, 0, values.Length));
        return result;
    }

    public static Tensor Int64(ReadOnlySpan<long> values)
    {
        var result = empty([values.Length], ScalarType.Int64);
        values.CopyTo(Span<long>(result, 0, values.Length));
        return result;
    }

    /// <summary>
    /// <paramref name="length"/> elements of a contiguous CPU tensor from element <paramref name="start"/>, as a span over its
    /// memory (valid while the tensor lives and is not resized). Any offset: a span may start past 2 GB of the tensor.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not a contiguous CPU tensor of <typeparamref name="T"/>, or the range is outside it.</exception>
    public static Span<T> Span<T>(Tensor tensor, long start, int length) where T : unmanaged
    {
        var memory = Memory<T>(tensor);
        if (start < 0 || length < 0 || start + length > memory.Length)
            throw new ArgumentOutOfRangeException(nameof(start), start, $"Elements [{start}, {start + length}) are outside the tensor's {memory.Length}.");
        return memory.Span(start, length);
    }

    /// <summary>The memory of a contiguous CPU tensor, to take many spans of without asking libtorch each time.</summary>
    /// <exception cref="ArgumentException">The tensor is not a contiguous CPU tensor of <typeparamref name="T"/>.</exception>
    public static unsafe NativeMemory<T> Memory<T>(Tensor tensor) where T : unmanaged
    {
        if (tensor.device_type != DeviceType.CPU || !tensor.is_contiguous() || tensor.element_size() != sizeof(T))
            throw new ArgumentException($"Expected a contiguous CPU tensor of {typeof(T).Name}; received {tensor.dtype} on {tensor.device}{(tensor.is_contiguous() ? "" : ", not contiguous")}.", nameof(tensor));
        long length = tensor.numel();
        if (length == 0) return new NativeMemory<T>(IntPtr.Zero, 0);
        // TorchSharp 0.107 has no data_ptr: a one-element view's byte span starts at the first element.
        using var flat = tensor.flatten();
        using var first = flat.narrow(0, 0, 1);
        fixed (byte* pointer = first.bytes) return new NativeMemory<T>((IntPtr)pointer, length);
    }

    /// <summary>A tensor's memory: its first element's address and its length in elements. Valid while the tensor lives.</summary>
    public readonly struct NativeMemory<T>(IntPtr address, long length) where T : unmanaged
    {
        public long Length { get; } = length;

        /// <summary><paramref name="count"/> elements from <paramref name="start"/>; unchecked beyond a debug assertion (callers stay within <see cref="Length"/>).</summary>
        public unsafe Span<T> Span(long start, int count)
        {
            System.Diagnostics.Debug.Assert(start >= 0 && count >= 0 && start + count <= Length);
            return new Span<T>((T*)address + start, count);
        }
    }
}
