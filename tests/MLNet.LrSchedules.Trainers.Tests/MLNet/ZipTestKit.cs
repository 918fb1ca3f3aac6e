using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace MLNet.LrSchedules.Trainers.Tests.MLNet;

/// <summary>
/// Zip files taken apart and put together by hand, independently of the library's reader: which entry owns each byte of
/// a file, and crafted archives (declared sizes that lie, deflate streams that inflate a thousandfold).
/// </summary>
internal static class ZipTestKit
{
    /// <summary>
    /// The entry that owns each byte of an ML.NET zip (its local header and data, or its central directory record), or
    /// null for the end record and the comment. ML.NET's zips have no data descriptors; this map asserts it.
    /// </summary>
    public static string?[] Owners(byte[] zip)
    {
        var owners = new string?[zip.Length];
        var names = new List<string>();
        int p = 0;
        while (U32(zip, p) == 0x04034b50)
        {
            Assert.AreEqual(0, U16(zip, p + 6) & 8, "ML.NET's zips have no data descriptors");
            int nameLength = U16(zip, p + 26), extraLength = U16(zip, p + 28);
            long compressed = U32(zip, p + 18);
            string name = Encoding.UTF8.GetString(zip, p + 30, nameLength);
            names.Add(name);
            int end = checked(p + 30 + nameLength + extraLength + (int)compressed);
            Array.Fill(owners, name, p, end - p);
            p = end;
        }
        int record = 0;
        while (U32(zip, p) == 0x02014b50)
        {
            int length = 46 + U16(zip, p + 28) + U16(zip, p + 30) + U16(zip, p + 32);
            Array.Fill(owners, names[record++], p, length);
            p += length;
        }
        Assert.AreEqual(0x06054b50u, U32(zip, p), "the end record follows the central directory");
        Assert.AreEqual(names.Count, record);
        return owners;
    }

    /// <summary>The names of the entries and the content of each, read with .NET's ZipArchive; null when it cannot read the zip.</summary>
    public static Dictionary<string, byte[]>? Contents(byte[] zip)
    {
        try
        {
            using var archive = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
            var contents = new Dictionary<string, byte[]>();
            foreach (var entry in archive.Entries)
            {
                using var stream = entry.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                contents[entry.FullName] = copy.ToArray();
            }
            return contents;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>One entry of a hand-made zip: its raw data as stored, and what its headers declare.</summary>
    public sealed record RawEntry(string Name, byte[] Data, ushort Method, uint Crc, long DeclaredSize);

    /// <summary>Stored entries with their true CRC-32 and size.</summary>
    public static RawEntry Stored(string name, byte[] content) => new(name, content, 0, Crc32.Append(0, content), content.Length);

    /// <summary>A zip whose headers declare exactly what <paramref name="entries"/> say, true or not.</summary>
    public static byte[] Write(IReadOnlyList<RawEntry> entries)
    {
        using var zip = new MemoryStream();
        var offsets = new List<long>();
        foreach (var entry in entries)
        {
            offsets.Add(zip.Position);
            byte[] name = Encoding.UTF8.GetBytes(entry.Name);
            var header = new byte[30];
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0x04034b50);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), entry.Method);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(14), entry.Crc);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(18), (uint)entry.Data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(22), checked((uint)entry.DeclaredSize));
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(26), (ushort)name.Length);
            zip.Write(header);
            zip.Write(name);
            zip.Write(entry.Data);
        }
        long directory = zip.Position;
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            byte[] name = Encoding.UTF8.GetBytes(entry.Name);
            var record = new byte[46];
            BinaryPrimitives.WriteUInt32LittleEndian(record, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(6), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(10), entry.Method);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(16), entry.Crc);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(20), (uint)entry.Data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(24), checked((uint)entry.DeclaredSize));
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(28), (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(42), (uint)offsets[i]);
            zip.Write(record);
            zip.Write(name);
        }
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)entries.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)(zip.Position - directory));
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)directory);
        zip.Write(end);
        return zip.ToArray();
    }

    /// <summary>
    /// A raw deflate stream of <paramref name="mebibytes"/> MiB of zeros in about a thousandth of that: one 16 MiB block,
    /// sync-flushed so that it ends byte-aligned (and refers only to zeros), repeated, then an empty final block.
    /// </summary>
    public static byte[] DeflatedZeros(int mebibytes)
    {
        const int BlockMebibytes = 16;
        Assert.AreEqual(0, mebibytes % BlockMebibytes);
        using var block = new MemoryStream();
        using (var deflate = new DeflateStream(block, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(new byte[BlockMebibytes << 20]);
            deflate.Flush();
            byte[] flushed = block.ToArray();
            using var bomb = new MemoryStream();
            for (int i = 0; i < mebibytes / BlockMebibytes; i++)
                bomb.Write(flushed);
            bomb.Write([0x03, 0x00]); // final fixed-Huffman block holding only its end code
            return bomb.ToArray();
        }
    }

    private static int U16(byte[] bytes, int at) => BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at));

    private static uint U32(byte[] bytes, int at) => at + 4 <= bytes.Length ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)) : 0;
}
