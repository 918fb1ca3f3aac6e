namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>Dropout writes nothing: the exported graph is the network in evaluation mode, where dropout is the identity.</summary>
internal sealed class DropoutEmitter : LayerEmitter<DropoutExport>
{
    protected override string Emit(LayerContext context, DropoutExport layer, string input) => input;
}
