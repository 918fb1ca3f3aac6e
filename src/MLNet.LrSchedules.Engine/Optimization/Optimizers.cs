using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Builds TorchSharp optimizers and sets the per-step rate and momentum on their parameter groups.</summary>
internal static class Optimizers
{
    public static optim.Optimizer Create(OptimizerSettings settings, IEnumerable<Parameter> parameters, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Kind switch
        {
            OptimizerKind.Sgd => optim.SGD(parameters, learningRate, momentum: settings.Momentum, weight_decay: settings.WeightDecay, nesterov: settings.Nesterov),
            OptimizerKind.Adam => optim.Adam(parameters, learningRate, beta1: settings.Beta1, beta2: settings.Beta2, eps: settings.Epsilon, weight_decay: settings.WeightDecay),
            OptimizerKind.AdamW => optim.AdamW(parameters, learningRate, beta1: settings.Beta1, beta2: settings.Beta2, eps: settings.Epsilon, weight_decay: settings.WeightDecay),
            OptimizerKind.RmsProp => optim.RMSProp(parameters, learningRate, alpha: settings.Alpha, eps: settings.Epsilon, weight_decay: settings.WeightDecay, momentum: settings.Momentum),
            OptimizerKind.Adagrad => optim.Adagrad(parameters, learningRate, weight_decay: settings.WeightDecay, eps: settings.Epsilon),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Kind, $"OptimizerSettings.Kind must be Sgd, Adam, AdamW, RmsProp or Adagrad; received {settings.Kind}."),
        };
    }

    public static void Validate(OptimizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        static void NonNegative(double value, string name)
        {
            if (!(value >= 0) || double.IsInfinity(value))
                throw new ArgumentOutOfRangeException(name, value, $"OptimizerSettings.{name} must be finite and >= 0; received {value}.");
        }
        NonNegative(settings.Momentum, nameof(settings.Momentum));
        NonNegative(settings.WeightDecay, nameof(settings.WeightDecay));
        NonNegative(settings.Epsilon, nameof(settings.Epsilon));
        if (!(settings.Beta1 >= 0 && settings.Beta1 < 1))
            throw new ArgumentOutOfRangeException(nameof(settings.Beta1), settings.Beta1, $"OptimizerSettings.Beta1 must be in [0, 1); received {settings.Beta1}.");
        if (!(settings.Beta2 >= 0 && settings.Beta2 < 1))
            throw new ArgumentOutOfRangeException(nameof(settings.Beta2), settings.Beta2, $"OptimizerSettings.Beta2 must be in [0, 1); received {settings.Beta2}.");
        if (!(settings.Alpha >= 0 && settings.Alpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(settings.Alpha), settings.Alpha, $"OptimizerSettings.Alpha must be in [0, 1]; received {settings.Alpha}.");
        if (settings.GradientClipNorm is { } clip && !(clip > 0 && !double.IsInfinity(clip)))
            throw new ArgumentOutOfRangeException(nameof(settings.GradientClipNorm), clip, $"OptimizerSettings.GradientClipNorm must be finite and > 0 (or null); received {clip}.");
        if (settings.Nesterov && settings.Kind == OptimizerKind.Sgd && settings.Momentum <= 0)
            throw new ArgumentException($"OptimizerSettings.Nesterov needs a momentum > 0; received Momentum = {settings.Momentum}.", nameof(settings));
    }

    /// <summary>True when the optimizer has a momentum-like coefficient the schedule can cycle.</summary>
    public static bool HasMomentum(OptimizerKind kind) => kind != OptimizerKind.Adagrad;

    /// <summary>Sets the rate, and the momentum (SGD, RMSprop) or beta1 (Adam, AdamW) when given; returns the momentum now in force, if any was set.</summary>
    public static double? Apply(optim.Optimizer optimizer, double learningRate, double? momentum)
    {
        double? applied = null;
        foreach (var controller in optimizer.ParamGroups)
        {
            controller.LearningRate = learningRate;
            if (momentum is not { } m || controller is not ParamGroup group) continue;
            switch (group.Options)
            {
                case SGD.Options sgd: sgd.momentum = m; applied = sgd.momentum; break;
                case Adam.Options adam: adam.beta1 = m; applied = adam.beta1; break;
                case AdamW.Options adamW: adamW.beta1 = m; applied = adamW.beta1; break;
                case RMSProp.Options rms: rms.momentum = m; applied = rms.momentum; break;
            }
        }
        return applied;
    }

    /// <summary>The momentum or beta1 on the first parameter group (for tests and diagnostics).</summary>
    public static double? CurrentMomentum(optim.Optimizer optimizer) =>
        optimizer.ParamGroups.FirstOrDefault() is ParamGroup { Options: var options }
            ? options switch
            {
                SGD.Options sgd => sgd.momentum,
                Adam.Options adam => adam.beta1,
                AdamW.Options adamW => adamW.beta1,
                RMSProp.Options rms => rms.momentum,
                _ => null,
            }
            : null;

    public static byte[] SaveState(optim.Optimizer optimizer)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            Helper(optimizer).save_state_dict(writer);
        return stream.ToArray();
    }

    /// <param name="optimizer">The optimizer to load into.</param>
    /// <param name="state">Bytes of <see cref="SaveState"/>.</param>
    /// <param name="device">The device of the optimizer's parameters.</param>
    /// <param name="flattened">
    /// When the optimizer holds a <see cref="FlatParameters"/> buffer: the shapes of the parameters in it and the optimizer's
    /// settings, so that a state saved per parameter (by versions before flat parameters) is read and joined into the buffer's.
    /// </param>
    public static void LoadState(optim.Optimizer optimizer, byte[] state, Device device, (long[][] Shapes, OptimizerSettings Settings, double LearningRate)? flattened = null)
    {
        var helper = Helper(optimizer);
        if (flattened is { } flat && SavedStateCount(state) == flat.Shapes.Length && flat.Shapes.Length != helper.state_dict().State.Count)
        {
            JoinPerParameterState(helper, state, flat.Shapes, flat.Settings, flat.LearningRate);
        }
        else
        {
            using var reader = new BinaryReader(new MemoryStream(state, writable: false));
            helper.load_state_dict(reader);
        }
        if (device.type != TorchSharp.DeviceType.CPU) MoveState(helper, device);
    }

    /// <summary>How many parameters' states <see cref="SaveState"/>'s bytes hold (TorchSharp's layout: optimizer name, group count, state count).</summary>
    private static long SavedStateCount(byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state, writable: false));
        reader.ReadString();
        ReadLeb128(reader);
        return ReadLeb128(reader);
    }

    /// <summary>An unsigned LEB128 number, as TorchSharp writes counts (its codec is internal).</summary>
    private static long ReadLeb128(BinaryReader reader)
    {
        long result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = reader.ReadByte();
            result |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return result;
        }
    }

    /// <summary>
    /// Reads a per-parameter state into an optimizer of the same kind over CPU stand-ins of those parameters, then gives the
    /// flat optimizer its options and, per state field, the parameters' tensors joined in order (the layout of the flat buffer).
    /// </summary>
    private static void JoinPerParameterState(OptimizerHelper flat, byte[] state, long[][] shapes, OptimizerSettings settings, double learningRate)
    {
        var standIns = shapes.Select(shape => new Parameter(zeros(shape), requires_grad: true)).ToArray();
        try
        {
            using var perParameter = Create(settings, standIns, learningRate);
            var source = Helper(perParameter);
            using (var reader = new BinaryReader(new MemoryStream(state, writable: false)))
                source.load_state_dict(reader);
            var from = source.state_dict();
            var to = flat.state_dict();
            for (int i = 0; i < to.Options.Count; i++) ((OptimizerOptions)to.Options[i]).LoadStateDict((OptimizerOptions)from.Options[i]);
            var states = from.State;
            Tensor? Join(Func<OptimizerState, Tensor?> field)
            {
                var parts = states.Select(field).ToArray();
                if (parts.All(p => p is null)) return null;
                if (parts.Any(p => p is null))
                    throw new ArgumentException("The saved optimizer state has some parameters' buffers and not others; it cannot be joined into one buffer.");
                using var scope = NewDisposeScope();
                return cat(parts.Select(p => p!.flatten()).ToArray(), 0).MoveToOuterDisposeScope();
            }
            long Step(Func<OptimizerState, long> field) => states.Select(field).Distinct().Count() == 1
                ? field(states[0])
                : throw new ArgumentException("The saved optimizer state has parameters at different step counts; it cannot be joined into one buffer.");
            switch (to.State[0])
            {
                case SGD.State sgd:
                    Replace(ref sgd.momentum_buffer, Join(s => ((SGD.State)s).momentum_buffer));
                    break;
                case Adam.State adam:
                    adam.step = Step(s => ((Adam.State)s).step);
                    Replace(ref adam.exp_avg, Join(s => ((Adam.State)s).exp_avg));
                    Replace(ref adam.exp_avg_sq, Join(s => ((Adam.State)s).exp_avg_sq));
                    Replace(ref adam.max_exp_avg_sq, Join(s => ((Adam.State)s).max_exp_avg_sq));
                    break;
                case AdamW.State adamW:
                    adamW.step = Step(s => ((AdamW.State)s).step);
                    Replace(ref adamW.exp_avg, Join(s => ((AdamW.State)s).exp_avg));
                    Replace(ref adamW.exp_avg_sq, Join(s => ((AdamW.State)s).exp_avg_sq));
                    Replace(ref adamW.max_exp_avg_sq, Join(s => ((AdamW.State)s).max_exp_avg_sq));
                    break;
                case RMSProp.State rms:
                    rms.step = Step(s => ((RMSProp.State)s).step);
                    Replace(ref rms.square_avg, Join(s => ((RMSProp.State)s).square_avg));
                    Replace(ref rms.momentum_buffer, Join(s => ((RMSProp.State)s).momentum_buffer));
                    Replace(ref rms.grad_avg, Join(s => ((RMSProp.State)s).grad_avg));
                    break;
                case Adagrad.State adagrad:
                    adagrad.step = Step(s => ((Adagrad.State)s).step);
                    Replace(ref adagrad.sum, Join(s => ((Adagrad.State)s).sum));
                    break;
                default:
                    throw new InvalidOperationException($"Optimizer state {to.State[0].GetType().Name} cannot be joined into one buffer.");
            }
        }
        finally
        {
            foreach (var standIn in standIns) standIn.Dispose();
        }
    }

    private static void Replace(ref Tensor field, Tensor? value)
    {
        field?.Dispose();
        field = value?.DetachFromDisposeScope()!;
    }

    // TorchSharp 0.107 reads state tensors onto the CPU, and its own State.to(device) drops the moved tensor
    // (SGD, Adam): reassign every state tensor here instead.
    private static void MoveState(OptimizerHelper optimizer, Device device)
    {
        foreach (var state in optimizer.state_dict().State)
        {
            switch (state)
            {
                case SGD.State sgd:
                    sgd.momentum_buffer = Move(sgd.momentum_buffer, device);
                    break;
                case Adam.State adam:
                    adam.exp_avg = Move(adam.exp_avg, device);
                    adam.exp_avg_sq = Move(adam.exp_avg_sq, device);
                    adam.max_exp_avg_sq = Move(adam.max_exp_avg_sq, device);
                    break;
                case AdamW.State adamW:
                    adamW.exp_avg = Move(adamW.exp_avg, device);
                    adamW.exp_avg_sq = Move(adamW.exp_avg_sq, device);
                    adamW.max_exp_avg_sq = Move(adamW.max_exp_avg_sq, device);
                    break;
                case RMSProp.State rms:
                    rms.square_avg = Move(rms.square_avg, device);
                    rms.momentum_buffer = Move(rms.momentum_buffer, device);
                    rms.grad_avg = Move(rms.grad_avg, device);
                    break;
                case Adagrad.State adagrad:
                    adagrad.sum = Move(adagrad.sum, device);
                    break;
                default:
                    state.to(device);
                    break;
            }
        }
    }

    private static Tensor Move(Tensor tensor, Device device)
    {
        if (tensor is null || tensor.device_type == device.type) return tensor!;
        var moved = tensor.to(device).DetachFromDisposeScope();
        tensor.Dispose();
        return moved;
    }

    private static OptimizerHelper Helper(optim.Optimizer optimizer) =>
        optimizer as OptimizerHelper ?? throw new InvalidOperationException($"Optimizer {optimizer.GetType().Name} cannot save its state.");
}
