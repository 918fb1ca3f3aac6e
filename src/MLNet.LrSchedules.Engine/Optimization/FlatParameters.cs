using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// A network's parameters and their gradients re-seated as views into two contiguous buffers, so that the optimizer updates
/// one tensor per step instead of one per parameter: on small networks a step costs what its operations cost to dispatch,
/// and TorchSharp's optimizers run about ten operations per parameter (docs/BENCHMARKS.md, "Small data sets").
/// </summary>
/// <remarks>
/// <para>Every parameter keeps its identity (modules, saving and loading see the same tensors), only its storage moves:
/// <c>Tensor.set_</c> points it at its slice of <see cref="Values"/>, and its <c>grad</c> is preset to its slice of the
/// gradient buffer, into which autograd then accumulates in place. The optimizer, given <see cref="Values"/> alone, applies
/// exactly the per-element formulas it applied per parameter (same results on this library's tests, bit for bit).</para>
/// <para>Only for networks whose parameters are all float32, dense, on one device and trainable; others keep TorchSharp's
/// per-parameter path (<see cref="TryCreate"/> returns null). The gradient buffer must never be replaced: zero it (the
/// optimizer's <c>zero_grad</c> does), never set gradients to null.</para>
/// </remarks>
internal sealed class FlatParameters : IDisposable
{
    private readonly Tensor _gradients;

    private FlatParameters(Parameter values, Tensor gradients, long[][] shapes)
    {
        Values = values;
        _gradients = gradients;
        Shapes = shapes;
    }

    /// <summary>Every parameter's values, in the network's parameter order; its <c>grad</c> holds every parameter's gradient.</summary>
    public Parameter Values { get; }

    /// <summary>The shapes of the parameters, in order (what per-parameter optimizer state of earlier versions was saved for).</summary>
    public long[][] Shapes { get; }

    /// <summary>Re-seats <paramref name="parameters"/> into one buffer on their device; null when they do not qualify (see remarks).</summary>
    public static FlatParameters? TryCreate(IReadOnlyList<Parameter> parameters)
    {
        if (parameters.Count < 2) return null;
        var device = parameters[0].device;
        foreach (var parameter in parameters)
        {
            if (parameter.dtype != ScalarType.Float32 || !parameter.requires_grad || parameter.is_sparse
                || parameter.device_type != device.type || parameter.device_index != device.index)
                return null;
        }

        long total = parameters.Sum(p => p.numel());
        // Owned by this object, not by a dispose scope the caller (a user's Fit) may have open.
        var values = (Parameter)new Parameter(empty(total, ScalarType.Float32, device), requires_grad: true).DetachFromDisposeScope();
        var gradients = zeros(total, ScalarType.Float32, device).DetachFromDisposeScope();
        using (no_grad())
        using (NewDisposeScope())
        {
            long offset = 0;
            foreach (var parameter in parameters)
            {
                long count = parameter.numel();
                var slice = values.narrow(0, offset, count);
                slice.copy_(parameter.reshape(count));
                parameter.set_(slice.view(parameter.shape));
                parameter.grad = gradients.narrow(0, offset, count).view(parameter.shape);
                offset += count;
            }
        }
        values.grad = gradients;
        return new FlatParameters(values, gradients, parameters.Select(p => p.shape).ToArray());
    }

    public void Dispose()
    {
        Values.Dispose();
        _gradients.Dispose();
    }
}
