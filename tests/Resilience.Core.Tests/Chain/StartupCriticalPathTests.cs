using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Resilience.Tests.Chain;

/// <summary>
/// What a restarted node serving its cache does before it serves, and what it leaves for later: the history is read
/// beside the cache's hash and validators (the swap still waits for it; a push from the control plane waits for it
/// before anything else, so a standing rollback refuses it), and the readers of other cache kinds are not even built
/// when the configured cache serves.
/// </summary>
public sealed class StartupCriticalPathTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_restarted_node_validates_its_cache_while_the_history_is_read_and_swaps_only_once_it_is_read()
    {
        await SeedCacheAsync();
        var gate = new HistoryGate();
        var validated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var starting = ChainNode.StartAsync(ChainNode.Settings(_dir), r => r.UseValidator((_, _) =>
        {
            validated.TrySetResult();
            return ValueTask.FromResult(ConfigValidationResult.Valid());
        }).UseCache<GatedHistoryCache>(), services => services.AddSingleton(gate));

        // The history's index is being read (and held there): the cache's validators run meanwhile.
        await gate.Reading.Task.WaitAsync(Bound);
        await validated.Task.WaitAsync(Bound);

        // Nothing is served before the history is read: its standing rollbacks and entries come first.
        Assert.False(starting.IsCompleted);
        gate.Open.SetResult();
        await using var node = await starting.WaitAsync(Bound);
        Assert.Equal(ConfigOrigin.Cache, node.DataPlane.State.ServingTier);
        Assert.Equal("cached", Configs.NameOf(node.DataPlane.Current));
        Assert.Contains(node.DataPlane.History, e => e.Hash == node.DataPlane.Current!.Hash);
    }

    [Fact]
    public async Task A_push_from_the_control_plane_waits_for_the_history_before_its_validators()
    {
        var gate = new HistoryGate();
        var validations = 0;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(ChainNode.Settings(_dir));
        builder.Services.AddLogging().AddSingleton(gate);
        builder.Services.AddDataPlaneResilience(builder.Configuration.GetSection("Resilience")).UseCache<GatedHistoryCache>().UseValidator((_, _) =>
        {
            Interlocked.Increment(ref validations);
            return ValueTask.FromResult(ConfigValidationResult.Valid());
        });
        using var host = builder.Build();
        var dataPlane = host.Services.GetRequiredService<DataPlane>();

        // The first apply is a push (no start-up read the history): it reads the history before it validates.
        var push = dataPlane.ApplyAsync(new ConfigDocument(Configs.Json("pushed"), ConfigFormat.Json, ConfigOrigin.ControlPlane), default).AsTask();
        await gate.Reading.Task.WaitAsync(Bound);
        await Task.Delay(200); // a bounded look: held behind the read, the push is not validated
        Assert.Equal(0, Volatile.Read(ref validations));
        Assert.False(push.IsCompleted);

        gate.Open.SetResult();
        Assert.Equal(ApplyOutcome.Applied, (await push.WaitAsync(Bound)).Outcome);
        Assert.Equal(1, Volatile.Read(ref validations));
    }

    [Fact]
    public async Task The_readers_of_other_cache_kinds_are_not_built_when_the_configured_cache_serves()
    {
        await SeedCacheAsync();
        var built = 0;
        await using (var node = await ChainNode.StartAsync(ChainNode.Settings(_dir), r => r.AddPreviousCache(_ =>
        {
            Interlocked.Increment(ref built);
            return new EmptyCache();
        })))
        {
            Assert.Equal(ConfigOrigin.Cache, node.DataPlane.State.ServingTier);
            Assert.Equal(0, built);
        }

        // With nothing usable in the configured cache, it is built and read (once).
        File.Delete(Path.Combine(_dir.Combine("data"), "config.json.gz"));
        await using var empty = await ChainNode.StartAsync(ChainNode.Settings(_dir), r => r.AddPreviousCache(_ =>
        {
            Interlocked.Increment(ref built);
            return new EmptyCache();
        }));
        Assert.Equal(1, built);
    }

    /// <summary>A node that served a manual apply leaves it in its cache and its history.</summary>
    private async Task SeedCacheAsync()
    {
        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir));
        var applied = await node.DataPlane.ApplyManualAsync(Configs.Json("cached"), ConfigFormat.Json, default);
        Assert.Equal(ApplyOutcome.Applied, applied.Outcome);
    }

    /// <summary>Holds the history index read of the node's file cache until the test opens it.</summary>
    private sealed class HistoryGate
    {
        public TaskCompletionSource Reading { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The real file cache, with its history index read held by a <see cref="HistoryGate"/> (registered in the container).</summary>
    private sealed class GatedHistoryCache(IServiceProvider services) : IConfigCache, IConfigHistoryStore
    {
        private readonly FileConfigCache _inner = ActivatorUtilities.CreateInstance<FileConfigCache>(services);
        private readonly HistoryGate _gate = services.GetRequiredService<HistoryGate>();

        public string Description => _inner.Description;

        public ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken) => _inner.LoadAsync(cancellationToken);

        public ValueTask SaveAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken) => _inner.SaveAsync(snapshot, cancellationToken);

        public ValueTask ClearAsync(CancellationToken cancellationToken) => _inner.ClearAsync(cancellationToken);

        public async ValueTask<ReadOnlyMemory<byte>?> ReadHistoryIndexAsync(CancellationToken cancellationToken)
        {
            _gate.Reading.TrySetResult();
            await _gate.Open.Task.WaitAsync(cancellationToken);
            return await ((IConfigHistoryStore)_inner).ReadHistoryIndexAsync(cancellationToken);
        }

        public ValueTask<ConfigDocument?> LoadHistoryEntryAsync(string hash, CancellationToken cancellationToken) => ((IConfigHistoryStore)_inner).LoadHistoryEntryAsync(hash, cancellationToken);

        public ValueTask WriteHistoryAsync(ReadOnlyMemory<byte> index, ConfigSnapshot? added, IReadOnlyCollection<string> keep, CancellationToken cancellationToken) =>
            ((IConfigHistoryStore)_inner).WriteHistoryAsync(index, added, keep, cancellationToken);

        public ValueTask SaveWithHistoryAsync(ConfigSnapshot served, ReadOnlyMemory<byte> index, IReadOnlyCollection<string> keep, CancellationToken cancellationToken) =>
            ((IConfigHistoryStore)_inner).SaveWithHistoryAsync(served, index, keep, cancellationToken);
    }

    private sealed class EmptyCache : IConfigCache
    {
        public string Description => "empty previous cache";

        public ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken) => ValueTask.FromResult<ConfigDocument?>(null);

        public ValueTask SaveAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask ClearAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
