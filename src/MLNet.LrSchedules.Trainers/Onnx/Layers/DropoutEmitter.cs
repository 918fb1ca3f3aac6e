namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>Dropout writes nothing: the exported graph is the network in evaluation mode, where dropout is the identity.</summary>
internal sealed class DropoutEmitter : LayerEmitter<DropoutLayer>
{
    protected override string Emit(LayerContext context, DropoutLayer layer, string input) => input;
}
