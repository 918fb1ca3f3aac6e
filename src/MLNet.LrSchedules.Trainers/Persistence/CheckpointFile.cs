using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Writes checkpoints as ML.NET model files, atomically: a crash mid-write leaves the previous file intact.</summary>
/// <remarks>
/// With a <see cref="CheckpointPipeline"/> the file holds the preprocessing and the network with the raw input schema;
/// without, the network alone with the trainer's input schema. <c>beforeCommit</c> runs between writing the temporary
/// file and moving it into place (tests simulate a crash there).
/// </remarks>
internal static class CheckpointFile
{
    public static void Write(IHostEnvironment env, TorchNetworkModel model, DataViewSchema inputSchema, string path, Action<Stream>? beforeCommit = null, CheckpointPipeline? pipeline = null)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(directory);
        // Same folder as the target, so that the final move is a rename on one file system, not a copy.
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var context = env as MLContext ?? new MLContext();
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var network = new TorchNetworkTransformer(env, model);
                if (pipeline is null) context.Model.Save(network, inputSchema, stream);
                else context.Model.Save(pipeline.Append(network), pipeline.InputSchema, stream);
                stream.Flush(flushToDisk: true);
                beforeCommit?.Invoke(stream);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
