using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.Cache.Lmdb.Tests;

/// <summary>
/// The pre-check reads both meta pages as liblmdb 0.9 does and refuses what LMDB would trust but cannot have written.
/// Offsets are LMDB 0.9's: meta page n at n * 4096, its fields after the 16-byte page header.
/// </summary>
public sealed class MetaPageTests : IDisposable
{
    private const int PageSize = 4096;
    private const int Meta = 16;
    private const int PageSizeField = Meta + 24;
    private const int FreeFlags = Meta + 28;
    private const int MapSize = Meta + 16;
    private const int MainRoot = Meta + 24 + 48 + 40;
    private const int LastPage = Meta + 24 + 96;
    private const int TransactionId = LastPage + 8;
    private readonly TempDirectory _temp = new();

    private string CachePath => _temp.Combine("dbless.lmdb");

    private string DataFile => Path.Combine(CachePath, "data.mdb");

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(0, "impossible page size 0")] // SIGFPE in liblmdb 0.9
    [InlineData(1000, "impossible page size 1000")]
    [InlineData(65536, "shorter than its two 65536-byte meta pages")] // SIGBUS: meta page 1 read past the file
    public async Task Damaged_page_size_in_meta_page_0_is_refused(uint pageSize, string reported)
    {
        var bytes = await SavedOnce();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(PageSizeField), pageSize);

        Assert.Contains(reported, await RefusedAsync(bytes));
    }

    [Fact]
    public async Task Page_size_of_the_newer_meta_page_1_is_checked_too()
    {
        // After one save meta page 1 (transaction 1) is the newer one: the crash loop from one byte.
        var bytes = await SavedOnce();
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(PageSize + TransactionId)));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(PageSize + PageSizeField), 65536);

        Assert.Contains("meta page 1 records page size 65536", await RefusedAsync(bytes));
    }

    [Fact]
    public async Task Last_page_past_the_file_end_in_the_newer_meta_page_is_refused()
    {
        var bytes = await SavedOnce();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(PageSize + LastPage), 1000);

        Assert.Contains("meta page 1 (newer, transaction 1): the file is", await RefusedAsync(bytes));
    }

    [Fact]
    public async Task Damage_in_the_older_meta_page_is_refused_as_well()
    {
        var bytes = await SavedThrice();
        var older = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(TransactionId)) < BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(PageSize + TransactionId)) ? 0 : PageSize;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(older + MainRoot), 999);

        Assert.Contains("older", await RefusedAsync(bytes));
    }

    [Fact]
    public async Task Transaction_id_that_selects_the_other_meta_page_is_refused()
    {
        // LMDB would pick meta page 0 as newer, but its transactions read meta page (txnid & 1) = 1.
        var bytes = await SavedOnce();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(TransactionId), 3);

        Assert.Contains("meta page 0 holds transaction 3", await RefusedAsync(bytes));
    }

    [Fact]
    public async Task Meta_page_0_raised_above_meta_page_1_is_picked_as_LMDB_picks_it()
    {
        // Transaction 2 in meta page 0 makes it the newer one, as in LMDB; its (empty) trees are then the ones used.
        var bytes = await SavedOnce();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(TransactionId), 2);
        await File.WriteAllBytesAsync(DataFile, bytes);

        Assert.Null(LmdbDataFile.Check(CachePath));
        using var cache = TestConfigs.Cache(CachePath);
        Assert.Null(await cache.LoadAsync(default)); // Meta page 0 of a first save holds no tree.
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x0c)] // MDB_INTEGERKEY | MDB_DUPSORT
    public async Task Free_tree_flags_LMDB_never_writes_are_refused(ushort flags)
    {
        var bytes = await SavedOnce();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(PageSize + FreeFlags), flags);

        Assert.Contains("free-page tree records flags", await RefusedAsync(bytes));
    }

    [Fact]
    public async Task Zero_map_size_is_refused()
    {
        var bytes = await SavedOnce();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(PageSize + MapSize), 0);

        Assert.Contains("impossible map size", await RefusedAsync(bytes));
    }

    [Fact]
    public async Task Every_state_LMDB_writes_passes_the_pre_check()
    {
        // Small, leaf-sized and overflow values, growing and shrinking, cleared: the free-page lists fill and empty.
        int[] sizes = [200, 64 * 1024, 300 * 1024, 100, 3000, 128 * 1024, 10, 700 * 1024];
        using var cache = TestConfigs.Cache(CachePath);
        for (var i = 0; i < 40; i++)
        {
            if (i % 13 == 12)
            {
                await cache.ClearAsync(default);
            }
            else
            {
                await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json($"state-{i}", sizes[i % sizes.Length])), default);
            }

            Assert.True(LmdbDataFile.Check(CachePath) is null, $"after write {i}: {LmdbDataFile.Check(CachePath)}");
        }
    }

    private async Task<byte[]> SavedOnce()
    {
        using (var cache = TestConfigs.Cache(CachePath))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("meta")), default);
        }

        return await File.ReadAllBytesAsync(DataFile);
    }

    private async Task<byte[]> SavedThrice()
    {
        using (var cache = TestConfigs.Cache(CachePath))
        {
            foreach (var name in new[] { "one", "two", "three" })
            {
                await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json(name)), default);
            }
        }

        return await File.ReadAllBytesAsync(DataFile);
    }

    /// <summary>Writes the damaged file, checks it is refused before LMDB maps it, and that the cache moves it aside and starts anew.</summary>
    private async Task<string> RefusedAsync(byte[] bytes)
    {
        await File.WriteAllBytesAsync(DataFile, bytes);
        var reason = LmdbDataFile.Check(CachePath);
        Assert.NotNull(reason);

        var logger = new FakeLogger();
        using var cache = TestConfigs.Cache(CachePath, logger);
        Assert.Null(await cache.LoadAsync(default));
        Assert.Contains(reason, Assert.Single(logger.Events(2103)).Message);
        Assert.Single(Directory.GetDirectories(_temp.Path, "dbless.lmdb.corrupt-*"));
        var fresh = TestConfigs.Json("fresh");
        await cache.SaveAsync(TestConfigs.Snapshot(fresh), default);
        Assert.Equal(fresh, (await cache.LoadAsync(default))?.Content.ToArray());
        return reason;
    }
}
