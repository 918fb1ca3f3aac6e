#pragma warning disable CS0618 // ML.NET internals, used on purpose in this folder only (README.md).
using System.IO.Compression;
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

    // Pipelines may hold several networks: the whole-archive check runs once per archive that ML.NET opened.
    private static readonly ConditionalWeakTable<ZipArchive, object> CheckedArchives = new();

    /// <summary>
    /// Called by ML.NET's <c>Model.Load</c> (found through the <c>LoadableClass</c> attribute above), by reflection: what
    /// it throws reaches the caller wrapped in <c>TargetInvocationException</c>; <see cref="TorchModelFile.LoadVerified"/>
    /// unwraps it. Before reading its own entries it checks the whole archive ML.NET opened (unless LoadVerified already
    /// checked the file): a sealed file's entries against the seal, another file's entries against their CRC-32, so that
    /// a damaged ML.NET entry (a normalizer's scale, a key mapping) fails the load instead of passing silently.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TorchNetworkTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(ctx);
        if (!ctx.InRepository)
            throw new TorchModelFormatException("A TorchSharp network can only be loaded from a model file (mlContext.Model.Load), not from a bare stream.");
        string folder = ctx.Directory ?? "";
        string header = Path.Combine(folder, "Model.key");
        long maxBytes = ModelLoadScope.MaxBytes;
        var repository = ctx.Repository;
        if (!ModelLoadScope.FileChecked)
            CheckedArchives.GetValue(repository._archive, archive =>
            {
                ModelSeal.VerifyArchive(archive, maxBytes);
                return true;
            });

        string[] names;
        try
        {
            ctx.CheckAtModel();
            if (ctx.Header.ModelVerReadable > HeaderVersion)
                throw new TorchModelFormatException(null, header,
                    $"it was saved by a newer version of MLNet.LrSchedules.Trainers (header version 0x{ctx.Header.ModelVerReadable:X8}; this version reads up to 0x{HeaderVersion:X8}). Upgrade the package to load it.");
            int count = ctx.Reader.ReadInt32();
            if (count < 1 || count > 64)
                throw new TorchModelFormatException(null, header, $"the TorchSharp network's header lists {count} entries (expected 1 to 64): the file is damaged.");
            names = new string[count];
            for (int i = 0; i < count; i++)
                names[i] = ctx.LoadNonEmptyString();
        }
        catch (Exception e) when (e is not (TorchModelFormatException or OutOfMemoryException))
        {
            throw new TorchModelFormatException(null, header, $"the TorchSharp network's header cannot be read ({e.Message}).", e);
        }

        string prefix = folder.Length == 0 ? "" : folder + "/";
        var entries = TorchModelEntries.ReadListed(null, prefix, name => Find(repository, folder, name)?.Length,
            name => ModelSeal.ReadArchiveEntry(Find(repository, folder, name)!), maxBytes);
        if (!entries.Keys.ToHashSet(StringComparer.Ordinal).SetEquals(names))
            throw new TorchModelFormatException(null, header,
                $"the TorchSharp network's header lists the entries {string.Join(", ", names.Order(StringComparer.Ordinal))}; its manifest {string.Join(", ", entries.Keys.Order(StringComparer.Ordinal))}: the file was modified.");
        return TorchModelEntries.Decode(() => TorchNetworkTransformer.Load(env, entries), null, folder);
    }

    /// <summary>The zip entry <paramref name="name"/> of <paramref name="folder"/>, looked up as ML.NET's repository does (either separator).</summary>
    private static ZipArchiveEntry? Find(RepositoryReader repository, string folder, string name)
    {
        string path = Path.Combine(folder, name).Replace('/', Path.DirectorySeparatorChar);
        return repository._entries.GetValueOrDefault(path) ?? repository._entries.GetValueOrDefault(path.Replace('/', '\\'));
    }
}
