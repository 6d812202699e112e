using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Tests.Cache;

/// <summary>
/// A cache written by a third party over Core's public API only (<see cref="CacheEnvelope"/>, <see cref="CacheEncryption"/>):
/// what LMDB uses, anyone can. It round-trips through the real chain: a restarted node serves it at once.
/// </summary>
public sealed class ThirdPartyCacheTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task A_cache_built_on_the_public_envelope_and_encryption_serves_a_restarted_node()
    {
        var store = new ConcurrentDictionary<string, byte[]>();
        var settings = ChainNode.Settings(_dir);
        void UseSealedCache(IDataPlaneResilienceBuilder b)
        {
            b.Services.AddSingleton(store);
            b.UseCache<SealedDictionaryCache>();
        }

        await using (var first = await ChainNode.StartAsync(settings, UseSealedCache))
        {
            var applied = await first.DataPlane.ApplyManualAsync(Configs.Json("kept"), ConfigFormat.Json, default);
            Assert.Equal(ApplyOutcome.Applied, applied.Outcome);
        }

        var sealedEntry = Assert.Single(store).Value;
        Assert.True(CacheEncryption.IsSealed(sealedEntry));

        await using var restarted = await ChainNode.StartAsync(settings, UseSealedCache);
        Assert.Equal("kept", Configs.NameOf(restarted.DataPlane.Current));
        Assert.Equal(ConfigOrigin.Cache, restarted.DataPlane.State.ServingTier);
    }

    [Fact]
    public async Task A_cache_of_your_own_keeps_the_history_by_implementing_the_public_store_contract()
    {
        var store = new ConcurrentDictionary<string, byte[]>();
        var settings = ChainNode.Settings(_dir);
        void UseHistoryCache(IDataPlaneResilienceBuilder b)
        {
            b.Services.AddSingleton(store);
            b.UseCache<HistoryDictionaryCache>();
        }

        await using (var first = await ChainNode.StartAsync(settings, UseHistoryCache))
        {
            await first.DataPlane.ApplyManualAsync(Configs.Json("one"), ConfigFormat.Json, default);
            await first.DataPlane.ApplyManualAsync(Configs.Json("two"), ConfigFormat.Json, default);
        }

        Assert.All(store.Values, v => Assert.True(CacheEncryption.IsSealed(v)));
        await using var restarted = await ChainNode.StartAsync(settings, UseHistoryCache);
        Assert.Equal(["two", "one"], restarted.DataPlane.History.Select(e => e.Hash == ConfigHash.Compute(Configs.Json("one")) ? "one" : "two"));

        var result = await restarted.DataPlane.RollbackAsync(ConfigHash.Compute(Configs.Json("one")), "test", default);

        Assert.Equal(ApplyOutcome.Applied, result.Outcome);
        Assert.Equal("one", Configs.NameOf(restarted.DataPlane.Current));
    }

    [Fact]
    public async Task A_cache_that_keeps_no_history_leaves_it_off_and_a_rollback_says_so()
    {
        var store = new ConcurrentDictionary<string, byte[]>();
        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir), b =>
        {
            b.Services.AddSingleton(store);
            b.UseCache<SealedDictionaryCache>();
        });
        await node.DataPlane.ApplyManualAsync(Configs.Json("one"), ConfigFormat.Json, default);
        await node.DataPlane.ApplyManualAsync(Configs.Json("two"), ConfigFormat.Json, default);

        var result = await node.DataPlane.RollbackAsync(ConfigHash.Compute(Configs.Json("one")), null, default);

        Assert.Empty(node.DataPlane.History);
        Assert.Equal(RejectionReason.NotInHistory, result.Reason);
        Assert.Contains("keeps none", result.Errors[0]);
        Assert.Equal("two", Configs.NameOf(node.DataPlane.Current));
    }

    [Fact]
    public void An_altered_entry_fails_to_open_and_a_wrong_length_fails_to_decode()
    {
        var encryption = new CacheEncryption(new byte[32]);
        var entry = CacheEnvelope.Encode(new ConfigSnapshot(Configs.Json("a"), ConfigHash.Compute(Configs.Json("a")), ConfigOrigin.ControlPlane, DateTimeOffset.UnixEpoch, null), DateTimeOffset.UnixEpoch);
        var sealedEntry = encryption.Seal(entry);
        sealedEntry[^1] ^= 1;

        Assert.Throws<InvalidDataException>(() => encryption.Open(sealedEntry));
        Assert.Throws<InvalidDataException>(() => CacheEnvelope.Decode(entry.AsMemory(0, entry.Length - 1), "test"));
        Assert.Equal("a", Configs.NameOf(new ConfigSnapshot(CacheEnvelope.Decode(entry, "test").Content, "h", ConfigOrigin.Cache, DateTimeOffset.UnixEpoch, null)));
    }

    [Fact]
    public void Core_grants_its_internals_to_no_cache_package()
    {
        var granted = typeof(IConfigCache).Assembly.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName);

        Assert.DoesNotContain("Resilience.Cache.Lmdb", granted);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>The same, keeping the node's history too: the index as given and one sealed envelope per hash.</summary>
    private sealed class HistoryDictionaryCache(ConcurrentDictionary<string, byte[]> store) : IConfigCache, IConfigHistoryStore
    {
        private readonly SealedDictionaryCache _cache = new(store);
        private readonly CacheEncryption _encryption = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

        public string Description => "dictionary with history";

        public ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken) => _cache.LoadAsync(cancellationToken);

        public ValueTask SaveAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken) => _cache.SaveAsync(snapshot, cancellationToken);

        public ValueTask ClearAsync(CancellationToken cancellationToken) => _cache.ClearAsync(cancellationToken);

        public ValueTask<ReadOnlyMemory<byte>?> ReadHistoryIndexAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(store.TryGetValue("history-index", out var index) ? (ReadOnlyMemory<byte>?)_encryption.Open(index) : null);

        public ValueTask<ConfigDocument?> LoadHistoryEntryAsync(string hash, CancellationToken cancellationToken) =>
            ValueTask.FromResult(store.TryGetValue("history/" + hash, out var entry) ? CacheEnvelope.Decode(_encryption.Open(entry), Description) : null);

        // Nothing to share between the two writes here: the cache, then the history.
        public async ValueTask SaveWithHistoryAsync(ConfigSnapshot served, ReadOnlyMemory<byte> index, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
        {
            await SaveAsync(served, cancellationToken);
            await WriteHistoryAsync(index, served, keep, cancellationToken);
        }

        public ValueTask WriteHistoryAsync(ReadOnlyMemory<byte> index, ConfigSnapshot? added, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
        {
            if (added is not null)
            {
                store.TryAdd("history/" + added.Hash, _encryption.Seal(CacheEnvelope.Encode(added, DateTimeOffset.UtcNow)));
            }

            store["history-index"] = _encryption.Seal(index.Span);
            foreach (var key in store.Keys.Where(k => k.StartsWith("history/", StringComparison.Ordinal) && !keep.Contains(k["history/".Length..])))
            {
                store.TryRemove(key, out _);
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Keeps sealed entries in a dictionary shared across hosts, as a remote key-value store would.</summary>
    private sealed class SealedDictionaryCache(ConcurrentDictionary<string, byte[]> store) : IConfigCache
    {
        private readonly CacheEncryption _encryption = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

        public string Description => "dictionary";

        public ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(store.TryGetValue("config", out var entry) ? CacheEnvelope.Decode(_encryption.Open(entry), Description) : null);

        public ValueTask SaveAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken)
        {
            store["config"] = _encryption.Seal(CacheEnvelope.Encode(snapshot, DateTimeOffset.UtcNow));
            return ValueTask.CompletedTask;
        }

        public ValueTask ClearAsync(CancellationToken cancellationToken)
        {
            store.TryRemove("config", out _);
            return ValueTask.CompletedTask;
        }
    }
}
