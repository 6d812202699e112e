using Microsoft.Win32.SafeHandles;

namespace Resilience;

/// <summary>
/// Checks an LMDB 0.9 data file (<c>data.mdb</c>) before LMDB maps it. LMDB 0.9 trusts its meta pages and trees: a page
/// size, a last page number or a node that does not fit the file makes it touch memory past the map (SIGBUS, SIGSEGV),
/// divide by zero or fail an assertion (SIGABRT): a crashed node, at every start. This reads both meta pages as LMDB
/// does (<c>mdb_env_read_header</c>: meta page 0 at offset 0, meta page 1 at meta page 0's page size; the one with the
/// higher transaction id is used, its page size for everything) and checks every field LMDB trusts in both, then walks
/// the pages both meta pages' trees reach. It refuses the file on the first inconsistency; it reads a few pages and
/// the free-page lists, never the values.
/// </summary>
/// <remarks>
/// <para>Where LMDB refuses a file itself before mapping it (a page that is not a meta page, a bad magic, another data
/// version) the check leaves it to LMDB, whose error is then the logged reason. A file written by LMDB 1.x (data
/// version 2, the library bundled with LightningDB) is recognised and refused with that reason.</para>
/// <para>Stricter than LMDB where a file LMDB would open cannot have been written by LMDB (the meta pages disagree on
/// the page size, the newer meta page is not the one its transaction id selects, a tree is malformed): such a file is
/// refused too. Only for the LMDB 0.9 layout: the cache does not run it with an LMDB 1.x library.</para>
/// </remarks>
internal static class LmdbDataFile
{
    public const string DataFileName = "data.mdb";
    public const string LockFileName = "lock.mdb";

    /// <summary>Largest map size accepted in a meta page: beyond the 48-bit address space no map can be made.</summary>
    private const ulong MaxMapSize = 1UL << 48;

    /// <summary>Checks the data file of an environment directory.</summary>
    /// <returns>Why the file must not be opened, or <see langword="null"/> when it is absent, empty, consistent, or one LMDB refuses cleanly itself.</returns>
    public static string? Check(string directory)
    {
        var path = Path.Combine(directory, DataFileName);
        if (!File.Exists(path))
        {
            return null; // A new environment.
        }

        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(file);
        return length == 0 ? null : Check(file, length); // LMDB initialises an empty file.
    }

    private static string? Check(SafeFileHandle file, long length)
    {
        if (LmdbMeta.Read(file, 0, 0) is not { } meta0)
        {
            return $"{DataFileName} is {length} bytes, too short for an LMDB meta page (truncated?)";
        }

        if (!meta0.IsReadableByLmdb)
        {
            return meta0.LooksLikeLmdb1
                ? $"{DataFileName} was written by LMDB 1.x (data version {meta0.Lmdb1Version}); the LMDB library in use (0.9) reads data version {LmdbLayout.DataVersion} only (set {LmdbConfigCacheDefaults.Section}:NativeLibrary alike on every node that shares cache files)"
                : null; // LMDB refuses it before mapping (MDB_INVALID, MDB_VERSION_MISMATCH) and says why.
        }

        var pageSize = meta0.PageSize;
        if (pageSize is < LmdbLayout.MinPageSize or > LmdbLayout.MaxPageSize || (pageSize & (pageSize - 1)) != 0)
        {
            return $"{DataFileName}: meta page 0 records an impossible page size {pageSize}";
        }

        if (length < LmdbLayout.MetaPageCount * (long)pageSize || LmdbMeta.Read(file, 1, pageSize) is not { } meta1)
        {
            return $"{DataFileName} is {length} bytes, shorter than its two {pageSize}-byte meta pages (truncated?)";
        }

        if (!meta1.IsReadableByLmdb)
        {
            return null; // As above: LMDB reads meta page 1 before mapping and refuses the file itself.
        }

        // mdb_env_read_header: meta page 1 replaces meta page 0 only with a strictly higher transaction id.
        var (newer, older) = meta1.TransactionId > meta0.TransactionId ? (meta1, meta0) : (meta0, meta1);
        if (meta1.PageSize != pageSize)
        {
            // LMDB would use the newer meta page's page size, and find meta page 1 and every page elsewhere.
            return $"{DataFileName}: meta page 1 records page size {meta1.PageSize}, meta page 0 {pageSize}";
        }

        if ((newer.TransactionId & 1) != (ulong)newer.Index)
        {
            // Transactions read the meta page their id selects (txnid & 1); LMDB writes transaction n to meta page n & 1.
            return $"{DataFileName}: meta page {newer.Index} holds transaction {newer.TransactionId}, which LMDB writes to meta page {newer.TransactionId & 1}";
        }

        foreach (var meta in new[] { newer, older })
        {
            if (CheckMeta(file, length, (int)pageSize, meta) is { } problem)
            {
                return $"{DataFileName}: meta page {meta.Index} ({(meta == newer ? "newer" : "older")}, transaction {meta.TransactionId}): {problem}";
            }
        }

        return null;
    }

    /// <summary>Checks one meta page's fields and the trees it reaches.</summary>
    private static string? CheckMeta(SafeFileHandle file, long length, int pageSize, LmdbMeta meta)
    {
        if (meta.MapSize == 0 || meta.MapSize > MaxMapSize)
        {
            return $"impossible map size {meta.MapSize}";
        }

        var lastPage = meta.LastPage;
        if (lastPage < LmdbLayout.MetaPageCount - 1 || lastPage >= (ulong)(long.MaxValue / pageSize))
        {
            return $"impossible last page {lastPage}";
        }

        var needed = ((long)lastPage + 1) * pageSize;
        if (length < needed)
        {
            return $"the file is {length} bytes but its last committed page ends at {needed} (truncated?)";
        }

        var free = meta.Tree(0);
        if ((free.Flags & ~LmdbLayout.FreeTreeAllowedFlags) != 0 || (free.Flags & LmdbLayout.IntegerKey) == 0)
        {
            return $"the free-page tree records flags 0x{free.Flags:x}, which LMDB never writes";
        }

        var main = meta.Tree(1);
        if (main.Flags != 0)
        {
            return $"the main tree records flags 0x{main.Flags:x} this cache never writes";
        }

        var walker = new LmdbTreeWalker(file, pageSize, lastPage);
        foreach (var (tree, isFree) in new[] { (free, true), (main, false) })
        {
            if (walker.Walk(tree, isFree) is { } problem)
            {
                return $"the {tree.Name} tree is damaged: {problem}";
            }
        }

        return walker.CheckFreePages();
    }
}
