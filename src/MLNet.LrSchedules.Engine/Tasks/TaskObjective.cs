using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The engine's side of a task: what the network's outputs mean for the loss, the labels and the validation metric. The
/// engine takes any network and asks its task only these; one small class per task instead of branches on the task.
/// </summary>
internal abstract class TaskObjective
{
    /// <summary>The objective of <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="task"/> is not a defined <see cref="TrainingTask"/>.</exception>
    public static TaskObjective For(TrainingTask task) => task switch
    {
        TrainingTask.MulticlassClassification => MulticlassObjective.Instance,
        TrainingTask.BinaryClassification => BinaryObjective.Instance,
        TrainingTask.Regression => RegressionObjective.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, $"The task must be MulticlassClassification, BinaryClassification or Regression; received {task}."),
    };

    public abstract TrainingTask Task { get; }

    /// <summary>The validation metric's name (higher is better for accuracy, lower for RMSE).</summary>
    public abstract string MetricName { get; }

    /// <summary>The label tensor's type: class indices (int64) or values (float32).</summary>
    public virtual ScalarType LabelType => ScalarType.Float32;

    /// <summary>Throws when a network with <paramref name="outputs"/> outputs per example cannot serve the task.</summary>
    /// <exception cref="ArgumentException">The network's output count does not fit the task.</exception>
    public abstract void CheckOutputs(int outputs, string parameter);

    /// <summary>Throws when a label is not one the task takes (a class index in range, 0/1, a value).</summary>
    /// <exception cref="InvalidOperationException">A label is out of range; the message gives it.</exception>
    public virtual void CheckLabels(ReadOnlySpan<float> labels, int outputs) { }

    /// <summary>The batch's mean loss, each loss function's own reduction (one kernel forward and backward, as a hand-written loop calls them).</summary>
    public abstract Tensor MeanLoss(Tensor output, Tensor labels);

    /// <summary>One loss per example, for weighted means and validation.</summary>
    public abstract Tensor PerExampleLoss(Tensor output, Tensor labels);

    /// <summary>The batch's contribution to the validation metric: correct predictions, or the sum of squared errors.</summary>
    public abstract double MetricSum(Tensor output, Tensor labels);

    /// <summary>The metric over <paramref name="rows"/> examples from the summed contributions.</summary>
    public virtual double Metric(double sum, long rows) => sum / rows;

    /// <summary>What a scorer reports for the network's outputs: probabilities for multiclass, the outputs themselves otherwise.</summary>
    public virtual Tensor Predict(Tensor output) => output;
}

/// <summary>One of several classes: one output (logit) per class, softmax cross-entropy, accuracy.</summary>
internal sealed class MulticlassObjective : TaskObjective
{
    public static MulticlassObjective Instance { get; } = new();

    public override TrainingTask Task => TrainingTask.MulticlassClassification;

    public override string MetricName => "accuracy";

    public override ScalarType LabelType => ScalarType.Int64;

    public override void CheckOutputs(int outputs, string parameter)
    {
        if (outputs < 2)
            throw new ArgumentException($"A multiclass network needs OutputSize >= 2 (one output per class); received {outputs}.", parameter);
    }

    public override void CheckLabels(ReadOnlySpan<float> labels, int outputs)
    {
        foreach (float label in labels)
            if (!(label >= 0 && label < outputs) || label != MathF.Floor(label))
                throw new InvalidOperationException($"A multiclass label must be a class index in [0, {outputs - 1}]; received {label}.");
    }

    public override Tensor MeanLoss(Tensor output, Tensor labels) => nn.functional.cross_entropy(output, labels);

    public override Tensor PerExampleLoss(Tensor output, Tensor labels) =>
        nn.functional.cross_entropy(output, labels, reduction: nn.Reduction.None);

    public override double MetricSum(Tensor output, Tensor labels) => output.argmax(1).eq(labels).sum().item<long>();

    public override Tensor Predict(Tensor output) => output.softmax(1);
}

/// <summary>Two classes: one logit, binary cross-entropy with logits, accuracy at logit 0.</summary>
internal sealed class BinaryObjective : TaskObjective
{
    public static BinaryObjective Instance { get; } = new();

    public override TrainingTask Task => TrainingTask.BinaryClassification;

    public override string MetricName => "accuracy";

    public override void CheckOutputs(int outputs, string parameter)
    {
        if (outputs != 1)
            throw new ArgumentException($"A BinaryClassification network needs OutputSize = 1; received {outputs}.", parameter);
    }

    public override void CheckLabels(ReadOnlySpan<float> labels, int outputs)
    {
        foreach (float label in labels)
            if (!(label >= 0 && label <= 1))
                throw new InvalidOperationException($"A binary label must be in [0, 1] (0 = negative, 1 = positive); received {label}.");
    }

    public override Tensor MeanLoss(Tensor output, Tensor labels) => nn.functional.binary_cross_entropy_with_logits(output.squeeze(1), labels);

    public override Tensor PerExampleLoss(Tensor output, Tensor labels) =>
        nn.functional.binary_cross_entropy_with_logits(output.squeeze(1), labels, reduction: nn.Reduction.None);

    public override double MetricSum(Tensor output, Tensor labels) => output.squeeze(1).gt(0).eq(labels.gt(0.5)).sum().item<long>();
}

/// <summary>A real value: one output, mean squared error, RMSE.</summary>
internal sealed class RegressionObjective : TaskObjective
{
    public static RegressionObjective Instance { get; } = new();

    public override TrainingTask Task => TrainingTask.Regression;

    public override string MetricName => "RMSE";

    public override void CheckOutputs(int outputs, string parameter)
    {
        if (outputs != 1)
            throw new ArgumentException($"A Regression network needs OutputSize = 1; received {outputs}.", parameter);
    }

    public override Tensor MeanLoss(Tensor output, Tensor labels) => nn.functional.mse_loss(output.squeeze(1), labels);

    public override Tensor PerExampleLoss(Tensor output, Tensor labels) => output.squeeze(1).sub(labels).square();

    public override double MetricSum(Tensor output, Tensor labels) => output.squeeze(1).sub(labels).square().sum().item<float>();

    public override double Metric(double sum, long rows) => Math.Sqrt(sum / rows);
}
