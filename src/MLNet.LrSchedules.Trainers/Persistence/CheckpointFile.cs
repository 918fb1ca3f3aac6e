using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Writes checkpoints as ML.NET model files, atomically: a crash mid-write leaves the previous file intact.</summary>
internal static class CheckpointFile
{
    public static void Write(IHostEnvironment env, TorchMlpModel model, DataViewSchema inputSchema, string path)
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
                context.Model.Save(new TorchMlpTransformer(env, model), inputSchema, stream);
                stream.Flush(flushToDisk: true);
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
