using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.Cache.Lmdb.Tests;

public sealed class LmdbConfigCacheTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string CachePath => _temp.Combine("dbless.lmdb");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Saved_config_loads_back_with_its_hash_and_metadata()
    {
        var payload = TestConfigs.Json("round-trip");
        var timestamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        using var cache = TestConfigs.Cache(CachePath);

        await cache.SaveAsync(new ConfigSnapshot(payload, ConfigHash.Compute(payload), ConfigOrigin.ControlPlane, DateTimeOffset.UtcNow) { Version = "v42", Timestamp = timestamp }, default);
        var loaded = await cache.LoadAsync(default);

        Assert.NotNull(loaded);
        Assert.Equal(payload, loaded.Content.ToArray());
        Assert.Equal(ConfigOrigin.Cache, loaded.Origin);
        Assert.Equal(ConfigHash.Compute(payload), loaded.ExpectedHash);
        Assert.Equal("v42", loaded.Version);
        Assert.Equal(timestamp, loaded.Timestamp);
        Assert.Equal(CachePath, loaded.Source);
        Assert.True(File.Exists(Path.Combine(CachePath, "data.mdb")));
        Assert.Equal(LmdbConfigCache.FormatTag, Encoding.UTF8.GetString(TestConfigs.ReadRaw(CachePath, "format")!));
    }

    [Fact]
    public async Task Restart_loads_the_config_saved_before()
    {
        var first = TestConfigs.Json("first");
        var second = TestConfigs.Json("second");
        using (var cache = TestConfigs.Cache(CachePath))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(first), default);
            await cache.SaveAsync(TestConfigs.Snapshot(second), default);
        }

        using var restarted = TestConfigs.Cache(CachePath);
        var loaded = await restarted.LoadAsync(default);

        Assert.Equal(second, loaded?.Content.ToArray());
    }

    [Fact]
    public async Task Empty_directory_loads_nothing()
    {
        var logger = new FakeLogger();
        using var cache = TestConfigs.Cache(CachePath, logger);

        Assert.Null(await cache.LoadAsync(default));
        Assert.Single(logger.Events(2106));
    }

    [Fact]
    public async Task Cleared_cache_loads_nothing()
    {
        using var cache = TestConfigs.Cache(CachePath);
        await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("gone")), default);

        await cache.ClearAsync(default);

        Assert.Null(await cache.LoadAsync(default));
    }

    [Fact]
    public async Task Version_tag_mismatch_discards_the_cache()
    {
        var payload = TestConfigs.Json("older-layout");
        TestConfigs.WriteRaw(CachePath, ("format", "resilience-lmdb-cache/0"u8.ToArray()), ("config", CacheEnvelope.Encode(TestConfigs.Snapshot(payload), DateTimeOffset.UtcNow)));
        var logger = new FakeLogger();

        using (var cache = TestConfigs.Cache(CachePath, logger))
        {
            Assert.Null(await cache.LoadAsync(default));
            var line = Assert.Single(logger.Events(2101));
            Assert.Contains("resilience-lmdb-cache/0", line.Message);

            // Discarded, not merely skipped: the next write starts clean and loads.
            var next = TestConfigs.Json("next");
            await cache.SaveAsync(TestConfigs.Snapshot(next), default);
            Assert.Equal(next, (await cache.LoadAsync(default))?.Content.ToArray());
        }

        Assert.Equal(LmdbConfigCache.FormatTag, Encoding.UTF8.GetString(TestConfigs.ReadRaw(CachePath, "format")!));
    }

    [Fact]
    public async Task Entry_without_a_format_tag_is_discarded()
    {
        TestConfigs.WriteRaw(CachePath, ("config", CacheEnvelope.Encode(TestConfigs.Snapshot(TestConfigs.Json("untagged")), DateTimeOffset.UtcNow)));
        var logger = new FakeLogger();
        using var cache = TestConfigs.Cache(CachePath, logger);

        Assert.Null(await cache.LoadAsync(default));
        Assert.Single(logger.Events(2101));
        Assert.Null(TestConfigs.ReadRaw(CachePath, "config"));
    }

    [Fact]
    public async Task Config_too_large_for_the_map_fails_with_a_clear_error_and_keeps_the_cached_config()
    {
        var small = TestConfigs.Json("small");
        using var cache = TestConfigs.Cache(CachePath, configure: o => o.MapSize = 1024 * 1024);
        await cache.SaveAsync(TestConfigs.Snapshot(small), default);

        var error = await Assert.ThrowsAsync<LmdbMapFullException>(() => cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("huge", 2 * 1024 * 1024)), default).AsTask());

        Assert.Contains("does not fit the LMDB map of 1048576 bytes", error.Message);
        Assert.Contains("Cache:Lmdb:MapSize", error.Message);
        Assert.Equal(small, (await cache.LoadAsync(default))?.Content.ToArray());

        // The aborted write left the environment usable.
        var other = TestConfigs.Json("other");
        await cache.SaveAsync(TestConfigs.Snapshot(other), default);
        Assert.Equal(other, (await cache.LoadAsync(default))?.Content.ToArray());
    }

    [Fact]
    public async Task Garbage_data_file_is_moved_aside_and_the_next_write_starts_a_new_cache()
    {
        Directory.CreateDirectory(CachePath);
        await File.WriteAllBytesAsync(Path.Combine(CachePath, "data.mdb"), RandomNumberGenerator.GetBytes(64 * 1024));
        var logger = new FakeLogger();
        using var cache = TestConfigs.Cache(CachePath, logger);

        Assert.Null(await cache.LoadAsync(default));

        // LMDB refuses it itself (MDB_INVALID); its reason is logged.
        var moved = Assert.Single(logger.Events(2103));
        Assert.Contains("not an LMDB file", moved.Message);
        Assert.Single(Directory.GetDirectories(_temp.Path, "dbless.lmdb.corrupt-*"));
        var fresh = TestConfigs.Json("fresh");
        await cache.SaveAsync(TestConfigs.Snapshot(fresh), default);
        Assert.Equal(fresh, (await cache.LoadAsync(default))?.Content.ToArray());
    }

    [Fact]
    public async Task Truncated_data_file_is_moved_aside_instead_of_crashing_the_node()
    {
        using (var cache = TestConfigs.Cache(CachePath))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("big", 512 * 1024)), default);
        }

        var dataFile = Path.Combine(CachePath, "data.mdb");
        using (var stream = new FileStream(dataFile, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }

        var logger = new FakeLogger();
        using var reopened = TestConfigs.Cache(CachePath, logger);

        Assert.Null(await reopened.LoadAsync(default));
        Assert.Contains("truncated", Assert.Single(logger.Events(2103)).Message);
    }

    [Fact]
    public async Task Altered_payload_bytes_are_rejected_by_the_apply_pipeline_and_never_served()
    {
        var payload = TestConfigs.Json("pristine", 64 * 1024);
        using (var cache = TestConfigs.Cache(CachePath))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(payload), default);
        }

        TestConfigs.Alter(Path.Combine(CachePath, "data.mdb"), "/pristine/100\""u8.ToArray(), "/pristine/999\""u8.ToArray());
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataPlaneResilience(o => o.DataDirectory = _temp.Path).UseLmdbCache();
        using var provider = services.BuildServiceProvider();

        // The cache hands over the document with the hash it was saved with; the pipeline recomputes it.
        var loaded = await provider.GetRequiredService<IConfigCache>().LoadAsync(default);
        Assert.NotNull(loaded);
        Assert.Equal(ConfigHash.Compute(payload), loaded.ExpectedHash);
        var dataPlane = provider.GetRequiredService<DataPlane>();
        var result = await dataPlane.ApplyAsync(loaded, default);

        Assert.Equal(ApplyOutcome.Rejected, result.Outcome);
        Assert.Equal(RejectionReason.HashMismatch, result.Reason);
        Assert.Null(dataPlane.Current);
    }

    [Fact]
    public async Task Altered_header_length_is_detected_and_the_cache_is_ignored()
    {
        var payload = TestConfigs.Json("pristine", 64 * 1024);
        using (var cache = TestConfigs.Cache(CachePath))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(payload), default);
        }

        var length = Encoding.UTF8.GetBytes($"\"length\":{payload.Length}");
        var shorter = Encoding.UTF8.GetBytes($"\"length\":{payload.Length - 1}".PadRight(length.Length));
        TestConfigs.Alter(Path.Combine(CachePath, "data.mdb"), length, shorter);
        var logger = new FakeLogger();
        using var reopened = TestConfigs.Cache(CachePath, logger);

        Assert.Null(await reopened.LoadAsync(default));
        Assert.Contains("truncated?", Assert.Single(logger.Events(2102)).Message);
    }

    [Fact]
    public async Task Directory_copied_from_another_node_loads()
    {
        var payload = TestConfigs.Json("from-node-a", 100 * 1024);
        using var nodeA = TestConfigs.Cache(CachePath);
        await nodeA.SaveAsync(TestConfigs.Snapshot(payload, "v7"), default);

        // Copied while node A still has it open, lock file included.
        var copy = _temp.Combine("node-b/dbless.lmdb");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(CachePath))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        using var nodeB = TestConfigs.Cache(copy);
        var loaded = await nodeB.LoadAsync(default);

        Assert.Equal(payload, loaded?.Content.ToArray());
        Assert.Equal("v7", loaded?.Version);
    }

    [Fact]
    public async Task Data_file_alone_copied_from_another_node_loads()
    {
        var payload = TestConfigs.Json("data-file-only");
        using (var nodeA = TestConfigs.Cache(CachePath))
        {
            await nodeA.SaveAsync(TestConfigs.Snapshot(payload), default);
        }

        var copy = _temp.Combine("node-b/dbless.lmdb");
        Directory.CreateDirectory(copy);
        File.Copy(Path.Combine(CachePath, "data.mdb"), Path.Combine(copy, "data.mdb"));

        using var nodeB = TestConfigs.Cache(copy);
        Assert.Equal(payload, (await nodeB.LoadAsync(default))?.Content.ToArray());
    }

    [Fact]
    public async Task Files_are_readable_by_the_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix permissions only.
        }

        using var cache = TestConfigs.Cache(CachePath);
        await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("private")), default);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(CachePath, "data.mdb")));
    }
}
