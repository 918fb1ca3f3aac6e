namespace MLNet.LrSchedules;

/// <summary>Pieces shared by the transformers (Hugging Face) schedules.</summary>
internal static class HfWarmup
{
    /// <summary>transformers' linear warmup multiplier <c>float(step) / float(max(1, num_warmup_steps))</c>.</summary>
    public static double Linear(long step, long numWarmupSteps) => (double)step / Math.Max(1L, numWarmupSteps);

    /// <summary>transformers' progress after the warmup <c>float(step − num_warmup_steps) / float(max(1, num_training_steps − num_warmup_steps))</c>.</summary>
    public static double Progress(long step, long numWarmupSteps, long numTrainingSteps) =>
        (double)(step - numWarmupSteps) / Math.Max(1L, numTrainingSteps - numWarmupSteps);

    /// <summary>A warmup resolves against the whole run; the rest of the run when open.</summary>
    public static Duration Resolve(Duration warmup, long totalSteps) => warmup.ResolvedTo(totalSteps, totalSteps);
}
