using System.IO.Compression;
using Microsoft.ML;
using MLNet.LrSchedules.Tool.Commands;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Tool.Files;

/// <summary>
/// Every command that opens a model file goes through here: its size and its zip directory are checked before any entry
/// is unpacked, and whatever the library or ML.NET throws on a damaged file becomes one line naming the file.
/// </summary>
internal static class ModelFiles
{
    private const int MaxEntries = 10_000;
    private const string Expected = "expected a model file written by lrsched or mlContext.Model.Save, holding a TorchSharp network (TorchMlp or TorchNetwork)";

    /// <summary>Throws unless <paramref name="path"/> is a zip within the size limits, by its own directory (nothing unpacked).</summary>
    public static void Check(string path)
    {
        var file = InputFiles.RequireFile(path, "model file", InputFiles.MaxModelBytes);
        long maxUnpacked = Math.Min(InputFiles.MaxModelBytes, 100 * file.Length + (16L << 20));
        Guard(path, () =>
        {
            using var zip = ZipFile.OpenRead(path);
            if (zip.Entries.Count > MaxEntries)
                throw new CommandException($"{path}: {zip.Entries.Count:N0} zip entries ({Expected}, with at most {MaxEntries:N0} entries)");
            long unpacked = 0;
            foreach (var entry in zip.Entries)
            {
                unpacked += entry.Length;
                if (unpacked > maxUnpacked)
                    throw new CommandException($"{path}: its entries unpack to more than {InputFiles.Size(maxUnpacked)} (entry '{entry.FullName}' declares {InputFiles.Size(entry.Length)}) ({Expected}, unpacking to at most 100 times its size)");
            }
        });
    }

    /// <summary>What the file's TorchSharp network transformers hold, read from the zip without loading a network.</summary>
    public static IReadOnlyList<TorchModelInfo> ReadInfo(string path)
    {
        Check(path);
        var infos = Guard(path, () => TorchModelInfo.ReadAll(path));
        if (infos.Count == 0) throw new CommandException($"{path}: holds no TorchSharp network ({Expected})");
        return infos;
    }

    /// <summary>The pipeline and its input schema, as <c>mlContext.Model.Load</c> returns them.</summary>
    public static (ITransformer Model, DataViewSchema InputSchema) Load(MLContext ml, string path)
    {
        Check(path);
        return Guard(path, () =>
        {
            var model = ml.Model.LoadVerified(path, out var schema);
            return (model, schema ?? throw new CommandException($"{path}: holds no input schema ({Expected}, saved with the schema of its input)"));
        });
    }

    private static void Guard(string path, Action read) => Guard(path, () => { read(); return 0; });

    private static T Guard<T>(string path, Func<T> read)
    {
        try { return read(); }
        catch (Exception e) when (e is not CommandException and not OutOfMemoryException)
        {
            for (var inner = e; inner is not null; inner = inner.InnerException)
                if (inner is TorchModelFormatException format)
                    throw new CommandException(format.Message.Contains(path, StringComparison.Ordinal) ? format.Message : $"{path}: {format.Message}", format);
            throw new CommandException($"{path}: cannot be read: {CommandRunner.MessageOf(e).TrimEnd('.')} ({Expected})", e);
        }
    }
}
