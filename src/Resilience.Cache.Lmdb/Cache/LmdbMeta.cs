using System.Buffers.Binary;

namespace Resilience;

/// <summary>One meta page of an LMDB 0.9 data file, as LMDB reads it (<c>mdb_env_read_header</c>).</summary>
internal sealed class LmdbMeta
{
    private readonly byte[] _page;

    private LmdbMeta(int index, byte[] page)
    {
        Index = index;
        _page = page;
    }

    /// <summary>0 or 1: the meta page's number.</summary>
    public int Index { get; }

    public ushort PageFlags => BinaryPrimitives.ReadUInt16LittleEndian(_page.AsSpan(LmdbLayout.PageFlagsOffset));

    public uint Magic => ReadUInt32(LmdbLayout.MagicOffset);

    public uint Version => ReadUInt32(LmdbLayout.VersionOffset);

    public ulong MapSize => ReadUInt64(LmdbLayout.MapSizeOffset);

    /// <summary><c>mm_psize</c>: the free tree record's pad.</summary>
    public uint PageSize => ReadUInt32(LmdbLayout.DbsOffset + LmdbLayout.DbPadOffset);

    public ulong LastPage => ReadUInt64(LmdbLayout.LastPageOffset);

    public ulong TransactionId => ReadUInt64(LmdbLayout.TransactionIdOffset);

    /// <summary>Whether LMDB reads this as a meta page at all; it refuses the file (MDB_INVALID, MDB_VERSION_MISMATCH) before mapping it when not.</summary>
    public bool IsReadableByLmdb =>
        (PageFlags & LmdbLayout.MetaPage) != 0 && Magic == LmdbLayout.Magic && Version == LmdbLayout.DataVersion;

    /// <summary>Whether the page carries LMDB 1.x's meta page marks (its page header is 8 bytes longer).</summary>
    public bool LooksLikeLmdb1 =>
        (BinaryPrimitives.ReadUInt16LittleEndian(_page.AsSpan(LmdbLayout.Lmdb1PageFlagsOffset)) & LmdbLayout.MetaPage) != 0
        && BinaryPrimitives.ReadUInt32LittleEndian(_page.AsSpan(LmdbLayout.Lmdb1PageHeaderSize)) == LmdbLayout.Magic;

    public uint Lmdb1Version => BinaryPrimitives.ReadUInt32LittleEndian(_page.AsSpan(LmdbLayout.Lmdb1PageHeaderSize + 4));

    /// <summary>The free-page tree (0) or the main tree (1).</summary>
    public LmdbTreeRecord Tree(int db)
    {
        var at = LmdbLayout.DbsOffset + (db * LmdbLayout.DbSize);
        return new LmdbTreeRecord(
            db == 0 ? "free-page" : "main",
            BinaryPrimitives.ReadUInt16LittleEndian(Meta.Slice(at + LmdbLayout.DbFlagsOffset)),
            BinaryPrimitives.ReadUInt16LittleEndian(Meta.Slice(at + LmdbLayout.DbDepthOffset)),
            BinaryPrimitives.ReadUInt64LittleEndian(Meta.Slice(at + LmdbLayout.DbRootOffset)));
    }

    private ReadOnlySpan<byte> Meta => _page.AsSpan(LmdbLayout.PageHeaderSize);

    /// <summary>Reads the meta page at <paramref name="offset"/>, or <see langword="null"/> when the file ends before it does.</summary>
    public static LmdbMeta? Read(Microsoft.Win32.SafeHandles.SafeFileHandle file, int index, long offset)
    {
        // Large enough for either layout's header and meta.
        var page = new byte[LmdbLayout.Lmdb1PageHeaderSize + LmdbLayout.MetaSize + 8];
        var read = RandomAccess.Read(file, page, offset);
        return read < LmdbLayout.PageHeaderSize + LmdbLayout.MetaSize ? null : new LmdbMeta(index, page);
    }

    private uint ReadUInt32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(Meta[offset..]);

    private ulong ReadUInt64(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(Meta[offset..]);
}

/// <summary>An <c>MDB_db</c> record of a meta page: what LMDB follows into a tree.</summary>
internal readonly record struct LmdbTreeRecord(string Name, ushort Flags, ushort Depth, ulong Root);
