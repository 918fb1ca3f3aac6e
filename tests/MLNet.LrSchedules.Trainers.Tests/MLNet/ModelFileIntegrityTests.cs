using System.Diagnostics;
using System.IO.Compression;
using Microsoft.ML;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

/// <summary>
/// Sealed model files (TorchModelFile): any changed byte is rejected naming the file and the entry; what plain
/// mlContext.Model.Load and files without a seal still catch; crafted archives cost bounded memory and time.
/// </summary>
[TestClass]
public sealed class ModelFileIntegrityTests
{
    private const string Normalizer = "TransformerChain/Transform_001/Normalizer_000/Model.key";

    private static MLContext _ml = null!;
    private static IDataView _data = null!;
    private static ITransformer _model = null!;

    /// <summary>A small pipeline with ML.NET entries of every kind: key mapping (Terms.txt), normalizer, the network, key-to-value.</summary>
    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        _ml = new MLContext(1);
        _data = _ml.Data.Cache(TestData.Load(_ml, "wine"));
        var options = new TorchMlpMulticlassOptions { Epochs = 1, BatchSize = 64, HiddenLayers = [4], Seed = 1 };
        _model = _ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(_ml.Transforms.NormalizeMeanVariance("Features", fixZero: false))
            .Append(_ml.MulticlassClassification.Trainers.TorchMlp(options))
            .Append(_ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(_data);
    }

    private static string Folder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "mlnet-lrschedules-tests", $"integrity-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string SaveSealed(string folder, string name = "model.zip")
    {
        string path = Path.Combine(folder, name);
        _ml.Model.SaveSealed(_model, _data.Schema, path);
        return path;
    }

    private static float[] Scores(ITransformer model) => TestData.Scores(model.Transform(_data)).SelectMany(s => s).ToArray();

    [TestMethod]
    public void SealedFile_RoundTrips_ThroughLoadVerifiedAndPlainLoad()
    {
        string folder = Folder();
        string path = SaveSealed(folder);

        Assert.IsTrue(TorchModelFile.Verify(path));
        Assert.IsTrue(TorchModelInfo.Read(path).IsSealed);
        var loaded = new MLContext().Model.LoadVerified(path, out var schema);
        Assert.IsNotNull(schema);
        Assert.AreEqual(_data.Schema.Count, schema.Count);
        CollectionAssert.AreEqual(Scores(_model), Scores(loaded));
        // The seal is one more zip entry and a comment: ML.NET reads the file as any model file.
        CollectionAssert.AreEqual(Scores(_model), Scores(new MLContext().Model.Load(path, out _)));
        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.AreEqual("MLNet.LrSchedules.seal.json", zip.Entries[^1].FullName);
            StringAssert.StartsWith(zip.Comment, "MLNet.LrSchedules seal v1 at=");
        }
        Assert.IsEmpty(Directory.GetFiles(folder, ".*"), "no temporary file is left behind");

        // A file saved with plain Save has no seal; the same readers accept it with their lesser checks.
        string plain = Path.Combine(folder, "plain.zip");
        _ml.Model.Save(_model, _data.Schema, plain);
        Assert.IsFalse(TorchModelFile.Verify(plain));
        Assert.IsFalse(TorchModelInfo.Read(plain).IsSealed);
        CollectionAssert.AreEqual(Scores(_model), Scores(new MLContext().Model.LoadVerified(plain, out _)));
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// Issue 8, item 3: every byte position of a sealed file, changed, is rejected by the check that LoadVerified,
    /// Verify and TorchModelInfo.Read run first, naming the file, and the entry where the byte lies in one (its local
    /// header, compressed data or central directory record; the end record and the comment are in none).
    /// </summary>
    [TestMethod]
    public void SealedFile_EveryByteChanged_IsRejectedNamingFileAndEntry()
    {
        string folder = Folder();
        string path = SaveSealed(folder);
        byte[] bytes = File.ReadAllBytes(path);
        string?[] owners = ZipTestKit.Owners(bytes);
        var stream = new MemoryStream(bytes, writable: false);
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < bytes.Length; i++)
        {
            byte original = bytes[i];
            bytes[i] ^= 0xFF;
            try
            {
                CheckedModelFile.Check(stream, path, TorchModelFile.DefaultMaxBytes);
                failures.Add($"byte {i} ({owners[i] ?? "end record/comment"}): accepted");
            }
            catch (TorchModelFormatException e)
            {
                if (e.FilePath != path || !e.Message.Contains($"'{path}'"))
                    failures.Add($"byte {i}: the file is not named: {e.Message}");
                else if (owners[i] is { } owner && (e.EntryName is null || !e.Message.Contains($"'{owner}'")))
                    failures.Add($"byte {i} lies in '{owner}', not named: {e.Message}");
            }
            finally
            {
                bytes[i] = original;
            }
        }
        clock.Stop();
        Assert.IsEmpty(failures, $"{failures.Count} of {bytes.Length} positions:\n{string.Join("\n", failures.Take(20))}");
        Console.WriteLine($"{bytes.Length} byte positions, each changed and rejected, in {clock.Elapsed.TotalSeconds:F2} s");
        Assert.IsTrue(TorchModelFile.Verify(path), "the file itself is intact");
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>The same through the public file APIs on real files, at a stride through the file (each part is hit).</summary>
    [TestMethod]
    public void SealedFile_ChangedBytes_AreRejectedByLoadVerifiedVerifyAndTorchModelInfo()
    {
        string folder = Folder();
        string path = SaveSealed(folder);
        byte[] good = File.ReadAllBytes(path);
        string?[] owners = ZipTestKit.Owners(good);
        string damaged = Path.Combine(folder, "damaged.zip");
        int stride = good.Length / 101;
        for (int i = 3; i < good.Length; i += stride)
        {
            byte[] bytes = (byte[])good.Clone();
            bytes[i] ^= 0x01;
            File.WriteAllBytes(damaged, bytes);
            foreach (var (api, call) in new (string, Action)[]
                     {
                         ("LoadVerified", () => new MLContext().Model.LoadVerified(damaged, out _)),
                         ("Verify", () => TorchModelFile.Verify(damaged)),
                         ("TorchModelInfo.Read", () => TorchModelInfo.Read(damaged)),
                     })
            {
                var e = Assert.ThrowsExactly<TorchModelFormatException>(call, $"{api}, byte {i}");
                Assert.AreEqual(damaged, e.FilePath, $"{api}, byte {i}");
                if (owners[i] is { } owner) Assert.Contains($"'{owner}'", e.Message, $"{api}, byte {i}");
            }
        }
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// Plain mlContext.Model.Load of a sealed file: our loader checks every entry's content against the seal, so a change
    /// that alters what ML.NET reads fails the load, though ML.NET read the damaged entries before our loader ran.
    /// </summary>
    [TestMethod]
    public void SealedFile_PlainLoad_RejectsEveryChangeOfAnEntrysContent()
    {
        string folder = Folder();
        string path = SaveSealed(folder);
        byte[] good = File.ReadAllBytes(path);
        var goodContents = ZipTestKit.Contents(good)!;
        string damaged = Path.Combine(folder, "damaged.zip");
        int changed = 0, ours = 0;
        int stride = good.Length / 61;
        for (int i = 7; i < good.Length; i += stride)
        {
            byte[] bytes = (byte[])good.Clone();
            bytes[i] ^= 0x10;
            var contents = ZipTestKit.Contents(bytes);
            bool sameContent = contents is not null && contents.Count == goodContents.Count
                && contents.All(c => goodContents.TryGetValue(c.Key, out var g) && g.AsSpan().SequenceEqual(c.Value));
            if (sameContent) continue; // a timestamp, a version field: ML.NET reads the same model (LoadVerified still rejects it)
            changed++;
            File.WriteAllBytes(damaged, bytes);
            var e = Assert.Throws<Exception>(() => new MLContext().Model.Load(damaged, out _), $"byte {i}");
            if (FindOrNull<TorchModelFormatException>(e) is { } format)
            {
                ours++;
                Assert.IsNull(format.FilePath, "ML.NET's Load does not tell the loader the file");
            }
        }
        Assert.IsGreaterThan(20, changed);
        Assert.IsGreaterThan(0, ours);
        Console.WriteLine($"{changed} content-changing positions rejected by plain Model.Load, {ours} of them by the seal check");
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// The issue's case: one changed byte in the normalizer's Model.key of a file saved with plain Save (no seal). Every
    /// position of its compressed data is caught by the entry's CRC-32, by plain Load (through our loader) and by the
    /// library's readers, which name the entry.
    /// </summary>
    [TestMethod]
    public void UnsealedFile_ChangedNormalizerBytes_AreRejected_NamingTheEntry()
    {
        string folder = Folder();
        string path = Path.Combine(folder, "plain.zip");
        _ml.Model.Save(_model, _data.Schema, path);
        byte[] good = File.ReadAllBytes(path);
        string?[] owners = ZipTestKit.Owners(good);
        int first = Array.IndexOf(owners, Normalizer);
        int end = first;
        while (owners[end] == Normalizer) end++;
        string damaged = Path.Combine(folder, "damaged.zip");
        int checkedPositions = 0;
        // The local header is 30 bytes plus the name; the compressed data follows, up to the next entry.
        for (int i = first + 30 + Normalizer.Length; i < end; i += 5)
        {
            byte[] bytes = (byte[])good.Clone();
            bytes[i] ^= 0x80;
            File.WriteAllBytes(damaged, bytes);
            var info = Assert.ThrowsExactly<TorchModelFormatException>(() => TorchModelInfo.Read(damaged), $"byte {i}");
            Assert.AreEqual(Normalizer, info.EntryName, info.Message);
            var verified = Assert.ThrowsExactly<TorchModelFormatException>(() => new MLContext().Model.LoadVerified(damaged, out _));
            Assert.AreEqual(Normalizer, verified.EntryName, verified.Message);
            Assert.Throws<Exception>(() => new MLContext().Model.Load(damaged, out _), $"byte {i}: plain Load");
            checkedPositions++;
        }
        Assert.IsGreaterThan(10, checkedPositions);
        Directory.Delete(folder, recursive: true);
    }

    [TestMethod]
    public void ContentChangedAndRezipped_InASealedFile_IsNamedByPlainLoadAndLoadVerified()
    {
        // A change made through a zip tool (valid CRCs, new timestamps): the seal still tells which content changed.
        string folder = Folder();
        string path = SaveSealed(folder);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry(Normalizer)!;
            byte[] content;
            using (var stream = entry.Open())
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                content = copy.ToArray();
            }
            // The sign bit of the last float of the normalizer's model block (ML.NET's header keeps its offset and size at
            // bytes 16 and 24): a feature's offset or scale changes sign, and ML.NET reads it without complaint.
            content[(int)(BitConverter.ToInt64(content, 16) + BitConverter.ToInt64(content, 24)) - 1] ^= 0x80;
            entry.Delete();
            using var output = zip.CreateEntry(Normalizer).Open();
            output.Write(content);
        }
        var plain = TestData.Find<TorchModelFormatException>(Assert.Throws<Exception>(() => new MLContext().Model.Load(path, out _)));
        Assert.AreEqual(Normalizer, plain.EntryName, plain.Message);
        Assert.Contains("its content fails its SHA-256 check", plain.Message);
        var verified = Assert.ThrowsExactly<TorchModelFormatException>(() => new MLContext().Model.LoadVerified(path, out _));
        Assert.AreEqual(path, verified.FilePath);
        Assert.AreEqual(Normalizer, verified.EntryName, verified.Message);
        Directory.Delete(folder, recursive: true);
    }

    [TestMethod]
    public void TruncatedOrExtendedSealedFile_IsRejected()
    {
        string folder = Folder();
        string path = SaveSealed(folder);
        byte[] good = File.ReadAllBytes(path);
        string damaged = Path.Combine(folder, "damaged.zip");

        File.WriteAllBytes(damaged, good[..^1]);
        var truncated = Assert.ThrowsExactly<TorchModelFormatException>(() => TorchModelFile.Verify(damaged));
        Assert.AreEqual($"The model file '{damaged}': it has no zip end-of-central-directory record at its end: the file is truncated, has bytes appended, or is not a zip archive.", truncated.Message);

        File.WriteAllBytes(damaged, [.. good, 0]);
        Assert.ThrowsExactly<TorchModelFormatException>(() => TorchModelFile.Verify(damaged));

        File.WriteAllBytes(damaged, good[..(good.Length / 2)]);
        Assert.ThrowsExactly<TorchModelFormatException>(() => new MLContext().Model.LoadVerified(damaged, out _));
        Directory.Delete(folder, recursive: true);
    }

    [TestMethod]
    public void SaveSealed_IntoAMissingFolderOrOntoAFolder_FailsAndWritesNothing()
    {
        string folder = Folder();
        string missing = Path.Combine(folder, "missing", "model.zip");
        var e = Assert.ThrowsExactly<DirectoryNotFoundException>(() => _ml.Model.SaveSealed(_model, _data.Schema, missing));
        Assert.AreEqual($"Cannot save the model to '{missing}': the folder '{Path.GetDirectoryName(missing)}' does not exist.", e.Message);
        var onFolder = Assert.ThrowsExactly<IOException>(() => _ml.Model.SaveSealed(_model, _data.Schema, folder));
        Assert.AreEqual($"Cannot save the model to '{folder}': it is a folder.", onFolder.Message);
        Assert.IsEmpty(Directory.GetFileSystemEntries(folder));
        Directory.Delete(folder, recursive: true);
    }

    [TestMethod]
    public void SaveSealed_ThatFails_LeavesThePreviousFileIntact()
    {
        string folder = Folder();
        string path = SaveSealed(folder);
        byte[] good = File.ReadAllBytes(path);
        Assert.ThrowsExactly<IOException>(() => TorchModelFile.Write(path, stream => _ml.Model.Save(_model, _data.Schema, stream),
            beforeCommit: stream => { stream.SetLength(stream.Length / 2); throw new IOException("simulated crash"); }));
        CollectionAssert.AreEqual(good, File.ReadAllBytes(path));
        Assert.HasCount(1, Directory.GetFiles(folder), "the temporary file is removed");
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// Issue 8, item 9: an error our loader finds, reached through ML.NET's reflection (TargetInvocationException), comes
    /// out of LoadVerified as the TorchModelFormatException itself, with the file; so does an error of ML.NET's own.
    /// </summary>
    [TestMethod]
    public void LoaderErrors_ComeOutOfLoadVerified_Unwrapped_WithFileAndEntry()
    {
        string folder = Folder();
        string path = Path.Combine(folder, "plain.zip");
        _ml.Model.Save(_model, _data.Schema, path);
        // Rewritten through a zip tool (valid CRC): the network's header now lists 1000 entries. ML.NET's header keeps the
        // offset of the model part (FpModel) at byte 16; our part starts with the entry count.
        const string network = "TransformerChain/Transform_002/Model.key";
        Rewrite(path, network, content =>
        {
            BitConverter.GetBytes(1000).CopyTo(content, (int)BitConverter.ToInt64(content, 16));
            return content;
        });

        var plain = Assert.Throws<Exception>(() => new MLContext().Model.Load(path, out _));
        Assert.IsInstanceOfType<System.Reflection.TargetInvocationException>(plain, "what ML.NET itself throws");
        var e = Assert.ThrowsExactly<TorchModelFormatException>(() => new MLContext().Model.LoadVerified(path, out _));
        Assert.AreEqual($"The model file '{path}', entry '{network}': the TorchSharp network's header lists 1000 entries (expected 1 to 64): the file is damaged.", e.Message);
        Assert.AreEqual(network, e.EntryName);

        // An ML.NET entry that ML.NET itself cannot read (valid CRC, so only ML.NET notices): still one exception naming the file.
        Rewrite(path, "TransformerChain/Transform_001/Model.key", content => content[..(content.Length / 2)]);
        var mlnet = Assert.ThrowsExactly<TorchModelFormatException>(() => new MLContext().Model.LoadVerified(path, out _));
        StringAssert.StartsWith(mlnet.Message, $"The model file '{path}': ML.NET cannot load it (");
        Assert.IsNotInstanceOfType<System.Reflection.TargetInvocationException>(mlnet.InnerException, "the inner exception is ML.NET's own error, unwrapped");
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// A 2 MB zip whose weights entry inflates to 1.5 GiB: refused before anything is decompressed when it declares its size
    /// (over the 1 GiB limit), and after its declared size plus one buffer when it declares less than it holds.
    /// </summary>
    [TestMethod]
    public void CraftedZip_InflatingToGigabytes_IsRejectedQuickly_InBoundedMemory()
    {
        string folder = Folder();
        string plain = Path.Combine(folder, "plain.zip");
        var regression = _ml.Regression.Trainers.TorchMlp(new TorchMlpRegressionOptions { Epochs = 1, HiddenLayers = [2], Seed = 1 }).Fit(TestData.Load(_ml, "diabetes"));
        _ml.Model.Save(regression, TestData.Load(_ml, "diabetes").Schema, plain);
        var contents = ZipTestKit.Contents(File.ReadAllBytes(plain))!;
        byte[] bomb = ZipTestKit.DeflatedZeros(1536);
        Assert.IsLessThan(2_000_000, bomb.Length);
        const long Inflated = 1536L << 20;

        foreach (var (name, declared) in new[] { ("honest.zip", Inflated), ("lying.zip", 100_000L) })
        {
            string path = Path.Combine(folder, name);
            File.WriteAllBytes(path, ZipTestKit.Write(contents
                .Select(c => c.Key.EndsWith("TorchMlp.weights.bin", StringComparison.Ordinal)
                    ? new ZipTestKit.RawEntry(c.Key, bomb, 8, 0, declared)
                    : ZipTestKit.Stored(c.Key, c.Value))
                .ToList()));
            foreach (var (api, call) in new (string, Action)[]
                     {
                         ("TorchModelInfo.Read", () => TorchModelInfo.Read(path)),
                         ("Verify", () => TorchModelFile.Verify(path)),
                         ("LoadVerified", () => new MLContext().Model.LoadVerified(path, out _)),
                         ("Model.Load", () => new MLContext().Model.Load(path, out _)),
                     })
            {
                long allocated = GC.GetAllocatedBytesForCurrentThread();
                var clock = Stopwatch.StartNew();
                var e = Assert.Throws<Exception>(call, $"{name}, {api}");
                clock.Stop();
                var format = TestData.Find<TorchModelFormatException>(e);
                allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
                if (declared == Inflated)
                    Assert.Contains($"more than the {TorchModelFile.DefaultMaxBytes} bytes this reader accepts (maxBytes)", format.Message, $"{name}, {api}");
                else
                    Assert.IsTrue(format.Message.Contains("holds more than the 100000 bytes its header declares") || format.Message.Contains("CRC-32"), $"{name}, {api}: {format.Message}");
                Assert.IsLessThan(64L << 20, allocated, $"{name}, {api}: allocated {allocated} bytes");
                Assert.IsLessThan(10.0, clock.Elapsed.TotalSeconds, $"{name}, {api}");
                Console.WriteLine($"{name}, {api}: rejected in {clock.Elapsed.TotalMilliseconds:F0} ms, {allocated >> 10} KiB allocated: {format.Message}");
            }
        }
        Directory.Delete(folder, recursive: true);
    }

    [TestMethod]
    public void MaxBytes_BelowTheFile_IsRefusedBeforeReading()
    {
        string folder = Folder();
        string path = SaveSealed(folder);
        long length = new FileInfo(path).Length;
        var e = Assert.ThrowsExactly<TorchModelFormatException>(() => TorchModelInfo.Read(path, maxBytes: 1000));
        Assert.AreEqual($"The model file '{path}': it is {length} bytes long, more than the 1000 bytes this reader accepts (maxBytes).", e.Message);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TorchModelFile.Verify(path, maxBytes: 0));
        Directory.Delete(folder, recursive: true);
    }

    [TestMethod]
    public void SealEntryWithoutItsComment_IsRejected_NotReadAsAnUnsealedFile()
    {
        string folder = Folder();
        string path = SaveSealed(folder);
        byte[] bytes = File.ReadAllBytes(path);
        int comment = bytes.Length - ModelSeal.CommentLength;
        bytes[comment] = (byte)'m'; // "mLNet.LrSchedules seal ...": no longer a seal comment
        File.WriteAllBytes(path, bytes);
        var e = Assert.ThrowsExactly<TorchModelFormatException>(() => TorchModelFile.Verify(path));
        Assert.AreEqual($"The model file '{path}': it holds a seal entry ('MLNet.LrSchedules.seal.json') but its zip comment does not hold the seal: the comment was modified.", e.Message);
        var plain = TestData.Find<TorchModelFormatException>(Assert.Throws<Exception>(() => new MLContext().Model.Load(path, out _)));
        Assert.Contains("holds a seal entry", plain.Message);
        Directory.Delete(folder, recursive: true);
    }

    private static T? FindOrNull<T>(Exception e) where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
            if (current is T found) return found;
        return null;
    }

    /// <summary>Replaces the content of the entry <paramref name="name"/> through .NET's ZipArchive (valid CRC).</summary>
    private static void Rewrite(string path, string name, Func<byte[], byte[]> change)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.Entries.Single(e => e.FullName == name);
        byte[] bytes;
        using (var stream = entry.Open())
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            bytes = copy.ToArray();
        }
        entry.Delete();
        using var output = zip.CreateEntry(name).Open();
        output.Write(change(bytes));
    }
}
