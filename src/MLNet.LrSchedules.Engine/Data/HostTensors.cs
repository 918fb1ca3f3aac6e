using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>CPU tensors copied from managed memory into storage that libtorch allocated itself.</summary>
/// <remarks>
/// <c>torch.tensor(float[])</c> wraps a pinned managed copy whose address depends on the GC heap (8-byte aligned, not 64),
/// and vectorized kernels (dot products, reductions, matrix products) sum in an order that depends on alignment: the same
/// numbers gave results one ulp apart from run to run. libtorch's allocator aligns every block to 64 bytes.
/// </remarks>
internal static class HostTensors
{
    public static Tensor Float32(ReadOnlySpan<float> values, params ReadOnlySpan<long> shape)
    {
        var result = empty(shape, ScalarType.Float32);
        using (var access = result.data<float>()) access.CopyFrom(values, 0, 0);
        return result;
    }

    public static Tensor Int64(ReadOnlySpan<long> values)
    {
        var result = empty([values.Length], ScalarType.Int64);
        using (var access = result.data<long>()) access.CopyFrom(values, 0, 0);
        return result;
    }
}
