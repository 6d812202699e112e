using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.Cache.Lmdb.Tests;

/// <summary>
/// A directory LMDB itself refuses to open is moved aside with LMDB's own reason, and the next save starts a new cache.
/// Before, LightningDB's wrapper exception (status code 0, "Failed to open environment at path ...") never matched
/// the cache's check of the code: the directory stayed, every save failed, and a restart during an outage came up
/// with nothing. A failure that is not about the files leaves the directory alone.
/// </summary>
public sealed class RefusedDirectoryTests : IDisposable
{
    private const int PageSize = 4096;
    private readonly TempDirectory _temp = new();

    private string CachePath => _temp.Combine("dbless.lmdb");

    private string DataFile => Path.Combine(CachePath, "data.mdb");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Directory_of_another_data_version_is_moved_aside_with_LMDBs_reason_and_the_next_save_succeeds()
    {
        var bytes = await SavedOnce();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16 + 4), 2); // mm_version of meta page 0
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(PageSize + 16 + 4), 2);

        await AssertMovedAsideAndReplacedAsync(bytes, "MDB_VERSION_MISMATCH");
    }

    [Fact]
    public async Task Directory_whose_meta_page_flags_LMDB_refuses_is_moved_aside_with_LMDBs_reason()
    {
        var bytes = await SavedOnce();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(PageSize + 10), 0x02); // meta page 1 marked a leaf page, not P_META

        await AssertMovedAsideAndReplacedAsync(bytes, "MDB_INVALID");
    }

    [Fact]
    public async Task Directory_written_by_LMDB_1_is_moved_aside_with_a_reason_that_names_the_library()
    {
        // An LMDB 1.x meta page: 24-byte page header (page number, transaction id, pad, flags P_META, bounds), data version 2.
        var bytes = new byte[4 * PageSize];
        for (var page = 0; page < 2; page++)
        {
            var at = page * PageSize;
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), (ulong)page);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + 18), 0x08);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 24), 0xBEEFC0DE);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 28), 2);
        }

        await AssertMovedAsideAndReplacedAsync(bytes, "written by LMDB 1.x (data version 2)");
    }

    [Fact]
    public async Task Failure_that_is_not_about_the_files_keeps_the_directory()
    {
        // A map larger than the address space: mmap fails with ENOMEM, a problem of this process, not of the files.
        var payload = TestConfigs.Json("kept");
        using (var cache = TestConfigs.Cache(CachePath))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(payload), default);
        }

        var logger = new FakeLogger();
        using (var huge = TestConfigs.Cache(CachePath, logger, o => o.MapSize = 1L << 52))
        {
            Assert.Null(await huge.LoadAsync(default));
            await Assert.ThrowsAsync<LmdbUnavailableException>(async () => await huge.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("other")), default));
        }

        var reported = Assert.Single(logger.Events(2108)).Message;
        Assert.Contains("LMDB code 12", reported); // ENOMEM, with LMDB's text
        Assert.Empty(logger.Events(2103));
        Assert.Empty(Directory.GetDirectories(_temp.Path, "dbless.lmdb.corrupt-*"));
        using var again = TestConfigs.Cache(CachePath);
        Assert.Equal(payload, (await again.LoadAsync(default))?.Content.ToArray());
    }

    [Fact]
    public void LightningDBs_wrapped_open_error_is_unwrapped_to_LMDBs_code()
    {
        Directory.CreateDirectory(CachePath);
        File.WriteAllBytes(DataFile, new byte[2 * PageSize]); // no P_META flag: MDB_INVALID
        LmdbNativeLibraryResolver.Register(LmdbNativeLibrary.Auto);
        using var environment = new LightningDB.LightningEnvironment(CachePath);

        var error = Assert.Throws<LightningDB.LightningException>(() => environment.Open());

        Assert.Equal(0, error.StatusCode); // What the old check tested, so it never matched.
        Assert.Equal(LightningDB.MDBResultCode.Invalid, LmdbFailure.Code(error));
        Assert.True(LmdbFailure.IsDamagedFiles(error));
        Assert.Contains("MDB_INVALID", LmdbFailure.Describe(error));
    }

    private async Task<byte[]> SavedOnce()
    {
        using (var cache = TestConfigs.Cache(CachePath))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("refused")), default);
        }

        return await File.ReadAllBytesAsync(DataFile);
    }

    private async Task AssertMovedAsideAndReplacedAsync(byte[] dataFile, string reason)
    {
        Directory.CreateDirectory(CachePath);
        await File.WriteAllBytesAsync(DataFile, dataFile);
        var logger = new FakeLogger();
        using var cache = TestConfigs.Cache(CachePath, logger);

        Assert.Null(await cache.LoadAsync(default));

        Assert.Contains(reason, Assert.Single(logger.Events(2103)).Message);
        var movedTo = Assert.Single(Directory.GetDirectories(_temp.Path, "dbless.lmdb.corrupt-*"));
        Assert.Equal(dataFile, await File.ReadAllBytesAsync(Path.Combine(movedTo, "data.mdb")));
        var fresh = TestConfigs.Json("fresh");
        await cache.SaveAsync(TestConfigs.Snapshot(fresh), default);
        Assert.Equal(fresh, (await cache.LoadAsync(default))?.Content.ToArray());
        using var restarted = TestConfigs.Cache(CachePath);
        Assert.Equal(fresh, (await restarted.LoadAsync(default))?.Content.ToArray());
    }
}
