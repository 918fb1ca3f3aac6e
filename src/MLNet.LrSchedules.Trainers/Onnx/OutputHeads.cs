namespace MLNet.LrSchedules.Trainers.Onnx;

/// <summary>
/// Turns the network's raw output into the prediction columns that <see cref="ScoringMapper"/> adds, with the same
/// names and types, so that every step downstream (MapKeyToValue, ...) exports on top of them.
/// </summary>
internal static class OutputHeads
{
    public static void Emit(IOnnxGraph graph, TorchNetworkModel model, string output)
    {
        var types = ScoringMapper.OutputColumns(model).ToDictionary(c => c.Name, c => c.Type);
        switch (model.Task)
        {
            case TrainingTask.MulticlassClassification:
            {
                // Score: the class probabilities. PredictedLabel: the 1-based key of the first most probable class.
                string score = graph.BindColumn(ScoringMapper.ScoreColumn, types[ScoringMapper.ScoreColumn]);
                graph.AddNode("Softmax", [output], [score], OnnxAttribute.Int("axis", 1));
                string best = graph.Temporary("ArgMax");
                graph.AddNode("ArgMax", [score], [best], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 1));
                string one = graph.Constant("one", [1L], [1]);
                string key = graph.Temporary("Key");
                graph.AddNode("Add", [best, one], [key]);
                string predicted = graph.BindColumn(ScoringMapper.PredictedLabelColumn, types[ScoringMapper.PredictedLabelColumn]);
                graph.AddNode("Cast", [key], [predicted], OnnxAttribute.To(typeof(uint)));
                break;
            }
            case TrainingTask.BinaryClassification:
            {
                // Score: the logit. Probability: its sigmoid. PredictedLabel: logit > 0.
                string score = graph.BindColumn(ScoringMapper.ScoreColumn, types[ScoringMapper.ScoreColumn]);
                graph.AddNode("Identity", [output], [score]);
                string probability = graph.BindColumn(ScoringMapper.ProbabilityColumn, types[ScoringMapper.ProbabilityColumn]);
                graph.AddNode("Sigmoid", [score], [probability]);
                string zero = graph.Constant("zero", [0f], [1]);
                string predicted = graph.BindColumn(ScoringMapper.PredictedLabelColumn, types[ScoringMapper.PredictedLabelColumn]);
                graph.AddNode("Greater", [score, zero], [predicted]);
                break;
            }
            default:
            {
                // The place for an affine map of the output (regression label standardization: Score = mean + std·output,
                // as ScoringMapper will apply it): Mul and Add nodes on `output` go here, before Score is bound.
                string score = graph.BindColumn(ScoringMapper.ScoreColumn, types[ScoringMapper.ScoreColumn]);
                graph.AddNode("Identity", [output], [score]);
                break;
            }
        }
    }
}
