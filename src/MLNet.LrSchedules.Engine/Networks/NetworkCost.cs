namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The multiply-adds of one example's forward pass, from the layers and the shapes they receive: what decides how many
/// threads a training step can use (<see cref="Native.TorchThreads"/>).
/// </summary>
/// <remarks>
/// Linear: in × out. Convolution: output values × input channels × kernel elements. Normalization, activation, pooling and
/// dropout: one per value they receive (their real cost is a few operations per value, far below the products around them).
/// A module of your own: its parameter count (what a linear layer of that size costs) plus one per value it gives.
/// </remarks>
internal static class NetworkCost
{
    /// <param name="layers">The resolved spec's layers.</param>
    /// <param name="shapes">The shape of one example before each layer, and the output's last (layers.Count + 1 shapes).</param>
    /// <param name="moduleParameters">The parameter count of the module built for a layer, by index (asked for modules of your own only).</param>
    public static long MultiplyAddsPerExample(IReadOnlyList<NetworkLayer> layers, IReadOnlyList<TensorShape> shapes, Func<int, long> moduleParameters)
    {
        long total = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            var input = shapes[i];
            var output = shapes[i + 1];
            total += layers[i] switch
            {
                LinearLayer => input.Size * output.Size,
                ConvolutionLayer convolution => output.Size * input[0] * Pow(convolution.KernelSize, convolution.Dimensions),
                FlattenLayer or ReshapeLayer => 0,
                ModuleLayer => moduleParameters(i) + output.Size,
                _ => input.Size,
            };
        }
        return total;
    }

    private static long Pow(int value, int power)
    {
        long result = 1;
        for (int i = 0; i < power; i++) result *= value;
        return result;
    }
}
