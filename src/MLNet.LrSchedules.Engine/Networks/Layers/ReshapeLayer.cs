using System.Globalization;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Reshapes each example, typically ML.NET's flat feature vector into channels×length or channels×height×width for
/// convolutions: <c>reshape(1, 28, 28)</c> reads 784 features as a 1-channel 28×28 image, row by row (row-major, as
/// PyTorch's <c>view</c>). PyTorch <c>nn.Unflatten(1, shape)</c>. Text: <c>reshape(1, 28, 28)</c>.
/// </summary>
public sealed class ReshapeLayer : NetworkLayer
{
    private readonly int[] _shape;

    /// <summary>Creates the layer.</summary>
    /// <param name="shape">The shape of one example afterwards: 1 to 3 sizes, each at least 1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="shape"/> is empty, has more than 3 sizes, or a size below 1.</exception>
    public ReshapeLayer(IReadOnlyList<int> shape)
    {
        Check.NotNull(shape);
        if (shape.Count is < 1 or > 3)
            throw new ArgumentException($"Parameter 'shape' must hold 1 to 3 sizes ([features], [channels, length] or [channels, height, width]); received {shape.Count}.", nameof(shape));
        for (int i = 0; i < shape.Count; i++)
            if (shape[i] < 1)
                throw new ArgumentOutOfRangeException(nameof(shape), shape[i], $"Parameter 'shape' must hold sizes >= 1; received {shape[i].ToString(CultureInfo.InvariantCulture)} at index {i}.");
        _shape = shape.ToArray();
    }

    /// <summary>The shape of one example afterwards (without the batch dimension).</summary>
    public IReadOnlyList<int> Shape => _shape;

    internal override TensorShape? InferShape(TensorShape? input)
    {
        var output = new TensorShape(_shape);
        if (input is not null && input.Size != output.Size)
            throw new LayerShapeError($"needs {output.Size.ToString(CultureInfo.InvariantCulture)} values per example ({output.Dimensions})");
        return output;
    }
}
