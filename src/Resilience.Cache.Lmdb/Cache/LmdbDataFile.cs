using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Resilience;

/// <summary>
/// Checks an LMDB data file (<c>data.mdb</c>) before LMDB maps it. LMDB 0.9 trusts its pages: a
/// truncated copy makes reads touch pages past the end of the file (SIGBUS), and a damaged node
/// offset, size or page number makes it read outside the page or the file (SIGSEGV/SIGBUS): a
/// crashed node. This reads the two meta pages and walks the pages LMDB will dereference from the
/// newest one (the branch and leaf pages of both B-trees and the first page of every overflow run),
/// checking every offset, size and page number against the page and the file, and refuses the file
/// on the first inconsistency. It reads a few pages, never the values.
/// </summary>
/// <remarks>
/// The layout is LMDB 0.9's (data version 1, 16-byte page header, little-endian, 64-bit). Used only
/// with an LMDB 0.9 library: LMDB 1.x (the library bundled with LightningDB) writes data version 3
/// with a larger page header, and the two cannot open each other's files (LMDB reports that; the
/// cache moves such a directory aside).
/// </remarks>
internal static class LmdbDataFile
{
    public const string DataFileName = "data.mdb";
    public const string LockFileName = "lock.mdb";
    private const uint Magic = 0xBEEFC0DE;
    private const uint DataVersion = 1;
    private const int PageHeaderSize = 16;
    private const int NodeHeaderSize = 8;
    private const ulong InvalidPage = ulong.MaxValue;
    private const int MaxPagesVisited = 100_000;

    // Page flags and leaf node flags (lmdb.h / mdb.c).
    private const ushort BranchPage = 0x01;
    private const ushort LeafPage = 0x02;
    private const ushort OverflowPage = 0x04;
    private const ushort MetaPage = 0x08;
    private const ushort Leaf2Page = 0x20;
    private const ushort BigDataNode = 0x01;

    // Database flags that make LMDB read values as sub-pages or sub-databases; neither tree of this cache uses them.
    private const ushort DuplicateFlags = 0x04 | 0x10 | 0x20 | 0x40; // MDB_DUPSORT, MDB_DUPFIXED, MDB_INTEGERDUP, MDB_REVERSEDUP

    // MDB_meta after the page header: magic 4, version 4, address 8, mapsize 8, dbs[2] 2x48, last_pg 8, txnid 8.
    private const int MetaSize = 4 + 4 + 8 + 8 + (2 * DbSize) + 8 + 8;
    private const int DbSize = 48; // pad 4, flags 2, depth 2, branch 8, leaf 8, overflow 8, entries 8, root 8
    private const int DbsOffset = 4 + 4 + 8 + 8;
    private const int LastPageOffset = DbsOffset + (2 * DbSize);
    private const int TransactionIdOffset = LastPageOffset + 8;

    /// <summary>Checks the data file of an environment directory.</summary>
    /// <returns>Why the file must not be opened, or <see langword="null"/> when it is absent, empty or consistent.</returns>
    public static string? Check(string directory)
    {
        var path = Path.Combine(directory, DataFileName);
        if (!File.Exists(path))
        {
            return null; // A new environment.
        }

        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(file);
        if (length == 0)
        {
            return null; // LMDB initialises an empty file.
        }

        var first = new byte[PageHeaderSize + MetaSize];
        if (RandomAccess.Read(file, first, 0) < first.Length)
        {
            return $"{DataFileName} is {length} bytes, too short for an LMDB meta page (truncated?)";
        }

        var meta0 = first.AsSpan(PageHeaderSize);
        if (BinaryPrimitives.ReadUInt32LittleEndian(meta0) != Magic)
        {
            return $"{DataFileName} is not an LMDB data file (bad magic)";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(meta0[4..]) != DataVersion)
        {
            return null; // Another LMDB data version: LMDB itself accepts or refuses it.
        }

        var pageSize = BinaryPrimitives.ReadUInt32LittleEndian(meta0[DbsOffset..]); // mm_dbs[FREE_DBI].md_pad
        if (pageSize is < 512 or > 65536 || (pageSize & (pageSize - 1)) != 0)
        {
            return $"{DataFileName} records an impossible page size {pageSize}";
        }

        if (length < 2L * pageSize)
        {
            return $"{DataFileName} is {length} bytes, shorter than its two {pageSize}-byte meta pages (truncated?)";
        }

        var second = new byte[PageHeaderSize + MetaSize];
        RandomAccess.Read(file, second, pageSize);
        var newest = first;
        if (BinaryPrimitives.ReadUInt32LittleEndian(second.AsSpan(PageHeaderSize)) == Magic
            && BinaryPrimitives.ReadUInt64LittleEndian(second.AsSpan(PageHeaderSize + TransactionIdOffset)) > BinaryPrimitives.ReadUInt64LittleEndian(meta0[TransactionIdOffset..]))
        {
            newest = second;
        }

        var meta = newest.AsSpan(PageHeaderSize);
        var lastPage = BinaryPrimitives.ReadUInt64LittleEndian(meta[LastPageOffset..]);
        if (lastPage < 1 || lastPage >= (ulong)long.MaxValue / pageSize)
        {
            return $"{DataFileName} records an impossible last page {lastPage}";
        }

        var needed = ((long)lastPage + 1) * pageSize;
        if (length < needed)
        {
            return $"{DataFileName} is {length} bytes but its last committed page ends at {needed} (truncated?)";
        }

        var walker = new TreeWalker(file, (int)pageSize, lastPage);
        for (var db = 0; db < 2; db++)
        {
            var record = meta.Slice(DbsOffset + (db * DbSize), DbSize);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(record[4..]);
            if ((flags & DuplicateFlags) != 0)
            {
                return $"{DataFileName}: the {(db == 0 ? "free-page" : "main")} tree records flags 0x{flags:x} this cache never writes";
            }

            var depth = BinaryPrimitives.ReadUInt16LittleEndian(record[6..]);
            var root = BinaryPrimitives.ReadUInt64LittleEndian(record[40..]);
            if (root != InvalidPage && walker.Walk(root, depth) is { } problem)
            {
                return $"{DataFileName}: the {(db == 0 ? "free-page" : "main")} tree is damaged: {problem}";
            }
        }

        return null;
    }

    /// <summary>Visits a B-tree's pages, checking everything LMDB dereferences without checking.</summary>
    private sealed class TreeWalker(SafeFileHandle file, int pageSize, ulong lastPage)
    {
        private readonly byte[] _page = new byte[pageSize];
        private readonly byte[] _header = new byte[PageHeaderSize];
        private int _visited;

        public string? Walk(ulong root, int depth)
        {
            if (depth is < 1 or > 32)
            {
                return $"impossible depth {depth}";
            }

            var pending = new Stack<(ulong Page, int Level)>();
            pending.Push((root, 1));
            while (pending.TryPop(out var item))
            {
                if (++_visited > MaxPagesVisited)
                {
                    return $"more than {MaxPagesVisited} pages (a loop?)";
                }

                if (item.Page < 2 || item.Page > lastPage)
                {
                    return $"page {item.Page} is outside 2..{lastPage}";
                }

                RandomAccess.Read(file, _page, (long)item.Page * pageSize);
                var page = _page.AsSpan();
                var flags = BinaryPrimitives.ReadUInt16LittleEndian(page[10..]);
                var isBranch = (flags & BranchPage) != 0;
                var isLeaf = (flags & LeafPage) != 0;
                if (isBranch == isLeaf || (flags & (OverflowPage | MetaPage | Leaf2Page)) != 0)
                {
                    return $"page {item.Page} has flags 0x{flags:x}, not a branch or leaf page";
                }

                if (isLeaf != (item.Level == depth))
                {
                    return $"page {item.Page} is a {(isLeaf ? "leaf" : "branch")} at level {item.Level} of {depth}";
                }

                var lower = BinaryPrimitives.ReadUInt16LittleEndian(page[12..]);
                var upper = BinaryPrimitives.ReadUInt16LittleEndian(page[14..]);
                if (lower < PageHeaderSize || upper < lower || upper > pageSize || ((lower - PageHeaderSize) & 1) != 0)
                {
                    return $"page {item.Page} has bounds {lower}..{upper}";
                }

                var keys = (lower - PageHeaderSize) / 2;
                for (var i = 0; i < keys; i++)
                {
                    var problem = CheckNode(page, item.Page, BinaryPrimitives.ReadUInt16LittleEndian(page[(PageHeaderSize + (2 * i))..]), upper, isLeaf, out var child);
                    if (problem is not null)
                    {
                        return problem;
                    }

                    if (isBranch)
                    {
                        pending.Push((child, item.Level + 1));
                    }
                }
            }

            return null;
        }

        private string? CheckNode(Span<byte> page, ulong pageNumber, int offset, int upper, bool isLeaf, out ulong child)
        {
            child = 0;
            if (offset < upper || offset + NodeHeaderSize > pageSize)
            {
                return $"page {pageNumber} has a node at offset {offset} outside {upper}..{pageSize}";
            }

            var node = page[offset..];
            var low = BinaryPrimitives.ReadUInt16LittleEndian(node);
            var high = BinaryPrimitives.ReadUInt16LittleEndian(node[2..]);
            var nodeFlags = BinaryPrimitives.ReadUInt16LittleEndian(node[4..]);
            var keySize = BinaryPrimitives.ReadUInt16LittleEndian(node[6..]);
            var dataStart = offset + NodeHeaderSize + keySize;
            if (dataStart > pageSize)
            {
                return $"page {pageNumber} has a key of {keySize} bytes past the page end";
            }

            if (!isLeaf)
            {
                child = low | ((ulong)high << 16) | ((ulong)nodeFlags << 32);
                return null;
            }

            var dataSize = low | ((long)high << 16);
            if ((nodeFlags & ~BigDataNode) != 0)
            {
                // Sub-page or sub-database values: this cache writes none, and LMDB would follow them blindly.
                return $"page {pageNumber} has a node with flags 0x{nodeFlags:x}";
            }

            if ((nodeFlags & BigDataNode) == 0)
            {
                return dataStart + dataSize > pageSize ? $"page {pageNumber} has a value of {dataSize} bytes past the page end" : null;
            }

            if (dataStart + 8 > pageSize)
            {
                return $"page {pageNumber} has an overflow reference past the page end";
            }

            var overflow = BinaryPrimitives.ReadUInt64LittleEndian(node[(NodeHeaderSize + keySize)..]);
            if (overflow < 2 || overflow > lastPage)
            {
                return $"page {pageNumber} refers to overflow page {overflow} outside 2..{lastPage}";
            }

            RandomAccess.Read(file, _header, (long)overflow * pageSize);
            var overflowFlags = BinaryPrimitives.ReadUInt16LittleEndian(_header.AsSpan(10));
            var pages = BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(12));
            if ((overflowFlags & OverflowPage) == 0 || pages == 0 || overflow + pages - 1 > lastPage)
            {
                return $"overflow page {overflow} (flags 0x{overflowFlags:x}, {pages} pages) does not fit 2..{lastPage}";
            }

            return dataSize > ((long)pages * pageSize) - PageHeaderSize
                ? $"a value of {dataSize} bytes does not fit its {pages} overflow pages"
                : null;
        }
    }
}
