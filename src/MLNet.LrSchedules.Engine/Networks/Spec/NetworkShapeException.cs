namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A layer of a <see cref="NetworkSpec"/> cannot take the shape it receives (for example <c>reshape(1,28,28)</c> on 30
/// features, <c>conv2d</c> on a flat vector, or pooling that shrinks a side to 0). Thrown before any training starts; the
/// message names the layer (its 0-based index and text form), the shape it received and what it expects.
/// </summary>
public sealed class NetworkShapeException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="layerIndex">The 0-based index of the layer, or -1 when the problem is the network's input.</param>
    /// <param name="layer">The layer, or null when the problem is the network's input.</param>
    /// <param name="receivedShape">The shape of one example the layer received (without the batch dimension), when known.</param>
    public NetworkShapeException(string message, int layerIndex, NetworkLayer? layer, IReadOnlyList<int>? receivedShape)
        : base(message)
    {
        LayerIndex = layerIndex;
        Layer = layer;
        ReceivedShape = receivedShape;
    }

    /// <summary>The 0-based index of the layer in <see cref="NetworkSpec.Layers"/>, or -1 when the problem is the network's input.</summary>
    public int LayerIndex { get; }

    /// <summary>The layer that cannot take its input, or null when the problem is the network's input.</summary>
    public NetworkLayer? Layer { get; }

    /// <summary>The shape of one example the layer received, without the batch dimension (for example [1, 28, 28]), when known.</summary>
    public IReadOnlyList<int>? ReceivedShape { get; }
}
