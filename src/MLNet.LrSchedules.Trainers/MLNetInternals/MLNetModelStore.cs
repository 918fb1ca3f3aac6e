#pragma warning disable CS0618 // ML.NET internals, used on purpose in this folder only (README.md).
using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNet.LrSchedules.Trainers;
using MLNet.LrSchedules.Trainers.MLNetInternals;

[assembly: IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: IgnoresAccessChecksTo("Microsoft.ML.Data")]
[assembly: LoadableClass(typeof(TorchNetworkTransformer), typeof(MLNetModelStore), null, typeof(SignatureLoadModel),
    "TorchSharp MLP with learning-rate schedule", MLNetModelStore.LoaderSignature)]

namespace MLNet.LrSchedules.Trainers.MLNetInternals;

/// <summary>
/// Writes a <see cref="TorchNetworkTransformer"/>'s entries into an ML.NET model file and reads them back: the one
/// bridge to ML.NET's internal save/load machinery (see README.md in this folder).
/// </summary>
internal static class MLNetModelStore
{
    /// <summary>The name ML.NET records in the model file to find this loader again (at most 24 characters).</summary>
    internal const string LoaderSignature = "LrScheduleTorchMlp";

    // ML.NET's own header version: a layout of the main stream (entry count, then names) that has not changed.
    // Our format version lives in the manifest entry, where TorchModelInfo can read it without ML.NET.
    private const uint HeaderVersion = 0x00010001;

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "LRSTMLP_",
        verWrittenCur: HeaderVersion,
        verReadableCur: HeaderVersion,
        verWeCanReadBack: HeaderVersion,
        loaderSignature: LoaderSignature,
        loaderSignatureAlt: null,
        loaderAssemblyName: typeof(MLNetModelStore).Assembly.FullName);

    /// <summary>Saves <paramref name="entries"/> as streams of their own next to the transformer's header.</summary>
    public static void Save(ModelSaveContext ctx, IReadOnlyList<KeyValuePair<string, byte[]>> entries)
    {
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        if (!ctx.InRepository)
            throw new NotSupportedException("A TorchSharp MLP transformer can only be saved into a model file (mlContext.Model.Save), not into a bare stream.");
        ctx.Writer.Write(entries.Count);
        foreach (var (name, _) in entries)
            ctx.SaveNonEmptyString(name);
        foreach (var (name, bytes) in entries)
            ctx.SaveBinaryStream(name, writer => writer.Write(bytes));
    }

    /// <summary>Called by ML.NET's <c>Model.Load</c> (found through the <c>LoadableClass</c> attribute above).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TorchNetworkTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.CheckAtModel();
        if (ctx.Header.ModelVerReadable > HeaderVersion)
            throw new TorchModelFormatException(
                $"The model was saved by a newer version of MLNet.LrSchedules.Trainers (header version 0x{ctx.Header.ModelVerReadable:X8}; this version reads up to 0x{HeaderVersion:X8}). Upgrade the package to load it.");
        int count = ctx.Reader.ReadInt32();
        if (count < 1 || count > 64)
            throw new TorchModelFormatException($"The model's TorchSharp MLP header is damaged: it lists {count} entries.");
        var names = new string[count];
        for (int i = 0; i < count; i++)
            names[i] = ctx.LoadNonEmptyString();
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            byte[]? bytes = null;
            if (!ctx.TryLoadBinaryStream(name, reader => bytes = ReadToEnd(reader.BaseStream)) || bytes is null)
                throw new TorchModelFormatException($"The model file lacks the TorchSharp MLP entry '{name}': the file is truncated or was modified.");
            entries[name] = bytes;
        }
        return TorchNetworkTransformer.Load(env, entries);
    }

    private static byte[] ReadToEnd(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
