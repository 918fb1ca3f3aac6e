using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// One optimizer step on one batch: gradients of the task's loss, clipping, the hypergradient signal, the scheduled rate and
/// momentum set on the optimizer, the update. No host synchronization but the loss's value.
/// </summary>
/// <remarks>
/// The <see cref="ScheduleSignal.GradientDot"/> signal (computed only when the schedule listens to it) is the dot product of
/// the current gradient with the previous step's update direction (θ_before − θ_after) / lr, before the step's rate is read;
/// for plain SGD that is the previous gradient. The direction is part of a checkpoint, so a resumed hypergradient run is exact.
/// </remarks>
internal sealed class OptimizerStep : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly optim.Optimizer _optimizer;
    // What the optimizer updates: the network's parameters, or the one buffer they are views of (FlatParameters).
    private readonly Parameter[] _parameters;
    private readonly double? _clipNorm;
    private readonly Device _device;
    private Tensor? _previousDirection;

    public OptimizerStep(nn.Module<Tensor, Tensor> network, optim.Optimizer optimizer, OptimizerSettings settings, Device device)
    {
        _network = network;
        _optimizer = optimizer;
        _parameters = optimizer.parameters().ToArray();
        _clipNorm = settings.GradientClipNorm;
        _device = device;
    }

    /// <summary>Forward, the task's loss (the weighted mean Σwᵢlᵢ / Σwᵢ with example weights) and backward; returns the loss.</summary>
    public double Gradients(Tensor input, Tensor labels, Tensor? weights, TaskObjective objective)
    {
        _optimizer.zero_grad();
        var output = _network.forward(input);
        var loss = weights is null
            ? objective.MeanLoss(output, labels)
            : objective.PerExampleLoss(output, labels).mul(weights).sum().div(weights.sum());
        loss.backward();
        return loss.item<float>();
    }

    /// <summary>Clips, reports the gradient signal, sets the scheduled rate and momentum, and updates the weights.</summary>
    public (double LearningRate, double? Momentum) Update(LrScheduler scheduler)
    {
        if (_clipNorm is { } maxNorm)
            nn.utils.clip_grad_norm_(_parameters, maxNorm);

        Tensor? before = null;
        if (scheduler.Listens == ScheduleSignal.GradientDot)
        {
            if (_previousDirection is not null)
            {
                double dot = Flatten(gradients: true).dot(_previousDirection).item<float>();
                if (double.IsFinite(dot)) scheduler.Report(ScheduleSignal.GradientDot, dot);
            }
            before = Flatten(gradients: false);
        }

        double learningRate = scheduler.LearningRate;
        double? momentum = Optimizers.Apply(_optimizer, learningRate, scheduler.Momentum);
        _optimizer.step();

        if (before is not null)
        {
            _previousDirection?.Dispose();
            _previousDirection = learningRate > 0
                ? before.sub_(Flatten(gradients: false)).div_(learningRate).DetachFromDisposeScope()
                : null;
        }
        return (learningRate, momentum);
    }

    /// <summary>The previous update direction, flattened in parameter order, for a checkpoint; null when none.</summary>
    public float[]? SaveDirection()
    {
        if (_previousDirection is null) return null;
        using var cpu = _previousDirection.cpu();
        return cpu.data<float>().ToArray();
    }

    /// <summary>Takes the previous update direction of a checkpoint (null for none).</summary>
    /// <exception cref="ArgumentException">The direction does not have one value per parameter.</exception>
    public void RestoreDirection(float[]? direction)
    {
        _previousDirection?.Dispose();
        _previousDirection = null;
        if (direction is null) return;
        long parameterCount = _parameters.Sum(p => p.numel());
        if (direction.Length != parameterCount)
            throw new ArgumentException($"The checkpoint's PreviousUpdateDirection holds {direction.Length} values; the network has {parameterCount} parameters.", "resumeFrom");
        var restored = HostTensors.Float32(direction, direction.Length);
        _previousDirection = _device.type == DeviceType.CPU ? restored.DetachFromDisposeScope() : restored.to(_device).DetachFromDisposeScope();
    }

    /// <summary>The gradients or the values of the optimized parameters, flattened in order, as a copy the step leaves alone.</summary>
    private Tensor Flatten(bool gradients)
    {
        var parts = new Tensor[_parameters.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            var source = gradients ? _parameters[i].grad ?? zeros_like(_parameters[i]) : _parameters[i].detach();
            parts[i] = source.flatten();
        }
        // TorchSharp's cat of a single tensor is an alias of it (the case of one flat buffer), not a copy.
        return parts.Length == 1 ? parts[0].clone() : cat(parts, 0);
    }

    public void Dispose()
    {
        _previousDirection?.Dispose();
        _previousDirection = null;
    }
}
