using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Scores the validation source after an epoch: the (weighted) mean loss and the task's metric, in evaluation mode. With a
/// standardized regression label the loss is the standardized problem's (as the training loss) and the RMSE is in the label's units.
/// </summary>
internal static class Validation
{
    public static (double? Loss, double? Metric) Run(nn.Module<Tensor, Tensor> network, TaskObjective objective, BatchFeed feed,
        IBatchSource validation, EngineSettings settings, int epoch)
    {
        network.eval();
        using var _ = no_grad();
        double lossSum = 0, weightSum = 0, metricSum = 0;
        long rows = 0;
        foreach (var batch in feed.InOrder(validation, epoch))
        {
            using var scope = NewDisposeScope();
            var (input, labels, weights, count) = batch();
            var output = network.forward(input);
            var perExample = objective.PerExampleLoss(output, labels);
            if (weights is null)
            {
                lossSum += perExample.sum().item<float>();
                weightSum += count;
            }
            else
            {
                lossSum += perExample.mul(weights).sum().item<float>();
                weightSum += weights.sum().item<float>();
            }
            metricSum += objective.MetricSum(output, labels);
            rows += count;
        }
        if (rows == 0) return (null, null);
        double metric = objective.Metric(metricSum, rows);
        if (settings.LabelStandardization is { } standardization) metric = standardization.InLabelUnits(metric);
        return (lossSum / weightSum, metric);
    }
}
