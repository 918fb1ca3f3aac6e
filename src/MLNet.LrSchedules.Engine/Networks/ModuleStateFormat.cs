using System.Text;
using static TorchSharp.torch;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// TorchSharp's module state format (<c>Module.save</c>), read and written in managed code only: an entry count, then per
/// entry its name and a tensor (type, rank, sizes, raw little-endian values), counts and sizes LEB128-encoded. Used to rename
/// the entries of weights saved by an older network layout, without the native runtime.
/// </summary>
internal static class ModuleStateFormat
{
    /// <summary>The names of the entries, in order.</summary>
    /// <exception cref="FormatException">The bytes are not a module state.</exception>
    public static IReadOnlyList<string> Names(byte[] state) => Read(state).Select(e => e.Name).ToArray();

    /// <summary>The same state with every entry renamed by <paramref name="rename"/>; the tensors' bytes are copied unchanged.</summary>
    /// <exception cref="FormatException">The bytes are not a module state.</exception>
    public static byte[] Rename(byte[] state, Func<string, string> rename)
    {
        var entries = Read(state);
        using var output = new MemoryStream(state.Length + 64);
        using (var writer = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write7BitEncodedInt64(entries.Count);
            foreach (var (name, start, length) in entries)
            {
                writer.Write(rename(name));
                writer.Write(state, start, length);
            }
        }
        return output.ToArray();
    }

    /// <summary>
    /// <paramref name="target"/>'s entries in its order, each taken from <paramref name="source"/> (same name) when
    /// <paramref name="fromSource"/> says so, else kept; the tensors' bytes are copied unchanged.
    /// </summary>
    /// <exception cref="FormatException">A state is malformed, or <paramref name="source"/> lacks an entry to take.</exception>
    public static byte[] Merge(byte[] target, byte[] source, Func<string, bool> fromSource)
    {
        var sourceEntries = Read(source).ToDictionary(e => e.Name);
        var entries = Read(target);
        using var output = new MemoryStream(target.Length + 64);
        using (var writer = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write7BitEncodedInt64(entries.Count);
            foreach (var (name, start, length) in entries)
            {
                writer.Write(name);
                if (!fromSource(name))
                    writer.Write(target, start, length);
                else if (sourceEntries.TryGetValue(name, out var taken))
                    writer.Write(source, taken.TensorStart, taken.TensorLength);
                else
                    throw new FormatException($"The source state has no entry '{name}'.");
            }
        }
        return output.ToArray();
    }

    private static List<(string Name, int TensorStart, int TensorLength)> Read(byte[] state)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(state, writable: false), Encoding.UTF8);
            long count = reader.Read7BitEncodedInt64();
            if (count < 0 || count > 100_000) throw new FormatException($"it declares {count} entries");
            var entries = new List<(string, int, int)>((int)count);
            for (long i = 0; i < count; i++)
            {
                string name = reader.ReadString();
                int start = (int)reader.BaseStream.Position;
                var type = (ScalarType)reader.Read7BitEncodedInt64();
                long rank = reader.Read7BitEncodedInt64();
                if (rank < 0 || rank > 16) throw new FormatException($"entry '{name}' declares rank {rank}");
                long values = 1;
                for (long d = 0; d < rank; d++) values = checked(values * reader.Read7BitEncodedInt64());
                long bytes = checked(values * ElementSize(type, name));
                if (reader.BaseStream.Position + bytes > state.Length) throw new FormatException($"entry '{name}' is truncated");
                reader.BaseStream.Position += bytes;
                entries.Add((name, start, (int)(reader.BaseStream.Position - start)));
            }
            if (reader.BaseStream.Position != state.Length) throw new FormatException($"{state.Length - reader.BaseStream.Position} bytes follow the last entry");
            return entries;
        }
        catch (Exception e) when (e is EndOfStreamException or OverflowException or IOException)
        {
            throw new FormatException($"The bytes are not a TorchSharp module state: {e.Message}", e);
        }
        catch (FormatException e) when (!e.Message.StartsWith("The bytes", StringComparison.Ordinal))
        {
            throw new FormatException($"The bytes are not a TorchSharp module state: {e.Message}.", e);
        }
    }

    private static int ElementSize(ScalarType type, string name) => type switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.ComplexFloat64 => 16,
        _ => throw new FormatException($"entry '{name}' has an unknown element type {(int)type}"),
    };
}
