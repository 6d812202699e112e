using System.Buffers.Binary;

namespace Resilience;

/// <summary>
/// Checks an LMDB data file (<c>data.mdb</c>) before LMDB maps it. LMDB trusts its file: a
/// truncated copy makes reads touch pages past the end of the file (SIGBUS, a crashed node), and a
/// foreign file is only rejected after mapping. This reads the two meta pages (LMDB 0.9 layout,
/// little-endian) and refuses a file whose newest meta page points past its end. Used only with an
/// LMDB 0.9 library: LMDB 1.x (the library bundled with LightningDB) has a larger page header, and
/// its files and 0.9 files cannot open each other (LMDB reports that; the cache moves them aside).
/// </summary>
internal static class LmdbDataFile
{
    public const string DataFileName = "data.mdb";
    public const string LockFileName = "lock.mdb";
    private const uint Magic = 0xBEEFC0DE;
    private const uint DataVersion = 1;
    private const int PageHeaderSize = 16;

    // MDB_meta after the page header: magic 4, version 4, address 8, mapsize 8, dbs[2] 2x48, last_pg 8, txnid 8.
    private const int MetaSize = 4 + 4 + 8 + 8 + (2 * 48) + 8 + 8;
    private const int PageSizeOffset = 4 + 4 + 8 + 8; // mm_dbs[FREE_DBI].md_pad holds the page size
    private const int LastPageOffset = 4 + 4 + 8 + 8 + (2 * 48);
    private const int TransactionIdOffset = LastPageOffset + 8;

    /// <summary>Checks the data file of an environment directory.</summary>
    /// <returns>Why the file must not be opened, or <see langword="null"/> when it is absent, empty or plausible.</returns>
    public static string? Check(string directory)
    {
        var path = Path.Combine(directory, DataFileName);
        if (!File.Exists(path))
        {
            return null; // A new environment.
        }

        using var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete });
        var length = file.Length;
        if (length == 0)
        {
            return null; // LMDB initialises an empty file.
        }

        Span<byte> first = stackalloc byte[PageHeaderSize + MetaSize];
        if (file.ReadAtLeast(first, first.Length, throwOnEndOfStream: false) < first.Length)
        {
            return $"{DataFileName} is {length} bytes, too short for an LMDB meta page (truncated?)";
        }

        var meta0 = first[PageHeaderSize..];
        if (BinaryPrimitives.ReadUInt32LittleEndian(meta0) != Magic)
        {
            return $"{DataFileName} is not an LMDB data file (bad magic)";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(meta0[4..]) != DataVersion)
        {
            return null; // Another LMDB data version: LMDB itself accepts or refuses it.
        }

        var pageSize = BinaryPrimitives.ReadUInt32LittleEndian(meta0[PageSizeOffset..]);
        if (pageSize is < 512 or > 65536 || (pageSize & (pageSize - 1)) != 0)
        {
            return $"{DataFileName} records an impossible page size {pageSize}";
        }

        if (length < 2L * pageSize)
        {
            return $"{DataFileName} is {length} bytes, shorter than its two {pageSize}-byte meta pages (truncated?)";
        }

        Span<byte> second = stackalloc byte[PageHeaderSize + MetaSize];
        file.Position = pageSize;
        file.ReadExactly(second);
        var meta1 = second[PageHeaderSize..];

        var newest = meta0;
        if (BinaryPrimitives.ReadUInt32LittleEndian(meta1) == Magic
            && BinaryPrimitives.ReadUInt64LittleEndian(meta1[TransactionIdOffset..]) > BinaryPrimitives.ReadUInt64LittleEndian(meta0[TransactionIdOffset..]))
        {
            newest = meta1;
        }

        var lastPage = BinaryPrimitives.ReadUInt64LittleEndian(newest[LastPageOffset..]);
        if (lastPage >= (ulong)long.MaxValue / pageSize)
        {
            return $"{DataFileName} records an impossible last page {lastPage}";
        }

        var needed = ((long)lastPage + 1) * pageSize;
        return length < needed
            ? $"{DataFileName} is {length} bytes but its last committed page ends at {needed} (truncated?)"
            : null;
    }
}
