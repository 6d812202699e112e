using System.Buffers.Binary;

/// <summary>
/// One reproducible damage of an LMDB 0.9 <c>data.mdb</c>: byte patches and an optional new length. A mutation is derived
/// from a seed alone (<see cref="FromSeed"/>, <see cref="Random"/> with a seed is stable across runtimes), so a process
/// death in the fuzz names the exact bytes; <see cref="ToString"/> prints them for a regression test.
/// </summary>
public sealed class LmdbMutation
{
    /// <summary>The LMDB 0.9 meta fields (offset inside the meta page, size), in <c>MDB_meta</c> order after the 16-byte page header.</summary>
    public static readonly IReadOnlyList<(string Name, int Offset, int Size)> MetaFields =
    [
        ("page flags", 10, 2), ("page lower", 12, 2), ("page upper", 14, 2),
        ("magic", 16, 4), ("version", 20, 4), ("address", 24, 8), ("mapsize", 32, 8),
        ("free pad (page size)", 40, 4), ("free flags", 44, 2), ("free depth", 46, 2), ("free branch pages", 48, 8),
        ("free leaf pages", 56, 8), ("free overflow pages", 64, 8), ("free entries", 72, 8), ("free root", 80, 8),
        ("main pad", 88, 4), ("main flags", 92, 2), ("main depth", 94, 2), ("main branch pages", 96, 8),
        ("main leaf pages", 104, 8), ("main overflow pages", 112, 8), ("main entries", 120, 8), ("main root", 128, 8),
        ("last page", 136, 8), ("txnid", 144, 8),
    ];

    public LmdbMutation(IReadOnlyList<(long Offset, byte[] Bytes)> patches, long? length = null, string description = "")
    {
        Patches = patches;
        Length = length;
        Description = description;
    }

    public IReadOnlyList<(long Offset, byte[] Bytes)> Patches { get; }

    /// <summary>The file's new length (truncated or extended with zeros), or <see langword="null"/> to keep it.</summary>
    public long? Length { get; }

    public string Description { get; }

    /// <summary>The damaged copy of <paramref name="original"/>.</summary>
    public byte[] Apply(byte[] original)
    {
        var bytes = original.ToArray();
        if (Length is { } length)
        {
            Array.Resize(ref bytes, (int)length);
        }

        foreach (var (offset, patch) in Patches)
        {
            for (var i = 0; i < patch.Length && offset + i < bytes.Length; i++)
            {
                bytes[offset + i] = patch[i];
            }
        }

        return bytes;
    }

    /// <summary>
    /// The mutation for <paramref name="seed"/> of a file: half targeted at one field of either meta page (interesting
    /// values: 0, 1, all ones, neighbours, the other meta's value, page sizes, page numbers around the file's end),
    /// the rest random byte flips and sets (anywhere, or in page headers and node areas where LMDB looks), some of
    /// them on top of a targeted change, and a few truncations or extensions.
    /// </summary>
    public static LmdbMutation FromSeed(byte[] original, int seed, int pageSize = 4096)
    {
        var random = new Random(seed);
        var patches = new List<(long, byte[])>();
        var what = new List<string>();
        long? length = null;
        var kind = random.Next(100);
        if (kind < 50 || kind >= 90)
        {
            var meta = random.Next(2);
            var (name, offset, size) = MetaFields[random.Next(MetaFields.Count)];
            var at = (meta * pageSize) + offset;
            var value = Interesting(random, original, at, size, pageSize, meta);
            patches.Add((at, value));
            what.Add($"meta {meta} {name} = 0x{Convert.ToHexString(Enumerable.Reverse(value).ToArray())}");
        }

        if (kind >= 50 && kind < 95)
        {
            var edits = 1 + random.Next(kind < 90 ? 8 : 3);
            for (var i = 0; i < edits; i++)
            {
                long at = random.Next(3) switch
                {
                    0 => random.Next(original.Length),
                    1 => (random.Next(original.Length / pageSize) * pageSize) + random.Next(64),
                    _ => (random.Next(1, (original.Length / pageSize) + 1) * pageSize) - 1 - random.Next(512),
                };
                var old = original[at];
                var b = random.Next(4) switch
                {
                    0 => (byte)(old ^ (1 << random.Next(8))),
                    1 => (byte)random.Next(256),
                    2 => (byte)0,
                    _ => (byte)0xff,
                };
                patches.Add((at, [b]));
                what.Add($"[{at}] = 0x{b:x2}");
            }
        }

        if (kind >= 95)
        {
            length = random.Next(3) switch
            {
                0 => random.Next(original.Length),
                1 => original.Length - pageSize,
                _ => original.Length + (pageSize * random.Next(1, 4)),
            };
            what.Add($"length = {length}");
        }

        return new LmdbMutation(patches, length, string.Join(", ", what));
    }

    /// <summary>C# source for a regression test: the patches and length as literals.</summary>
    public override string ToString() =>
        $"patches [{string.Join(", ", Patches.Select(p => $"({p.Offset}, \"{Convert.ToHexString(p.Bytes)}\")"))}], length {Length?.ToString() ?? "unchanged"} ({Description})";

    private static byte[] Interesting(Random random, byte[] original, int at, int size, int pageSize, int meta)
    {
        var current = size switch
        {
            2 => BinaryPrimitives.ReadUInt16LittleEndian(original.AsSpan(at)),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(original.AsSpan(at)),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(at)),
        };
        var other = (1 - meta) * pageSize + (at % pageSize);
        var otherValue = size switch
        {
            2 => BinaryPrimitives.ReadUInt16LittleEndian(original.AsSpan(other)),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(original.AsSpan(other)),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(other)),
        };
        ulong pages = (ulong)(original.Length / pageSize);
        ulong[] pageSizes = [0, 256, 512, 1024, 2048, 4095, 8192, 16384, 32768, 65536, 131072, 1u << 31];
        ulong value = random.Next(12) switch
        {
            0 => 0,
            1 => 1,
            2 => ulong.MaxValue,
            3 => current + 1,
            4 => current - 1,
            5 => otherValue,
            6 => current ^ (1UL << random.Next(size * 8)),
            7 => pageSizes[random.Next(pageSizes.Length)],
            8 => pages - 1 + (ulong)random.Next(3),
            9 => pages * (ulong)random.Next(2, 64),
            10 => (ulong)random.NextInt64(),
            _ => 1UL << random.Next(size * 8),
        };
        var bytes = new byte[size];
        switch (size)
        {
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)value); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)value); break;
            default: BinaryPrimitives.WriteUInt64LittleEndian(bytes, value); break;
        }

        return bytes;
    }
}
