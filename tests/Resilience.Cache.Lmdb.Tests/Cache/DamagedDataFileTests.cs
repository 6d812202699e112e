using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.Cache.Lmdb.Tests;

/// <summary>
/// Damage inside the B-tree pages is found by the preflight before LMDB 0.9 follows it: the cache is
/// moved aside with a precise reason and the chain goes on. Without the tree walk, damaged node flags
/// crashed the test host (SIGSEGV in liblmdb); LMDB caught the bad page flags and overflow page number
/// itself, and loaded the tree despite the wrong depth and database flags.
/// </summary>
public sealed class DamagedDataFileTests : IDisposable
{
    private const int PageSize = 4096;
    private readonly TempDirectory _temp = new();

    private string CachePath => _temp.Combine("dbless.lmdb");

    private string DataFile => Path.Combine(CachePath, "data.mdb");

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("node flags", "node with flags")]
    [InlineData("overflow page number", "overflow page")]
    [InlineData("node offset", "outside")]
    [InlineData("value size", "does not fit")]
    [InlineData("page flags", "not a branch or leaf page")]
    [InlineData("tree depth", "is a leaf at level")]
    [InlineData("database flags", "never writes")]
    public async Task Damaged_tree_page_is_moved_aside_instead_of_crashing_the_node(string damage, string reported)
    {
        using (var cache = TestConfigs.Cache(CachePath))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("tree", 64 * 1024)), default);
        }

        var bytes = await File.ReadAllBytesAsync(DataFile);
        var (meta, root) = NewestMainTree(bytes);
        var page = bytes.AsSpan(checked((int)root * PageSize), PageSize);
        var configNode = FindNode(page, "config"u8);
        switch (damage)
        {
            case "node flags":
                page[configNode + 4] = 0x07; // big data + sub-database + duplicates
                break;
            case "overflow page number":
                BinaryPrimitives.WriteUInt64LittleEndian(page[(configNode + 8 + 6)..], 1_000_000);
                break;
            case "node offset":
                BinaryPrimitives.WriteUInt16LittleEndian(page[16..], PageSize - 2);
                break;
            case "value size":
                BinaryPrimitives.WriteUInt16LittleEndian(page[(configNode + 2)..], 0x7fff);
                break;
            case "page flags":
                BinaryPrimitives.WriteUInt16LittleEndian(page[10..], 0x7878);
                break;
            case "tree depth":
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(meta + 16 + 24 + 48 + 6), 3);
                break;
            case "database flags":
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(meta + 16 + 24 + 48 + 4), 0x04); // MDB_DUPSORT
                break;
        }

        await File.WriteAllBytesAsync(DataFile, bytes);
        var logger = new FakeLogger();
        using var reopened = TestConfigs.Cache(CachePath, logger);

        Assert.Null(await reopened.LoadAsync(default));
        Assert.Contains(reported, Assert.Single(logger.Events(2103)).Message);
    }

    /// <summary>The newest meta page's offset and the main tree's root page (LMDB 0.9 layout).</summary>
    private static (int Meta, ulong Root) NewestMainTree(byte[] bytes)
    {
        var txn0 = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16 + 24 + 96 + 8));
        var txn1 = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(PageSize + 16 + 24 + 96 + 8));
        var meta = txn1 > txn0 ? PageSize : 0;
        return (meta, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(meta + 16 + 24 + 48 + 40)));
    }

    private static int FindNode(Span<byte> page, ReadOnlySpan<byte> key)
    {
        var keys = (BinaryPrimitives.ReadUInt16LittleEndian(page[12..]) - 16) / 2;
        for (var i = 0; i < keys; i++)
        {
            int offset = BinaryPrimitives.ReadUInt16LittleEndian(page[(16 + (2 * i))..]);
            var size = BinaryPrimitives.ReadUInt16LittleEndian(page[(offset + 6)..]);
            if (page.Slice(offset + 8, size).SequenceEqual(key))
            {
                return offset;
            }
        }

        throw new InvalidOperationException("node not found");
    }
}
