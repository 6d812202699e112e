namespace Resilience;

/// <summary>
/// The on-disk layout of LMDB 0.9 (data version 1: 16-byte page header, little-endian, 64-bit), as far as the
/// pre-check reads it (<c>mdb.c</c>: <c>MDB_page</c>, <c>MDB_meta</c>, <c>MDB_db</c>, <c>MDB_node</c>), and the marks of
/// LMDB 1.x (data version 2, 24-byte page header, which adds the page's transaction id).
/// </summary>
internal static class LmdbLayout
{
    public const uint Magic = 0xBEEFC0DE;
    public const uint DataVersion = 1;
    public const int PageHeaderSize = 16;
    public const int NodeHeaderSize = 8;
    public const ulong InvalidPage = ulong.MaxValue;
    public const int MetaPageCount = 2;

    /// <summary>LMDB's largest page (<c>MAX_PAGESIZE</c>); the smallest a file of this cache can have is the smallest system page.</summary>
    public const int MaxPageSize = 0x10000;
    public const int MinPageSize = 512;

    // Page header: mp_pgno 8, mp_pad 2, mp_flags 2, mp_lower 2, mp_upper 2 (mp_pages 4 on overflow pages).
    public const int PageNumberOffset = 0;
    public const int PageFlagsOffset = 10;
    public const int PageLowerOffset = 12;
    public const int PageUpperOffset = 14;
    public const int OverflowCountOffset = 12;

    // Page flags (mdb.c).
    public const ushort BranchPage = 0x01;
    public const ushort LeafPage = 0x02;
    public const ushort OverflowPage = 0x04;
    public const ushort MetaPage = 0x08;

    // Leaf node flags.
    public const ushort BigDataNode = 0x01;

    // MDB_meta after the page header: magic 4, version 4, address 8, mapsize 8, dbs[2] 2x48, last_pg 8, txnid 8.
    public const int DbSize = 48; // md_pad 4 (the page size in the free tree's record), md_flags 2, md_depth 2, branch 8, leaf 8, overflow 8, entries 8, root 8
    public const int MagicOffset = 0;
    public const int VersionOffset = 4;
    public const int MapSizeOffset = 16;
    public const int DbsOffset = 24;
    public const int LastPageOffset = DbsOffset + (2 * DbSize);
    public const int TransactionIdOffset = LastPageOffset + 8;
    public const int MetaSize = TransactionIdOffset + 8;

    // Inside an MDB_db record.
    public const int DbPadOffset = 0;
    public const int DbFlagsOffset = 4;
    public const int DbDepthOffset = 6;
    public const int DbRootOffset = 40;

    // Database flags (lmdb.h). The free tree is always MDB_INTEGERKEY; the low 16 bits of the environment flags
    // (MDB_FIXEDMAP, MDB_NOSUBDIR) are stored beside it (mm_flags). The main tree of this cache has none.
    public const ushort IntegerKey = 0x08;
    public const ushort FreeTreeAllowedFlags = IntegerKey | 0x01 | 0x4000;

    /// <summary>LMDB 1.x's page header (mp_pgno 8, mp_txnid 8, mp_pad 2, mp_flags 2, lower 2, upper 2).</summary>
    public const int Lmdb1PageHeaderSize = 24;
    public const int Lmdb1PageFlagsOffset = 18;

    /// <summary>The pages an overflow value of <paramref name="size"/> bytes occupies (<c>OVPAGES</c>).</summary>
    public static long OverflowPages(long size, int pageSize) => ((PageHeaderSize - 1 + size) / pageSize) + 1;
}
