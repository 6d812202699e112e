using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.Cache.Lmdb.Tests;

/// <summary>
/// A good <c>dbless.lmdb</c> on a real tmpfs remounted read-only (a disk the kernel remounted after I/O errors): LMDB's
/// lock file cannot be opened for writing, so the cache opens the environment read-only without one and serves it;
/// saves fail with a clear error and the state says the cache is not written; once the disk is writable again the next
/// save reopens it and succeeds.
/// </summary>
public sealed class ReadOnlyDirectoryTests : IDisposable
{
    private readonly TmpfsMount _disk = TmpfsMount.Create();

    private string CachePath => _disk.Combine("dbless.lmdb");

    public void Dispose() => _disk.Dispose();

    [Fact]
    public async Task Good_cache_on_a_read_only_disk_is_read_without_a_lock_file_and_saves_fail_clearly_until_the_disk_is_back()
    {
        var payload = TestConfigs.Json("kept");
        using (var writer = TestConfigs.Cache(CachePath))
        {
            await writer.SaveAsync(TestConfigs.Snapshot(payload), default);
        }

        File.Delete(Path.Combine(CachePath, "lock.mdb")); // as after a copy or a fresh boot: nothing to reuse
        _disk.RemountReadOnly();
        var logger = new FakeLogger();
        var writes = new LocalWriteStatus(TimeProvider.System);
        using var cache = TestConfigs.Cache(CachePath, logger, writes: writes);

        var loaded = await cache.LoadAsync(default);

        Assert.Equal(payload, loaded?.Content.ToArray());
        Assert.True(cache.IsReadOnly);
        Assert.False(File.Exists(Path.Combine(CachePath, "lock.mdb")));
        Assert.Contains("Read-only file system", Assert.Single(logger.Events(2109)).Message);
        Assert.Empty(logger.Events(2108));
        Assert.Empty(logger.Events(2103));
        var unwritten = Assert.Single(writes.Current);
        Assert.Equal((LocalWriteStatus.Cache, CachePath), (unwritten.Name, unwritten.Path));

        var refused = await Assert.ThrowsAsync<LmdbUnavailableException>(async () => await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("new")), default));
        Assert.Contains("cannot be written", refused.Message);
        Assert.Equal(payload, (await cache.LoadAsync(default))?.Content.ToArray());

        _disk.RemountReadWrite();
        var after = TestConfigs.Json("after");
        await cache.SaveAsync(TestConfigs.Snapshot(after), default);
        Assert.False(cache.IsReadOnly);
        Assert.Equal(after, (await cache.LoadAsync(default))?.Content.ToArray());
    }

    [Fact]
    public async Task No_cache_on_a_read_only_disk_is_absent_and_not_written()
    {
        _disk.RemountReadOnly();
        var logger = new FakeLogger();
        var writes = new LocalWriteStatus(TimeProvider.System);
        using var cache = TestConfigs.Cache(CachePath, logger, writes: writes);

        Assert.Null(await cache.LoadAsync(default));

        Assert.Single(logger.Events(2106));
        Assert.Contains("Read-only file system", Assert.Single(writes.Current).Reason);
        await Assert.ThrowsAsync<LmdbUnavailableException>(async () => await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("new")), default));
    }

    [Fact]
    public async Task Restarted_node_on_a_read_only_disk_serves_its_LMDB_cache_and_its_state_says_the_cache_is_not_written()
    {
        var pushed = TestConfigs.Json("pushed");
        using (var first = Build())
        {
            var node = first.GetRequiredService<DataPlane>();
            await node.ApplyAsync(new ConfigDocument(pushed, ConfigFormat.Json, ConfigOrigin.ControlPlane), default);
            Assert.True(node.Node.IsPersisted); // the chain keeps its id at start-up; so does this first run
        }

        _disk.RemountReadOnly();
        using var restarted = Build();
        var chain = restarted.GetRequiredService<DataPlaneChain>();
        await chain.StartAsync(default);
        await chain.Startup.WaitAsync(TimeSpan.FromSeconds(30));
        var dataPlane = restarted.GetRequiredService<DataPlane>();

        Assert.Equal(ConfigOrigin.Cache, dataPlane.State.ServingTier);
        Assert.Equal(pushed, dataPlane.Current?.Payload.ToArray());
        Assert.Equal(LocalWriteStatus.Cache, Assert.Single(dataPlane.State.UnwrittenFiles).Name);
        Assert.True(dataPlane.Node.IsPersisted);
        await chain.StopAsync(default);
    }

    private ServiceProvider Build()
    {
        var values = new Dictionary<string, string?>
        {
            ["DataDirectory"] = _disk.Combine("data"),
            ["NodeVersion"] = "1.0.0",
            ["StartupTimeout"] = "00:00:05",
            ["Cache:Lmdb:Path"] = CachePath,
        };
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataPlaneResilience(new ConfigurationBuilder().AddInMemoryCollection(values).Build()).UseLmdbCache();
        return services.BuildServiceProvider();
    }
}
