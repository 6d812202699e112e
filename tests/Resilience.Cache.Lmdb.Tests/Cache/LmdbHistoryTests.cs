using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Resilience.Cache.Lmdb.Tests;

/// <summary>The LMDB cache's history: kept in the cache's own database, rolled back to after a restart, damage never served.</summary>
public sealed class LmdbHistoryTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string CachePath => _temp.Combine("dbless.lmdb");

    [Fact]
    public async Task Served_configurations_are_kept_beside_the_cache_and_a_restarted_node_rolls_back_to_one()
    {
        using (var cache = TestConfigs.Cache(CachePath))
        using (var plane = Plane(cache, depth: 2))
        {
            foreach (var name in new[] { "a", "b", "c" })
            {
                Assert.Equal(ApplyOutcome.Applied, (await plane.ApplyAsync(Push(name), default)).Outcome);
            }

            Assert.Equal([Hash("c"), Hash("b")], plane.History.Select(e => e.Hash));
        }

        // The served configuration is stored once: under its history key, the cache key naming it; a's went with its entry.
        Assert.Equal("resilience-lmdb-ref/1 " + Hash("c"), Encoding.ASCII.GetString(TestConfigs.ReadRaw(CachePath, "config")!));
        Assert.Equal(Hash("c"), CacheEnvelope.Decode(TestConfigs.ReadRaw(CachePath, "history/payload/" + Hash("c"))!, "test").ExpectedHash);
        Assert.NotNull(TestConfigs.ReadRaw(CachePath, "history/payload/" + Hash("b")));
        Assert.Null(TestConfigs.ReadRaw(CachePath, "history/payload/" + Hash("a")));

        using (var cache = TestConfigs.Cache(CachePath))
        using (var restarted = await RestartAsync(cache))
        {
            Assert.Equal([Hash("c"), Hash("b")], restarted.History.Select(e => e.Hash));
            var result = await restarted.RollbackAsync(Hash("b"), "c is bad", "admin:bob", default);
            Assert.Equal(ApplyOutcome.Applied, result.Outcome);
            Assert.Equal(Hash("b"), restarted.Current?.Hash);
        }

        using (var cache = TestConfigs.Cache(CachePath))
        using (var again = await RestartAsync(cache))
        {
            Assert.Equal(Hash("b"), again.Current?.Hash);
            Assert.Equal((ConfigHistoryEnd.RolledBack, "admin:bob"), (again.History[1].End, again.History[1].EndActor));
            Assert.Equal(RejectionReason.RolledBack, (await again.ApplyAsync(Push("c"), default)).Reason);
        }
    }

    [Fact]
    public async Task An_encrypted_cache_seals_its_history_values()
    {
        var key = new CacheEncryption(RandomNumberGenerator.GetBytes(32));
        using (var cache = TestConfigs.Cache(CachePath, encryption: key))
        using (var plane = Plane(cache))
        {
            await plane.ApplyAsync(Push("secret-1"), default);
            await plane.ApplyAsync(Push("secret-2"), default);
        }

        foreach (var name in new[] { "config", "history/index", "history/payload/" + Hash("secret-1"), "history/payload/" + Hash("secret-2") })
        {
            var value = TestConfigs.ReadRaw(CachePath, name)!;
            Assert.True(CacheEncryption.IsSealed(value), name);
            Assert.DoesNotContain("secret", Encoding.Latin1.GetString(value), StringComparison.Ordinal);
        }

        using var reopened = TestConfigs.Cache(CachePath, encryption: key);
        using var plane2 = await RestartAsync(reopened);
        Assert.Equal(ApplyOutcome.Applied, (await plane2.RollbackAsync(Hash("secret-1"), null, default)).Outcome);
    }

    [Fact]
    public async Task Byte_mutations_of_history_values_are_dropped_never_served_and_never_throw()
    {
        using (var cache = TestConfigs.Cache(CachePath))
        using (var plane = Plane(cache))
        {
            foreach (var name in new[] { "m1", "m2", "m3" })
            {
                await plane.ApplyAsync(Push(name), default);
            }
        }

        // The cache key (a reference to m3's entry) and m3's entry too: a damaged one is no cache, never another configuration.
        var keys = new[] { "config", "history/index", "history/payload/" + Hash("m1"), "history/payload/" + Hash("m2"), "history/payload/" + Hash("m3") };
        var originals = keys.ToDictionary(k => k, k => TestConfigs.ReadRaw(CachePath, k)!);
        var seed = 20261207;
        var served = 0;
        for (var i = 0; i < 120; i++)
        {
            var random = new Random(seed + i);
            var key = keys[random.Next(keys.Length)];
            var mutated = (byte[])originals[key].Clone();
            for (var m = 1 + random.Next(4); m > 0 && mutated.Length > 0; m--)
            {
                mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
            }

            TestConfigs.WriteRaw(CachePath, keys.Select(k => (k, k == key ? mutated : originals[k])).ToArray());
            using var cache = TestConfigs.Cache(CachePath);
            using var plane = await RestartAsync(cache);
            Assert.Contains(plane.Current?.Hash, new[] { null, Hash("m3") });
            foreach (var entry in plane.History.Skip(1).ToArray())
            {
                var result = await plane.RollbackAsync(entry.Hash, "mutation", default);
                Assert.NotEqual(RejectionReason.PipelineFailed, result.Reason);
                if (result.Outcome == ApplyOutcome.Applied)
                {
                    Assert.Equal(entry.Hash, plane.Current?.Hash);
                    served++;
                }
            }
        }

        output.WriteLine($"rollbacks served from mutated stores: {served} (each to exactly the entry's hash)");
    }

    [Fact]
    public async Task A_cache_key_naming_a_missing_history_entry_is_no_cache_and_says_why()
    {
        using (var cache = TestConfigs.Cache(CachePath))
        using (var plane = Plane(cache))
        {
            await plane.ApplyAsync(Push("named"), default);
        }

        TestConfigs.WriteRaw(CachePath, ("config", Encoding.ASCII.GetBytes("resilience-lmdb-ref/1 " + Hash("elsewhere"))));
        var logger = new FakeLogger();
        using var reopened = TestConfigs.Cache(CachePath, logger);

        Assert.Null(await reopened.LoadAsync(default));
        Assert.Contains("missing", Assert.Single(logger.Events(2102)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_history_write_never_deletes_the_entry_the_cache_key_names()
    {
        var a = TestConfigs.Snapshot(TestConfigs.Json("cached"));
        var d = TestConfigs.Snapshot(TestConfigs.Json("not-cached"));
        using (var cache = TestConfigs.Cache(CachePath))
        {
            await cache.SaveWithHistoryAsync(a, "index-1"u8.ToArray(), [a.Hash], default);

            // An index that no longer names the cached configuration (depth 1, a tier that is not cached served since).
            await cache.WriteHistoryAsync("index-2"u8.ToArray(), d, [d.Hash], default);
        }

        using var reopened = TestConfigs.Cache(CachePath);
        Assert.Equal(a.Hash, (await reopened.LoadAsync(default))?.ExpectedHash);
        Assert.Equal(d.Hash, (await reopened.LoadHistoryEntryAsync(d.Hash, default))?.ExpectedHash);
        Assert.Equal("index-2", Encoding.ASCII.GetString((await reopened.ReadHistoryIndexAsync(default))!.Value.Span));
    }

    private static DataPlane Plane(LmdbConfigCache cache, int depth = 5) => new(
        new ConfigPreparer(1 << 24, 1 << 24, new DeclarativeConfigOptions()),
        new JsonOnlyConfigValidator(),
        cache,
        new NodeIdentityProvider(Options.Create(new DataPlaneResilienceOptions { NodeId = "lmdb-history", NodeVersion = "1.0.0" })),
        TimeProvider.System,
        NullLogger<DataPlane>.Instance,
        meterFactory: null,
        historyDepth: depth);

    private static async Task<DataPlane> RestartAsync(LmdbConfigCache cache)
    {
        var plane = Plane(cache);
        await plane.LoadHistoryAsync();
        if (await cache.LoadAsync(default) is { } cached)
        {
            await plane.ApplyAsync(cached, default);
        }

        return plane;
    }

    private static ConfigDocument Push(string name) => new(TestConfigs.Json(name), ConfigFormat.Json, ConfigOrigin.ControlPlane);

    private static string Hash(string name) => ConfigHash.Compute(TestConfigs.Json(name));
}
