using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Resilience;

/// <summary>
/// Visits the pages one meta page's trees reach (branch and leaf pages of the free-page and main trees, every page of
/// every overflow run) and checks everything LMDB 0.9 dereferences without checking: page numbers against the file,
/// each page's own number and flags, node offsets and sizes against the page, overflow runs against their value, and
/// the free-page lists LMDB will hand out on the next write (in the file, distinct, sorted as LMDB keeps them, and not
/// a page a tree still uses, which LMDB would allocate twice and abort on).
/// </summary>
internal sealed class LmdbTreeWalker(SafeFileHandle file, int pageSize, ulong lastPage)
{
    private const int MaxDepth = 32; // LMDB's cursor stack (CURSOR_STACK).

    private readonly byte[] _page = new byte[pageSize];
    private readonly byte[] _header = new byte[LmdbLayout.PageHeaderSize];
    private readonly HashSet<ulong> _used = [];
    private readonly List<ulong[]> _freeLists = [];

    /// <summary>Walks one tree of the meta page; returns the first problem, or <see langword="null"/>.</summary>
    public string? Walk(LmdbTreeRecord tree, bool isFreeTree)
    {
        if (tree.Root == LmdbLayout.InvalidPage)
        {
            return tree.Depth == 0 ? null : $"an empty tree with depth {tree.Depth}";
        }

        if (tree.Depth is < 1 or > MaxDepth)
        {
            return $"impossible depth {tree.Depth}";
        }

        var pending = new Stack<(ulong Page, int Level)>();
        pending.Push((tree.Root, 1));
        while (pending.TryPop(out var item))
        {
            if (Use(item.Page, 1) is { } problem)
            {
                return problem;
            }

            RandomAccess.Read(file, _page, (long)item.Page * pageSize);
            var page = _page.AsSpan();
            var number = BinaryPrimitives.ReadUInt64LittleEndian(page[LmdbLayout.PageNumberOffset..]);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(page[LmdbLayout.PageFlagsOffset..]);
            var isBranch = (flags & LmdbLayout.BranchPage) != 0;
            var isLeaf = (flags & LmdbLayout.LeafPage) != 0;
            // Exactly one of the two: LMDB clears its in-memory marks (dirty, loose, keep) before it writes a page, and
            // would trust them if read back (a "dirty" page is written in place through the read-only map).
            if (flags is not (LmdbLayout.BranchPage or LmdbLayout.LeafPage))
            {
                return $"page {item.Page} has flags 0x{flags:x}, not a branch or leaf page";
            }

            if (number != item.Page)
            {
                return $"page {item.Page} says it is page {number}";
            }

            if (isLeaf != (item.Level == tree.Depth))
            {
                return $"page {item.Page} is a {(isLeaf ? "leaf" : "branch")} at level {item.Level} of {tree.Depth}";
            }

            var lower = BinaryPrimitives.ReadUInt16LittleEndian(page[LmdbLayout.PageLowerOffset..]);
            var upper = BinaryPrimitives.ReadUInt16LittleEndian(page[LmdbLayout.PageUpperOffset..]);
            if (lower < LmdbLayout.PageHeaderSize || upper < lower || upper > pageSize || ((lower - LmdbLayout.PageHeaderSize) & 1) != 0)
            {
                return $"page {item.Page} has bounds {lower}..{upper}";
            }

            var keys = (lower - LmdbLayout.PageHeaderSize) / 2;
            if (keys == 0)
            {
                // LMDB removes empty pages; a search in one reads a node pointer that is not there.
                return $"page {item.Page} holds no nodes";
            }

            var lowest = pageSize;
            long packed = 0;
            for (var i = 0; i < keys; i++)
            {
                var offset = BinaryPrimitives.ReadUInt16LittleEndian(page[(LmdbLayout.PageHeaderSize + (2 * i))..]);
                ulong child = 0;
                var nodeProblem = isLeaf
                    ? CheckLeafNode(item.Page, offset, upper, isFreeTree)
                    : CheckBranchNode(item.Page, offset, upper, out child);
                if (nodeProblem is not null)
                {
                    return nodeProblem;
                }

                lowest = Math.Min(lowest, offset);
                packed += NodeSize(offset, isLeaf);
                if (isBranch)
                {
                    pending.Push((child, item.Level + 1));
                }
            }

            // LMDB packs nodes from the page end down to mp_upper and computes free space from the bounds: a node area
            // that is not exactly that (overlapping nodes, a moved bound) makes it overwrite nodes or fail a write for good.
            if (lowest != upper || packed != pageSize - upper)
            {
                return $"page {item.Page} has nodes of {packed} bytes from offset {lowest}, but its bounds say {pageSize - upper} bytes from {upper}";
            }
        }

        return null;
    }

    /// <summary>The bytes a node takes in its page (<c>mdb_node_add</c>: header, key, data or overflow page number, even).</summary>
    private long NodeSize(int offset, bool isLeaf)
    {
        var node = _page.AsSpan(offset);
        long size = LmdbLayout.NodeHeaderSize + BinaryPrimitives.ReadUInt16LittleEndian(node[6..]);
        if (isLeaf)
        {
            var bigData = (BinaryPrimitives.ReadUInt16LittleEndian(node[4..]) & LmdbLayout.BigDataNode) != 0;
            size += bigData ? sizeof(ulong) : BinaryPrimitives.ReadUInt16LittleEndian(node) | ((long)BinaryPrimitives.ReadUInt16LittleEndian(node[2..]) << 16);
        }

        return size + (size & 1);
    }

    /// <summary>Checks the free-page lists of the walked free tree against the pages the trees use.</summary>
    public string? CheckFreePages()
    {
        var free = new HashSet<ulong>();
        foreach (var list in _freeLists)
        {
            for (var i = 0; i < list.Length; i++)
            {
                var page = list[i];
                if (page < LmdbLayout.MetaPageCount || page > lastPage)
                {
                    return $"the free-page list names page {page}, outside 2..{lastPage}";
                }

                if (i > 0 && page >= list[i - 1])
                {
                    return $"a free-page list is not in descending order ({list[i - 1]}, {page})";
                }

                if (_used.Contains(page))
                {
                    return $"page {page} is both free and in use";
                }

                if (!free.Add(page))
                {
                    return $"page {page} is listed free twice";
                }
            }
        }

        return null;
    }

    private string? Use(ulong page, long count)
    {
        if (page < LmdbLayout.MetaPageCount || page > lastPage || count > (long)(lastPage - page + 1))
        {
            return count == 1
                ? $"page {page} is outside 2..{lastPage}"
                : $"the overflow run {page}+{count} does not fit 2..{lastPage}";
        }

        for (var p = page; p < page + (ulong)count; p++)
        {
            if (!_used.Add(p))
            {
                return $"page {p} is reached twice (a loop or a shared page)";
            }
        }

        return null;
    }

    private string? CheckBranchNode(ulong pageNumber, int offset, int upper, out ulong child)
    {
        child = 0;
        if (NodeBounds(pageNumber, offset, upper, out var keySize) is { } problem)
        {
            return problem;
        }

        var node = _page.AsSpan(offset);
        child = BinaryPrimitives.ReadUInt16LittleEndian(node)
            | ((ulong)BinaryPrimitives.ReadUInt16LittleEndian(node[2..]) << 16)
            | ((ulong)BinaryPrimitives.ReadUInt16LittleEndian(node[4..]) << 32);
        return null;
    }

    private string? CheckLeafNode(ulong pageNumber, int offset, int upper, bool isFreeTree)
    {
        if (NodeBounds(pageNumber, offset, upper, out var keySize) is { } problem)
        {
            return problem;
        }

        var node = _page.AsSpan(offset);
        var dataSize = BinaryPrimitives.ReadUInt16LittleEndian(node) | ((long)BinaryPrimitives.ReadUInt16LittleEndian(node[2..]) << 16);
        var nodeFlags = BinaryPrimitives.ReadUInt16LittleEndian(node[4..]);
        var dataStart = offset + LmdbLayout.NodeHeaderSize + keySize;
        if ((nodeFlags & ~LmdbLayout.BigDataNode) != 0)
        {
            // Sub-page or sub-database values: this cache writes none, and LMDB would follow them blindly.
            return $"page {pageNumber} has a node with flags 0x{nodeFlags:x}";
        }

        if (isFreeTree && keySize != sizeof(ulong))
        {
            return $"page {pageNumber} has a free-page list keyed by {keySize} bytes, not a transaction id";
        }

        ReadOnlySpan<byte> inline = default;
        ulong overflow = 0;
        if ((nodeFlags & LmdbLayout.BigDataNode) == 0)
        {
            if (dataStart + dataSize > pageSize)
            {
                return $"page {pageNumber} has a value of {dataSize} bytes past the page end";
            }

            inline = _page.AsSpan(dataStart, (int)dataSize);
        }
        else
        {
            if (dataStart + sizeof(ulong) > pageSize)
            {
                return $"page {pageNumber} has an overflow reference past the page end";
            }

            overflow = BinaryPrimitives.ReadUInt64LittleEndian(_page.AsSpan(dataStart));
            if (CheckOverflowRun(pageNumber, overflow, dataSize) is { } runProblem)
            {
                return runProblem;
            }
        }

        return isFreeTree ? ReadFreeList(pageNumber, inline, overflow, dataSize) : null;
    }

    private string? NodeBounds(ulong pageNumber, int offset, int upper, out int keySize)
    {
        keySize = 0;
        if (offset < upper || offset + LmdbLayout.NodeHeaderSize > pageSize)
        {
            return $"page {pageNumber} has a node at offset {offset} outside {upper}..{pageSize}";
        }

        keySize = BinaryPrimitives.ReadUInt16LittleEndian(_page.AsSpan(offset + 6));
        return offset + LmdbLayout.NodeHeaderSize + keySize > pageSize
            ? $"page {pageNumber} has a key of {keySize} bytes past the page end"
            : null;
    }

    private string? CheckOverflowRun(ulong pageNumber, ulong overflow, long dataSize)
    {
        if (overflow < LmdbLayout.MetaPageCount || overflow > lastPage)
        {
            return $"page {pageNumber} refers to overflow page {overflow} outside 2..{lastPage}";
        }

        RandomAccess.Read(file, _header, (long)overflow * pageSize);
        var number = BinaryPrimitives.ReadUInt64LittleEndian(_header.AsSpan(LmdbLayout.PageNumberOffset));
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(_header.AsSpan(LmdbLayout.PageFlagsOffset));
        var pages = BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(LmdbLayout.OverflowCountOffset));
        if (flags != LmdbLayout.OverflowPage || number != overflow)
        {
            return $"overflow page {overflow} has flags 0x{flags:x} and says it is page {number}";
        }

        // LMDB reads the value's size from the node and frees the run by the page's count: both must agree.
        var expected = LmdbLayout.OverflowPages(dataSize, pageSize);
        if (pages != expected)
        {
            return $"a value of {dataSize} bytes does not fit its overflow run of {pages} pages (it needs exactly {expected})";
        }

        return Use(overflow, pages);
    }

    private string? ReadFreeList(ulong pageNumber, ReadOnlySpan<byte> inline, ulong overflow, long dataSize)
    {
        // An IDL: a count, then that many page numbers (MDB_IDL); LMDB copies count entries from the value.
        if (dataSize < sizeof(ulong) || dataSize % sizeof(ulong) != 0 || dataSize > ((long)lastPage + 2) * sizeof(ulong))
        {
            return $"page {pageNumber} has a free-page list of {dataSize} bytes";
        }

        byte[] bytes;
        if (inline.IsEmpty)
        {
            bytes = new byte[dataSize];
            RandomAccess.Read(file, bytes, ((long)overflow * pageSize) + LmdbLayout.PageHeaderSize);
        }
        else
        {
            bytes = inline.ToArray();
        }

        var count = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (count > (ulong)(dataSize / sizeof(ulong)) - 1)
        {
            return $"page {pageNumber} has a free-page list of {count} pages in {dataSize} bytes";
        }

        var list = new ulong[count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan((i + 1) * sizeof(ulong)));
        }

        _freeLists.Add(list);
        return null;
    }
}
