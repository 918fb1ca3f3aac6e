using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Receives an entry's bytes a chunk at a time.</summary>
internal delegate void ChunkSink(ReadOnlySpan<byte> chunk);

/// <summary>One entry of a zip file as it lies in the file: its local header, data (and data descriptor), and directory record.</summary>
internal sealed record ZipEntryLayout(
    string Name, long LocalOffset, long DataOffset, long CompressedSize, long Size, int DescriptorLength,
    long CentralOffset, int CentralLength, ushort Method, uint Crc)
{
    /// <summary>Where the entry's local part (header, data, descriptor) ends.</summary>
    public long LocalEnd => DataOffset + CompressedSize + DescriptorLength;

    /// <summary>The length of the entry's local part.</summary>
    public long LocalLength => LocalEnd - LocalOffset;
}

/// <summary>
/// A strict reading of a zip file's structure, made before any entry is decompressed: one end record at the very end,
/// a central directory right before it whose records agree with the local headers, and entries that tile everything
/// before the directory, so that every byte of the file belongs to exactly one named part. ML.NET model files are
/// written this way by .NET's <c>ZipArchive</c>; zip64, encryption and methods other than stored/deflate are refused.
/// Content is read through <see cref="ReadContent"/>, which never yields more than an entry's declared size.
/// </summary>
internal sealed class ZipLayout
{
    public const uint LocalSignature = 0x04034b50;
    public const uint CentralSignature = 0x02014b50;
    public const uint EndSignature = 0x06054b50;
    private const uint DescriptorSignature = 0x08074b50;
    public const int LocalHeaderSize = 30;
    public const int CentralHeaderSize = 46;
    public const int EndRecordSize = 22;
    public const ushort Stored = 0;
    public const ushort Deflated = 8;

    // A deflate stream codes at most 258 bytes in a little over two bits: it never inflates by more than 1032:1. A
    // larger declared size is a damaged or crafted header, refused before anything is decompressed.
    private const long MaxInflateRatio = 1032;

    private readonly Dictionary<string, ZipEntryLayout> _byName;

    private ZipLayout(List<ZipEntryLayout> entries, long centralOffset, long centralSize, long endOffset, int commentLength)
    {
        Entries = entries;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        CentralDirectoryOffset = centralOffset;
        CentralDirectorySize = centralSize;
        EndOffset = endOffset;
        CommentLength = commentLength;
    }

    /// <summary>The entries in the order of the central directory.</summary>
    public IReadOnlyList<ZipEntryLayout> Entries { get; }

    public long CentralDirectoryOffset { get; }

    public long CentralDirectorySize { get; }

    /// <summary>Where the end-of-central-directory record starts.</summary>
    public long EndOffset { get; }

    public int CommentLength { get; }

    /// <summary>The sum of the entries' declared (uncompressed) sizes.</summary>
    public long TotalSize => Entries.Sum(e => e.Size);

    public ZipEntryLayout? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Reads and checks the structure of the zip in <paramref name="file"/>; decompresses nothing.</summary>
    /// <param name="file">A readable, seekable stream over the whole file.</param>
    /// <param name="path">The file, for error messages (null: unknown).</param>
    /// <param name="maxBytes">The most the file, and the sum of its entries' declared sizes, may hold.</param>
    /// <exception cref="TorchModelFormatException">The structure is damaged, or declares more than <paramref name="maxBytes"/>.</exception>
    public static ZipLayout Read(Stream file, string? path, long maxBytes)
    {
        long length = file.Length;
        CheckFileLength(length, path, maxBytes);
        if (length < EndRecordSize)
            throw Bad(path, null, $"it is {length} bytes long, too short for a zip archive: the file is truncated or is not a model file.");

        int tailLength = (int)Math.Min(length, EndRecordSize + ushort.MaxValue);
        byte[] tail = ReadAt(file, length - tailLength, tailLength, path, null);
        int end = -1;
        // The end record must end the file exactly (its comment included): no bytes may follow it.
        for (int i = tailLength - EndRecordSize; i >= 0; i--)
        {
            if (U32(tail, i) == EndSignature && i + EndRecordSize + U16(tail, i + 20) == tailLength)
            {
                end = i;
                break;
            }
        }
        if (end < 0)
            throw Bad(path, null, "it has no zip end-of-central-directory record at its end: the file is truncated, has bytes appended, or is not a zip archive.");

        long endOffset = length - tailLength + end;
        ushort disk = U16(tail, end + 4), directoryDisk = U16(tail, end + 6), onDisk = U16(tail, end + 8), count = U16(tail, end + 10);
        uint directorySize = U32(tail, end + 12), directoryOffset = U32(tail, end + 16);
        int commentLength = U16(tail, end + 20);
        if (count == ushort.MaxValue || directorySize == uint.MaxValue || directoryOffset == uint.MaxValue)
            throw Bad(path, null, "it is a zip64 archive (over 4 GiB or 65,535 entries), which this library does not read.");
        if (disk != 0 || directoryDisk != 0 || onDisk != count)
            throw Bad(path, null, $"its zip end record is damaged: it declares disk {disk}, directory disk {directoryDisk} and {onDisk} of {count} entries on this disk (expected 0, 0 and all).");
        if (directorySize > int.MaxValue)
            throw Bad(path, null, $"its zip end record declares a central directory of {directorySize} bytes, more than this library reads: the record is damaged or crafted.");
        if ((long)directoryOffset + directorySize != endOffset)
            throw Bad(path, null, $"its zip end record is damaged: the central directory it declares (offset {directoryOffset}, {directorySize} bytes) does not end where the end record starts (offset {endOffset}).");

        byte[] directory = ReadAt(file, directoryOffset, (int)directorySize, path, null);
        var entries = new List<ZipEntryLayout>(count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        int p = 0;
        for (int i = 0; i < count; i++)
        {
            // A bad length field in one record misplaces the next: blame the record before the damage.
            string? previous = entries.Count > 0 ? entries[^1].Name : null;
            string after = previous is null ? "at its start" : "after this entry's record";
            if (p + CentralHeaderSize > directory.Length || U32(directory, p) != CentralSignature)
                throw Bad(path, previous, $"the zip's central directory is damaged {after}: record {i + 1} of {count} is not at offset {directoryOffset + p}.");
            ushort flags = U16(directory, p + 8), method = U16(directory, p + 10);
            uint crc = U32(directory, p + 16), compressed = U32(directory, p + 20), size = U32(directory, p + 24);
            int nameLength = U16(directory, p + 28), extraLength = U16(directory, p + 30), commentFieldLength = U16(directory, p + 32);
            ushort startDisk = U16(directory, p + 34);
            uint localOffset = U32(directory, p + 42);
            int recordLength = CentralHeaderSize + nameLength + extraLength + commentFieldLength;
            if (p + recordLength > directory.Length)
                throw Bad(path, previous, $"the zip's central directory is damaged {after}: record {i + 1} of {count} runs past its end.");
            byte[] nameBytes = directory.AsSpan(p + CentralHeaderSize, nameLength).ToArray();
            string name = Encoding.UTF8.GetString(nameBytes);
            if (nameLength == 0)
                throw Bad(path, previous, $"the zip's central directory is damaged {after}: record {i + 1} has an empty name.");
            if (!names.Add(name))
                throw Bad(path, name, "the zip's central directory lists this entry twice.");
            if ((flags & 1) != 0)
                throw Bad(path, name, "it is marked encrypted, which model files never are: the file is damaged.");
            if (method != Stored && method != Deflated)
                throw Bad(path, name, $"it declares compression method {method}; model files use 0 (stored) or 8 (deflate): the file is damaged.");
            if (compressed == uint.MaxValue || size == uint.MaxValue || localOffset == uint.MaxValue)
                throw Bad(path, name, "it is a zip64 entry (over 4 GiB), which this library does not read.");
            if (startDisk != 0)
                throw Bad(path, name, $"its central directory record names disk {startDisk} (expected 0): the record is damaged.");
            if (method == Stored && compressed != size)
                throw Bad(path, name, $"it is stored uncompressed but declares {compressed} bytes in the zip and {size} bytes of content: its header is damaged.");
            if (method == Deflated && size > compressed * MaxInflateRatio + 64)
                throw Bad(path, name, $"it declares {size} bytes of content from {compressed} compressed bytes, more than deflate can produce: its header is damaged or crafted.");
            if (localOffset + (long)LocalHeaderSize > directoryOffset)
                throw Bad(path, name, $"its central directory record points to offset {localOffset}, past the entries (which end at offset {directoryOffset}).");

            byte[] local = ReadAt(file, localOffset, LocalHeaderSize, path, name);
            if (U32(local, 0) != LocalSignature)
                throw Bad(path, name, $"there is no local header at offset {localOffset}, where its central directory record points.");
            ushort localFlags = U16(local, 6), localMethod = U16(local, 8);
            uint localCrc = U32(local, 14), localCompressed = U32(local, 18), localSize = U32(local, 22);
            int localNameLength = U16(local, 26), localExtraLength = U16(local, 28);
            if (localMethod != method || localFlags != flags)
                throw Bad(path, name, $"its local header (method {localMethod}, flags 0x{localFlags:X4}) disagrees with its central directory record (method {method}, flags 0x{flags:X4}).");
            long dataOffset = localOffset + (long)LocalHeaderSize + localNameLength + localExtraLength;
            if (dataOffset > directoryOffset)
                throw Bad(path, name, $"its local header (offset {localOffset}) runs into the central directory (offset {directoryOffset}).");
            byte[] localName = ReadAt(file, localOffset + LocalHeaderSize, localNameLength, path, name);
            if (!localName.AsSpan().SequenceEqual(nameBytes))
                throw Bad(path, name, $"its local header names it '{Encoding.UTF8.GetString(localName)}', its central directory record '{name}'.");

            int descriptorLength = 0;
            if ((flags & 8) == 0)
            {
                if (localCrc != crc || localCompressed != compressed || localSize != size)
                    throw Bad(path, name, $"its local header (CRC-32 {localCrc:x8}, {localCompressed} bytes compressed, {localSize} bytes) disagrees with its central directory record (CRC-32 {crc:x8}, {compressed} bytes compressed, {size} bytes).");
            }
            else
            {
                // A data descriptor (optional signature, CRC-32, both sizes) follows the data; the central record has the values.
                long at = dataOffset + compressed;
                int available = (int)Math.Clamp(directoryOffset - at, 0, 16);
                byte[] descriptor = available >= 12 ? ReadAt(file, at, available, path, name) : [];
                int k = descriptor.Length == 16 && U32(descriptor, 0) == DescriptorSignature ? 4 : 0;
                if (descriptor.Length < k + 12 || U32(descriptor, k) != crc || U32(descriptor, k + 4) != compressed || U32(descriptor, k + 8) != size)
                    throw Bad(path, name, "its data descriptor is missing or disagrees with its central directory record.");
                descriptorLength = k + 12;
            }
            if (dataOffset + compressed + descriptorLength > directoryOffset)
                throw Bad(path, name, $"its data (offset {dataOffset}, {compressed} bytes) runs into the central directory (offset {directoryOffset}).");

            entries.Add(new ZipEntryLayout(name, localOffset, dataOffset, compressed, size, descriptorLength, directoryOffset + p, recordLength, method, crc));
            p += recordLength;
        }
        if (p != directory.Length)
            throw Bad(path, entries.Count > 0 ? entries[^1].Name : null,
                $"the zip's central directory has {directory.Length - p} bytes after its last record (the end record declares {count} entries): the directory is damaged.");

        // Every byte before the directory belongs to exactly one entry's local part.
        long expected = 0;
        foreach (var entry in entries.OrderBy(e => e.LocalOffset))
        {
            if (entry.LocalOffset != expected)
                throw Bad(path, entry.Name, entry.LocalOffset > expected
                    ? $"the {entry.LocalOffset - expected} bytes before its local header (offsets {expected} to {entry.LocalOffset}) belong to no entry: the file is damaged."
                    : $"its local header (offset {entry.LocalOffset}) overlaps the entry before it, which ends at offset {expected}: the file is damaged.");
            expected = entry.LocalEnd;
        }
        if (expected != directoryOffset)
            throw Bad(path, null, $"the {directoryOffset - expected} bytes before the zip's central directory (offsets {expected} to {directoryOffset}) belong to no entry: the file is damaged.");

        var layout = new ZipLayout(entries, directoryOffset, directorySize, endOffset, commentLength);
        long total = entries.Aggregate(0L, (sum, e) => sum + e.Size);
        if (total > maxBytes)
            throw Bad(path, null, $"its entries declare {total} bytes of content in all, more than the {maxBytes} bytes this reader accepts (maxBytes).");
        return layout;
    }

    /// <summary>Refuses a file longer than the reader accepts, before reading it.</summary>
    public static void CheckFileLength(long length, string? path, long maxBytes)
    {
        if (length > maxBytes)
            throw Bad(path, null, $"it is {length} bytes long, more than the {maxBytes} bytes this reader accepts (maxBytes).");
    }

    /// <summary>
    /// Streams the content of <paramref name="entry"/> to <paramref name="sink"/>: exactly its declared size, then one
    /// more read to prove that the data ends there. Never decompresses more than the declared size plus one buffer.
    /// </summary>
    public static void ReadContent(Stream file, ZipEntryLayout entry, string? path, ChunkSink sink)
    {
        var raw = new StreamSlice(file, entry.DataOffset, entry.CompressedSize);
        using Stream data = entry.Method == Deflated ? new DeflateStream(raw, CompressionMode.Decompress) : raw;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            long remaining = entry.Size;
            while (remaining > 0)
            {
                int read = data.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                if (read == 0)
                    throw Bad(path, entry.Name, $"its data ends after {entry.Size - remaining} bytes; its header declares {entry.Size}: the file is damaged.");
                sink(buffer.AsSpan(0, read));
                remaining -= read;
            }
            if (data.Read(buffer, 0, 1) != 0)
                throw Bad(path, entry.Name, $"its data holds more than the {entry.Size} bytes its header declares: the file is damaged or crafted.");
        }
        catch (InvalidDataException e)
        {
            throw Bad(path, entry.Name, $"its compressed data is damaged ({e.Message}).", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The content of <paramref name="entry"/> (its declared size, checked against the caller's limit first).</summary>
    public static byte[] ReadAll(Stream file, ZipEntryLayout entry, string? path)
    {
        var content = new byte[entry.Size];
        int at = 0;
        ReadContent(file, entry, path, chunk =>
        {
            chunk.CopyTo(content.AsSpan(at));
            at += chunk.Length;
        });
        return content;
    }

    /// <summary>Streams the raw bytes of the file between <paramref name="offset"/> and <paramref name="offset"/> + <paramref name="length"/>.</summary>
    public static void ReadRange(Stream file, long offset, long length, string? path, string? entry, ChunkSink sink)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            file.Position = offset;
            while (length > 0)
            {
                int read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, length));
                if (read == 0)
                    throw Bad(path, entry, $"the file ends at offset {file.Position}, inside this part of the zip: the file is truncated.");
                sink(buffer.AsSpan(0, read));
                length -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static byte[] ReadAt(Stream file, long offset, int length, string? path, string? entry)
    {
        var bytes = new byte[length];
        file.Position = offset;
        try
        {
            file.ReadExactly(bytes);
        }
        catch (EndOfStreamException e)
        {
            throw Bad(path, entry, $"the file ends before offset {offset + length}: the file is truncated.", e);
        }
        return bytes;
    }

    public static ushort U16(byte[] bytes, int at) => BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at));

    public static uint U32(byte[] bytes, int at) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at));

    public static TorchModelFormatException Bad(string? path, string? entry, string problem, Exception? inner = null) =>
        new(path, entry, problem, inner);

    /// <summary>A read-only window on part of a stream, which seeks before every read so that several may share the stream.</summary>
    private sealed class StreamSlice(Stream inner, long offset, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset1, int count) => Read(buffer.AsSpan(offset1, count));

        public override int Read(Span<byte> buffer)
        {
            int count = (int)Math.Min(buffer.Length, length - _position);
            if (count <= 0) return 0;
            inner.Position = offset + _position;
            int read = inner.Read(buffer[..count]);
            _position += read;
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset1, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset1, int count) => throw new NotSupportedException();
    }
}
