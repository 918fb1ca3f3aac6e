using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The seal of a model file saved by <see cref="TorchModelFile.SaveSealed"/>: after ML.NET has written the zip, a last
/// entry, <see cref="EntryName"/>, lists every other entry with the SHA-256 of its content, of its local part (local
/// header and compressed data) and of its central directory record; the zip comment (a fixed-length line at the very
/// end of the file) holds the seal entry's place and SHA-256, and the SHA-256 of every byte of the file before the
/// comment.
/// </summary>
/// <remarks>
/// *** Layout (seal version 1) ***
/// [entries written by ML.NET, unchanged] [seal entry: local header, stored JSON] [ML.NET's central directory records,
/// unchanged] [the seal entry's record] [end record] [comment: <c>MLNet.LrSchedules seal v1 at=&lt;12 digits&gt;
/// bytes=&lt;10 digits&gt; seal-sha256=&lt;64 hex&gt; file-sha256=&lt;64 hex&gt;</c>].
/// The seal entry's headers and the end record are canonical (rebuilt and compared byte for byte), so with the two
/// hashes of the comment every byte of the file is checked by a part that can name where the damage lies.
/// </remarks>
internal static partial class ModelSeal
{
    /// <summary>The seal entry, at the root of the zip.</summary>
    public const string EntryName = "MLNet.LrSchedules.seal.json";

    /// <summary>The layout of the seal. A reader refuses a seal of a newer version.</summary>
    public const int Version = 1;

    /// <summary>The most a seal entry may hold (about 90,000 entries), so that a crafted comment cannot make a reader allocate more.</summary>
    public const int MaxSealBytes = 32 << 20;

    private const string CommentStart = "MLNet.LrSchedules seal v";
    private static readonly byte[] NameBytes = Encoding.ASCII.GetBytes(EntryName);
    private static readonly int LocalHeaderLength = ZipLayout.LocalHeaderSize + NameBytes.Length;
    private static readonly int CentralRecordLength = ZipLayout.CentralHeaderSize + NameBytes.Length;

    /// <summary>The length of the zip comment that carries the seal.</summary>
    public static readonly int CommentLength = FormatComment(0, 0, new string('0', 64), new string('0', 64)).Length;

    /// <summary>The seal entry's content.</summary>
    internal sealed record SealDocument(int SealVersion, string LibraryVersion, IReadOnlyList<SealedEntry> Entries);

    /// <summary>
    /// One sealed entry: content length and SHA-256 (what ML.NET reads), and the length and SHA-256 of its local part
    /// (local header, compressed data, data descriptor) and of its central directory record.
    /// </summary>
    internal sealed record SealedEntry(string Name, long Bytes, string Sha256, long LocalBytes, string LocalSha256, int CentralBytes, string CentralSha256);

    /// <summary>What the zip comment of a sealed file says.</summary>
    internal sealed record SealComment(long SealOffset, int SealBytes, string SealSha256, string FileSha256);

    /// <summary>
    /// Seals the zip that ML.NET has just written to <paramref name="stream"/> (readable, writable, seekable), in place:
    /// the central directory moves to make room for the seal entry, and the end record gets the comment.
    /// </summary>
    public static void Seal(Stream stream, string path)
    {
        var layout = ZipLayout.Read(stream, path, long.MaxValue);
        if (layout.CommentLength != 0 || layout.Find(EntryName) is not null)
            throw new InvalidOperationException($"The zip written to '{path}' already has a comment or a seal entry; ML.NET writes neither.");
        // The seal lists the parts in the order they lie in the file, so the reader can rebuild the map of the file from it.
        if (!layout.Entries.Select(e => e.LocalOffset).SequenceEqual(layout.Entries.Select(e => e.LocalOffset).Order()))
            throw new InvalidOperationException($"The zip written to '{path}' lists its entries in another order than they lie in the file; ML.NET writes them in order.");
        if (layout.Entries.Count + 1 >= ushort.MaxValue)
            throw new NotSupportedException($"The model written to '{path}' has {layout.Entries.Count} zip entries; a sealed file holds at most {ushort.MaxValue - 2}.");

        byte[] directory = ZipLayout.ReadAt(stream, layout.CentralDirectoryOffset, (int)layout.CentralDirectorySize, path, null);
        var sealedEntries = new List<SealedEntry>(layout.Entries.Count);
        foreach (var entry in layout.Entries)
        {
            using var local = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            ZipLayout.ReadRange(stream, entry.LocalOffset, entry.LocalLength, path, entry.Name, chunk => local.AppendData(chunk));
            using var content = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            uint crc = 0;
            ZipLayout.ReadContent(stream, entry, path, chunk =>
            {
                content.AppendData(chunk);
                crc = Crc32.Append(crc, chunk);
            });
            if (crc != entry.Crc)
                throw new InvalidOperationException($"The zip written to '{path}' has an entry '{entry.Name}' whose content does not match its CRC-32; nothing was sealed.");
            var record = directory.AsSpan((int)(entry.CentralOffset - layout.CentralDirectoryOffset), entry.CentralLength);
            sealedEntries.Add(new SealedEntry(entry.Name, entry.Size, Hex(content.GetHashAndReset()), entry.LocalLength, Hex(local.GetHashAndReset()),
                entry.CentralLength, Hex(SHA256.HashData(record))));
        }

        byte[] seal = TorchModelEntries.ToJsonBytes(new SealDocument(Version, TorchModelEntries.LibraryVersion, sealedEntries));
        uint sealCrc = Crc32.Append(0, seal);
        long sealOffset = layout.CentralDirectoryOffset;
        long directoryOffset = sealOffset + LocalHeaderLength + seal.Length;
        long directorySize = directory.Length + CentralRecordLength;
        if (directoryOffset + directorySize + ZipLayout.EndRecordSize + CommentLength > uint.MaxValue)
            throw new NotSupportedException($"The model written to '{path}' is over 4 GiB; sealed files are plain (not zip64) zips.");
        byte[] tail =
        [
            .. LocalHeader(sealCrc, seal.Length),
            .. seal,
            .. directory,
            .. CentralRecord(sealCrc, seal.Length, sealOffset),
            .. EndRecord(layout.Entries.Count + 1, directorySize, directoryOffset),
        ];

        using var file = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        ZipLayout.ReadRange(stream, 0, sealOffset, path, null, chunk => file.AppendData(chunk));
        file.AppendData(tail);
        byte[] comment = Encoding.ASCII.GetBytes(FormatComment(sealOffset, seal.Length, Hex(SHA256.HashData(seal)), Hex(file.GetHashAndReset())));

        stream.SetLength(sealOffset);
        stream.Position = sealOffset;
        stream.Write(tail);
        stream.Write(comment);
    }

    /// <summary>
    /// The seal comment at the end of <paramref name="stream"/>, or null when the file does not end with one (then it is
    /// not sealed, or the comment was damaged: the caller then looks for a seal entry).
    /// </summary>
    /// <exception cref="TorchModelFormatException">The comment starts like a seal but is damaged, or is of a newer seal version.</exception>
    public static SealComment? ReadComment(Stream stream, string? path)
    {
        if (stream.Length < CommentLength + ZipLayout.EndRecordSize) return null;
        byte[] bytes = ZipLayout.ReadAt(stream, stream.Length - CommentLength, CommentLength, path, null);
        return ParseComment(Encoding.ASCII.GetString(bytes), path);
    }

    private static SealComment? ParseComment(string? text, string? path)
    {
        if (text is null || !text.StartsWith(CommentStart, StringComparison.Ordinal)) return null;
        // "MLNet.LrSchedules seal v1 at=000000001234 bytes=0000005678 seal-sha256=<64 hex> file-sha256=<64 hex>"
        string[] fields = text.Length == CommentLength ? text[CommentStart.Length..].Split(' ') : [];
        if (fields.Length > 0 && int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int version) && version > Version && fields[0].Length == 1)
            throw ZipLayout.Bad(path, null, $"it was sealed with seal version {version}; this version of MLNet.LrSchedules.Trainers ({TorchModelEntries.LibraryVersion}) reads seal versions up to {Version}. Upgrade the package to load it.");
        if (fields.Length == 5 && fields[0] == "1"
            && Field(fields[1], "at=", 12) is { } at && long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out long offset)
            && Field(fields[2], "bytes=", 10) is { } size && int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out int bytes)
            && Field(fields[3], "seal-sha256=", 64) is { } sealSha && IsHex(sealSha)
            && Field(fields[4], "file-sha256=", 64) is { } fileSha && IsHex(fileSha))
            return new SealComment(offset, bytes, sealSha, fileSha);
        throw ZipLayout.Bad(path, null, $"the seal in its zip comment is damaged (expected 'MLNet.LrSchedules seal v1 at=<12 digits> bytes=<10 digits> seal-sha256=<64 hex> file-sha256=<64 hex>'; found '{Printable(text)}').");
    }

    private static SealDocument ParseSeal(byte[] seal, string? path)
    {
        SealDocument? document;
        try
        {
            using (var probe = JsonDocument.Parse(seal))
            {
                int version = probe.RootElement.GetProperty("seal_version").GetInt32();
                if (version > Version)
                    throw ZipLayout.Bad(path, EntryName, $"it was sealed with seal version {version}; this version of MLNet.LrSchedules.Trainers ({TorchModelEntries.LibraryVersion}) reads seal versions up to {Version}. Upgrade the package to load it.");
            }
            document = JsonSerializer.Deserialize<SealDocument>(seal, TorchModelEntries.Json);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw ZipLayout.Bad(path, EntryName, $"the seal is not a valid seal document ({e.Message}).", e);
        }
        if (document is not { SealVersion: Version, Entries: not null } || document.Entries.Any(e => e is null || e.Name is null || e.Sha256 is null || e.LocalSha256 is null
                || e.CentralSha256 is null || e.Bytes < 0 || e.LocalBytes < ZipLayout.LocalHeaderSize || e.CentralBytes < ZipLayout.CentralHeaderSize))
            throw ZipLayout.Bad(path, EntryName, $"the seal is not a valid seal document (it must have seal_version {Version} and complete entries).");
        return document;
    }

    private static string FormatComment(long sealOffset, int sealBytes, string sealSha, string fileSha) =>
        string.Create(CultureInfo.InvariantCulture, $"{CommentStart}{Version} at={sealOffset:D12} bytes={sealBytes:D10} seal-sha256={sealSha} file-sha256={fileSha}");

    private static string? Field(string field, string name, int length) =>
        field.Length == name.Length + length && field.StartsWith(name, StringComparison.Ordinal) ? field[name.Length..] : null;

    private static bool IsHex(string text) => text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static string Printable(string text) => new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private static string Hex(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash);

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] + "…" : sha;

    // The seal entry's headers are canonical: stored, no extra field, a fixed date (1980-01-01), so a reader rebuilds them.
    private const ushort DosDate = (0 << 9) | (1 << 5) | 1;

    private static byte[] LocalHeader(uint crc, int size)
    {
        var header = new byte[LocalHeaderLength];
        var span = header.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, ZipLayout.LocalSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], 20);
        BinaryPrimitives.WriteUInt16LittleEndian(span[12..], DosDate);
        BinaryPrimitives.WriteUInt32LittleEndian(span[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(span[18..], (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(span[22..], (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(span[26..], (ushort)NameBytes.Length);
        NameBytes.CopyTo(span[ZipLayout.LocalHeaderSize..]);
        return header;
    }

    private static byte[] CentralRecord(uint crc, int size, long localOffset)
    {
        var record = new byte[CentralRecordLength];
        var span = record.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, ZipLayout.CentralSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], 20);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], 20);
        BinaryPrimitives.WriteUInt16LittleEndian(span[14..], DosDate);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(span[28..], (ushort)NameBytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span[42..], (uint)localOffset);
        NameBytes.CopyTo(span[ZipLayout.CentralHeaderSize..]);
        return record;
    }

    private static byte[] EndRecord(int entries, long directorySize, long directoryOffset)
    {
        var end = new byte[ZipLayout.EndRecordSize];
        var span = end.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, ZipLayout.EndSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], (ushort)entries);
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], (ushort)entries);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)directorySize);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], (uint)directoryOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(span[20..], (ushort)CommentLength);
        return end;
    }
}
