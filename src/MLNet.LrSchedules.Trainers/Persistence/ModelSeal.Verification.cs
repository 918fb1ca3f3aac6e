using System.IO.Compression;
using System.Security.Cryptography;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Reading a sealed file back: every part against the seal, and what ML.NET's load can check of it.</summary>
internal static partial class ModelSeal
{
    /// <summary>
    /// Checks every byte of the sealed file in <paramref name="stream"/> against its seal, part by part (each entry's
    /// local part and directory record, the seal entry, the end record, the whole file), then every entry's content;
    /// returns the file's layout.
    /// </summary>
    /// <exception cref="TorchModelFormatException">A part was modified (the message names the entry where it lies), or the file declares more than <paramref name="maxBytes"/>.</exception>
    public static ZipLayout Verify(Stream stream, string? path, long maxBytes, SealComment comment)
    {
        long length = stream.Length;
        ZipLayout.CheckFileLength(length, path, maxBytes);
        long sealDataOffset = comment.SealOffset + LocalHeaderLength;
        long hashedLength = length - CommentLength;
        if (comment.SealBytes > MaxSealBytes || sealDataOffset + comment.SealBytes + CentralRecordLength + ZipLayout.EndRecordSize > hashedLength)
            throw ZipLayout.Bad(path, null, $"the seal in its zip comment is damaged: it places the seal entry at offset {comment.SealOffset} with {comment.SealBytes} bytes, which does not fit in the file ({length} bytes).");

        byte[] sealLocal = ZipLayout.ReadAt(stream, comment.SealOffset, LocalHeaderLength, path, EntryName);
        byte[] seal = ZipLayout.ReadAt(stream, sealDataOffset, comment.SealBytes, path, EntryName);
        if (Hex(SHA256.HashData(seal)) != comment.SealSha256)
        {
            var error = ZipLayout.Bad(path, EntryName, $"the seal does not match the SHA-256 recorded in the zip comment ({Short(comment.SealSha256)}; the seal hashes to {Short(Hex(SHA256.HashData(seal)))}): the seal or the comment was modified.");
            NameWhatMoved(stream, path, maxBytes, comment, error);
            throw error;
        }
        uint sealCrc = Crc32.Append(0, seal);
        if (!sealLocal.AsSpan().SequenceEqual(LocalHeader(sealCrc, seal.Length)))
            throw ZipLayout.Bad(path, EntryName, $"its local header (offset {comment.SealOffset}) was modified.");
        var document = ParseSeal(seal, path);

        // The map of the file, rebuilt from the seal: the entries' local parts from offset 0, the seal entry, the directory, the end record.
        long localTotal = 0, centralTotal = 0, contentTotal = 0;
        foreach (var entry in document.Entries)
        {
            // Each part lies in the file, so no sum can overflow.
            if (entry.LocalBytes > length || entry.CentralBytes > length || entry.Bytes > maxBytes)
                throw ZipLayout.Bad(path, entry.Name, $"the seal records parts of {entry.LocalBytes} and {entry.CentralBytes} bytes and {entry.Bytes} bytes of content for it, more than the file holds or the reader accepts: the seal does not belong to this file.");
            localTotal += entry.LocalBytes;
            centralTotal += entry.CentralBytes;
            contentTotal += entry.Bytes;
        }
        long directoryOffset = sealDataOffset + seal.Length;
        long directorySize = centralTotal + CentralRecordLength;
        if (localTotal != comment.SealOffset || directoryOffset + directorySize + ZipLayout.EndRecordSize != hashedLength || directorySize > int.MaxValue)
            throw ZipLayout.Bad(path, EntryName, $"the parts it lists ({localTotal} bytes of entries, {centralTotal} bytes of directory records) do not add up to the file's layout: the seal does not belong to this file.");
        if (contentTotal > maxBytes)
            throw ZipLayout.Bad(path, null, $"its entries declare {contentTotal} bytes of content in all, more than the {maxBytes} bytes this reader accepts (maxBytes).");

        using var file = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long offset = 0;
        foreach (var entry in document.Entries)
        {
            using var local = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            ZipLayout.ReadRange(stream, offset, entry.LocalBytes, path, entry.Name, chunk =>
            {
                local.AppendData(chunk);
                file.AppendData(chunk);
            });
            if (Hex(local.GetHashAndReset()) != entry.LocalSha256)
                throw ZipLayout.Bad(path, entry.Name, $"its local header or compressed data (offsets {offset} to {offset + entry.LocalBytes}) fail their SHA-256 check: the file was modified or damaged.");
            offset += entry.LocalBytes;
        }
        file.AppendData(sealLocal);
        file.AppendData(seal);

        byte[] directory = ZipLayout.ReadAt(stream, directoryOffset, (int)directorySize, path, null);
        int at = 0;
        foreach (var entry in document.Entries)
        {
            if (Hex(SHA256.HashData(directory.AsSpan(at, entry.CentralBytes))) != entry.CentralSha256)
                throw ZipLayout.Bad(path, entry.Name, $"its central directory record (offset {directoryOffset + at}) fails its SHA-256 check: the file was modified or damaged.");
            at += entry.CentralBytes;
        }
        if (!directory.AsSpan(at).SequenceEqual(CentralRecord(sealCrc, seal.Length, comment.SealOffset)))
            throw ZipLayout.Bad(path, EntryName, $"its central directory record (offset {directoryOffset + at}) was modified.");
        byte[] end = ZipLayout.ReadAt(stream, directoryOffset + directorySize, ZipLayout.EndRecordSize, path, null);
        if (!end.AsSpan().SequenceEqual(EndRecord(document.Entries.Count + 1, directorySize, directoryOffset)))
            throw ZipLayout.Bad(path, null, $"its zip end-of-central-directory record (offset {directoryOffset + directorySize}) was modified.");
        file.AppendData(directory);
        file.AppendData(end);
        string fileSha = Hex(file.GetHashAndReset());
        if (fileSha != comment.FileSha256)
            throw ZipLayout.Bad(path, null, $"its bytes hash to SHA-256 {Short(fileSha)}, not the {Short(comment.FileSha256)} recorded in its zip comment: the comment was modified.");

        // Every byte is as sealed, so the structure reads back as it was written; the contents must be what the seal lists.
        var layout = ZipLayout.Read(stream, path, maxBytes);
        CheckContents(document, layout.Entries.Select(e => (e.Name, e.Size)).ToList(), path,
            (index, sink) => ZipLayout.ReadContent(stream, layout.Entries[index], path, sink));
        return layout;
    }

    /// <summary>
    /// The seal is not where the comment puts it: a zip tool may have rewritten the file (entries moved). When the zip still
    /// reads and its seal entry matches the comment, the entry whose content changed is named; otherwise the caller
    /// reports <paramref name="error"/>.
    /// </summary>
    private static void NameWhatMoved(Stream stream, string? path, long maxBytes, SealComment comment, TorchModelFormatException error)
    {
        ZipLayout layout;
        byte[] seal;
        try
        {
            layout = ZipLayout.Read(stream, path, maxBytes);
            if (layout.Find(EntryName) is not { } sealEntry || sealEntry.Size != comment.SealBytes) return;
            seal = ZipLayout.ReadAll(stream, sealEntry, path);
        }
        catch (TorchModelFormatException)
        {
            return;
        }
        if (Hex(SHA256.HashData(seal)) != comment.SealSha256) return;
        CheckContents(ParseSeal(seal, path), layout.Entries.Select(e => (e.Name, e.Size)).ToList(), path,
            (index, sink) => ZipLayout.ReadContent(stream, layout.Entries[index], path, sink));
        throw ZipLayout.Bad(path, null, $"its entries no longer lie where they were sealed (the seal is at offset {layout.Find(EntryName)!.LocalOffset}, the zip comment says {comment.SealOffset}), though their contents match the seal: the file was rewritten or its comment modified.", error);
    }

    /// <summary>
    /// What can be checked of a model file from the <see cref="ZipArchive"/> that ML.NET's <c>Model.Load</c> opened (its
    /// bytes are out of reach): for a sealed file, the seal against the comment and every entry's name, size and content
    /// against the seal; for a file without a seal, every entry's content against its CRC-32.
    /// </summary>
    /// <exception cref="TorchModelFormatException">An entry or the seal was modified; the message names the entry.</exception>
    public static void VerifyArchive(ZipArchive archive, long maxBytes)
    {
        var comment = ParseComment(archive.Comment, null);
        var entries = archive.Entries.ToList();
        var sealEntry = entries.FirstOrDefault(e => e.FullName == EntryName);
        if (comment is null && sealEntry is null)
        {
            CheckTotal(entries.Sum(e => e.Length), null, maxBytes);
            foreach (var entry in entries)
            {
                uint crc = 0;
                ReadArchiveEntry(entry, entry.Length, chunk => crc = Crc32.Append(crc, chunk));
                if (crc != entry.Crc32)
                    throw ZipLayout.Bad(null, entry.FullName, $"its content fails its CRC-32 check (CRC-32 {crc:x8}; the zip records {entry.Crc32:x8}): the file was modified or damaged.");
            }
            return;
        }
        if (comment is null)
            throw ZipLayout.Bad(null, null, $"it holds a seal entry ('{EntryName}') but its zip comment does not hold the seal: the comment was modified.");
        if (sealEntry is null || sealEntry.Length != comment.SealBytes || comment.SealBytes > MaxSealBytes)
            throw ZipLayout.Bad(null, EntryName, $"its zip comment records a seal of {comment.SealBytes} bytes, but the zip {(sealEntry is null ? "has no such entry" : $"declares {sealEntry.Length} bytes")}: the file was modified.");
        var seal = new byte[comment.SealBytes];
        int at = 0;
        ReadArchiveEntry(sealEntry, seal.Length, chunk =>
        {
            chunk.CopyTo(seal.AsSpan(at));
            at += chunk.Length;
        });
        if (Hex(SHA256.HashData(seal)) != comment.SealSha256)
            throw ZipLayout.Bad(null, EntryName, "the seal does not match the SHA-256 recorded in the zip comment: the seal or the comment was modified.");
        var document = ParseSeal(seal, null);
        CheckTotal(document.Entries.Sum(e => e.Bytes), null, maxBytes);
        CheckContents(document, entries.Select(e => (e.FullName, e.Length)).ToList(), null,
            (index, sink) => ReadArchiveEntry(entries[index], entries[index].Length, sink));
    }

    /// <summary>
    /// The zip's entries must be the sealed ones plus the seal (by name: a zip tool may have reordered them), each with its
    /// sealed size and content. Sizes are compared before anything is decompressed.
    /// </summary>
    private static void CheckContents(SealDocument document, IReadOnlyList<(string Name, long Size)> zipEntries, string? path, Action<int, ChunkSink> read)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < zipEntries.Count; i++)
        {
            if (!index.TryAdd(zipEntries[i].Name, i))
                throw ZipLayout.Bad(path, zipEntries[i].Name, "the zip lists this entry twice: the file was modified.");
        }
        var sealedNames = document.Entries.Select(e => e.Name).Append(EntryName).ToHashSet(StringComparer.Ordinal);
        if (zipEntries.FirstOrDefault(e => !sealedNames.Contains(e.Name)) is { Name: not null } extra)
            throw ZipLayout.Bad(path, extra.Name, "the zip holds this entry, which the seal does not list: the file was modified.");
        foreach (var sealedEntry in document.Entries)
        {
            if (!index.TryGetValue(sealedEntry.Name, out int i))
                throw ZipLayout.Bad(path, sealedEntry.Name, "the seal lists this entry, which the zip lacks: the file was truncated or modified.");
            if (zipEntries[i].Size != sealedEntry.Bytes)
                throw ZipLayout.Bad(path, sealedEntry.Name, $"the zip declares {zipEntries[i].Size} bytes of content; the seal records {sealedEntry.Bytes}: the file was modified.");
        }
        foreach (var sealedEntry in document.Entries)
        {
            using var content = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            read(index[sealedEntry.Name], chunk => content.AppendData(chunk));
            string sha = Hex(content.GetHashAndReset());
            if (sha != sealedEntry.Sha256)
                throw ZipLayout.Bad(path, sealedEntry.Name, $"its content fails its SHA-256 check (SHA-256 {Short(sha)}; the seal records {Short(sealedEntry.Sha256)}): the file was modified or damaged.");
        }
    }

    /// <summary>The content of <paramref name="entry"/>: its declared size (which the caller checked), read through .NET's <c>ZipArchive</c>.</summary>
    public static byte[] ReadArchiveEntry(ZipArchiveEntry entry)
    {
        var content = new byte[entry.Length];
        int at = 0;
        ReadArchiveEntry(entry, content.Length, chunk =>
        {
            chunk.CopyTo(content.AsSpan(at));
            at += chunk.Length;
        });
        return content;
    }

    private static void ReadArchiveEntry(ZipArchiveEntry entry, long size, ChunkSink sink)
    {
        try
        {
            using var stream = entry.Open();
            var buffer = new byte[(int)Math.Min(1 << 16, Math.Max(size, 1))];
            long remaining = size;
            while (remaining > 0)
            {
                int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                if (read == 0)
                    throw ZipLayout.Bad(null, entry.FullName, $"its data ends after {size - remaining} bytes; its header declares {size}: the file is damaged.");
                sink(buffer.AsSpan(0, read));
                remaining -= read;
            }
        }
        catch (InvalidDataException e)
        {
            throw ZipLayout.Bad(null, entry.FullName, $"its compressed data or headers are damaged ({e.Message}).", e);
        }
    }

    private static void CheckTotal(long total, string? path, long maxBytes)
    {
        if (total > maxBytes)
            throw ZipLayout.Bad(path, null, $"its entries declare {total} bytes of content in all, more than the {maxBytes} bytes this reader accepts (maxBytes).");
    }
}
