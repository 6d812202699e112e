using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Tests.FallbackStore;

/// <summary>
/// The behaviour every fallback store must show, run against each real store (S3 on s3rver, GCS on the
/// strict test server, a directory): objects round-trip, three exporters upload once, a stopped leader is
/// replaced, a new node boots from the store, and every failure falls through to the YAML tier.
/// </summary>
public abstract class FallbackStoreBehaviourTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IFallbackStoreFixture
{
    private const string Version = FallbackStoreBehaviourConstants.Version;
    private const string Yaml = "routes:\n  - from-yaml\n";
    private static readonly byte[] YamlAsJson = Encoding.UTF8.GetBytes("{\"routes\":[\"from-yaml\"]}");
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    // Long enough that one round against a store on a loaded machine stays inside it (an overrun gives up the lead).
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Stores that date objects with HTTP dates (S3's Last-Modified) count the store's clock in whole seconds, so a
    /// claim's age by the store's clock can read up to one second short.
    /// </summary>
    private static readonly TimeSpan StoreClockResolution = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A takeover is counted in the successor's own election rounds, not in the test's real time: "within interval plus
    /// grace" is at most (interval + grace + the store clock's resolution) / interval rounds, plus one round in flight
    /// when the leader stopped, one for the upload's own round, and two rounds the exporter schedules between interval
    /// rounds (the moment its claim has stood for the grace, the moment an export is due). A loaded machine stretches
    /// rounds but never adds any (the grace is real time too), so the bound holds under load and still fails a node
    /// that takes over late (a second grace is six rounds more) or never.
    /// </summary>
    private static readonly int TakeoverRounds = (int)Math.Ceiling((Interval + Grace + StoreClockResolution) / Interval) + 4;

    protected TFixture Fixture { get; } = fixture;

    private static string ConfigKey => FallbackStoreKeys.Config(Version);

    [Fact]
    public async Task Objects_round_trip_with_their_metadata()
    {
        var store = Fixture.CreateStore(Fixture.NewStorageUri());
        var content = Encoding.UTF8.GetBytes("{\"routes\":[\"a\",\"b\"],\"unicode\":\"h\u00e9\u00e9\"}");
        var metadata = new Dictionary<string, string> { [FallbackImporter.ExporterMetadataKey] = "node-1", ["config-hash"] = ConfigHash.Compute(content) };

        await store.PutAsync(ConfigKey, content, metadata, CancellationToken.None);
        var read = await store.GetAsync(ConfigKey, 1024 * 1024, CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal(content, read.Content.ToArray());
        Assert.Equal("node-1", read.Metadata[FallbackImporter.ExporterMetadataKey]);
        Assert.Equal(ConfigHash.Compute(content), read.Metadata["config-hash"]);
        Assert.Equal(ConfigKey, read.Key);
        Assert.True(read.LastModified > DateTimeOffset.UtcNow.AddMinutes(-5), $"last modified {read.LastModified}");
    }

    [Fact]
    public async Task Replacing_an_object_serves_the_new_content()
    {
        var store = Fixture.CreateStore(Fixture.NewStorageUri());
        await store.PutAsync(ConfigKey, "{\"v\":1}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        await store.PutAsync(ConfigKey, "{\"v\":2}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);

        var read = await store.GetAsync(ConfigKey, 1024, CancellationToken.None);

        Assert.Equal("{\"v\":2}"u8.ToArray(), read!.Content.ToArray());
    }

    [Fact]
    public async Task A_missing_key_reads_as_null_and_deleting_it_is_not_an_error()
    {
        var store = Fixture.CreateStore(Fixture.NewStorageUri());

        Assert.Null(await store.GetAsync(ConfigKey, 1024, CancellationToken.None));
        await store.DeleteAsync(ConfigKey, CancellationToken.None);
    }

    [Fact]
    public async Task An_object_over_the_size_limit_is_an_error_not_a_truncation()
    {
        var store = Fixture.CreateStore(Fixture.NewStorageUri());
        await store.PutAsync(ConfigKey, new byte[4096], new Dictionary<string, string>(), CancellationToken.None);

        var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.GetAsync(ConfigKey, 1000, CancellationToken.None));

        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task Listing_returns_every_key_under_a_prefix_relative_to_the_store_prefix()
    {
        var store = Fixture.CreateStore(Fixture.NewStorageUri());
        var prefix = FallbackStoreKeys.ElectionPrefix(Version);
        var expected = Enumerable.Range(0, 7).Select(i => FallbackStoreKeys.Election(Version, $"node-{i}")).ToList();
        foreach (var key in expected)
        {
            await store.PutAsync(key, "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        }

        await store.PutAsync(ConfigKey, "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        await store.PutAsync(FallbackStoreKeys.Election("9.9.9", "node-x"), "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);

        var listed = await store.ListAsync(prefix, CancellationToken.None);

        Assert.Equal(expected, listed.Select(i => i.Key).ToList());
        Assert.All(listed, i => Assert.Equal(2, i.Size));
    }

    [Fact]
    public async Task Deleted_objects_are_gone()
    {
        var store = Fixture.CreateStore(Fixture.NewStorageUri());
        var key = FallbackStoreKeys.Election(Version, "node-1");
        await store.PutAsync(key, "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);

        await store.DeleteAsync(key, CancellationToken.None);

        Assert.Null(await store.GetAsync(key, 1024, CancellationToken.None));
        Assert.Empty(await store.ListAsync(FallbackStoreKeys.ElectionPrefix(Version), CancellationToken.None));
    }

    [Fact]
    public async Task Three_exporters_exactly_one_uploads_the_config()
    {
        var storage = Fixture.NewStorageUri();
        var store = new CountingFallbackStore(Fixture.CreateStore(storage));
        var links = new List<ScriptedControlPlaneLink>();
        var nodes = new List<TestNode>();
        try
        {
            foreach (var id in new[] { "exporter-1", "exporter-2", "exporter-3" })
            {
                var link = new ScriptedControlPlaneLink();
                links.Add(link);
                nodes.Add(await TestNode.StartAsync(new TestNodeSettings { NodeId = id, Storage = storage, Export = true, Link = link, Store = store, ElectionInterval = Interval, ElectionGrace = Grace }));
            }

            var config = Encoding.UTF8.GetBytes("{\"routes\":[\"v1\"]}");
            foreach (var link in links)
            {
                Assert.True((await link.PushAsync(config)).IsServing);
            }

            await Eventually.HoldsAsync(() => store.UploadersOf(ConfigKey).Count > 0, "an exporter uploads the config", TimeSpan.FromSeconds(15));

            // Let every exporter run three more rounds (each round rewrites its registration): nobody else may upload.
            var ids = new[] { "exporter-1", "exporter-2", "exporter-3" };
            var rounds = ids.Select(id => store.PutCount(FallbackStoreKeys.Election(Version, id))).ToArray();
            await Eventually.HoldsAsync(
                () => ids.Select((id, i) => store.PutCount(FallbackStoreKeys.Election(Version, id)) >= rounds[i] + 3).All(b => b),
                "every exporter runs three more rounds",
                TimeSpan.FromSeconds(30));

            Assert.True(store.UploadersOf(ConfigKey).Count == 1, $"uploads by {string.Join(", ", store.UploadersOf(ConfigKey))}");
            var uploader = store.UploadersOf(ConfigKey)[0];
            await Eventually.HoldsAsync(() => nodes.Count(n => n.IsExporterLeader) == 1, "one exporter leads", TimeSpan.FromSeconds(15));
            Assert.Equal(uploader, ids[nodes.FindIndex(n => n.IsExporterLeader)]);
            var stored = await store.GetAsync(ConfigKey, 1024, CancellationToken.None);
            Assert.Equal(config, stored!.Content.ToArray());
            Assert.Equal(uploader, stored.Metadata[FallbackImporter.ExporterMetadataKey]);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Leader_stopped_another_node_exports_within_interval_plus_grace()
    {
        var storage = Fixture.NewStorageUri();
        var store = new CountingFallbackStore(Fixture.CreateStore(storage));
        var nodes = new List<(TestNode Node, ScriptedControlPlaneLink Link)>();
        try
        {
            foreach (var id in new[] { "exporter-1", "exporter-2", "exporter-3" })
            {
                var link = new ScriptedControlPlaneLink();
                nodes.Add((await TestNode.StartAsync(new TestNodeSettings { NodeId = id, Storage = storage, Export = true, Link = link, Store = store, ElectionInterval = Interval, ElectionGrace = Grace }), link));
                await link.PushAsync("{\"routes\":[\"v1\"]}"u8.ToArray());
            }

            await Eventually.HoldsAsync(() => store.UploadersOf(ConfigKey).Count == 1, "the first leader uploads v1", TimeSpan.FromSeconds(15));
            await Eventually.HoldsAsync(() => nodes.Count(n => n.Node.IsExporterLeader) == 1, "one exporter leads", TimeSpan.FromSeconds(15));
            var leader = nodes.Single(n => n.Node.IsExporterLeader);
            var leaderId = store.UploadersOf(ConfigKey)[0];

            var survivors = new[] { "exporter-1", "exporter-2", "exporter-3" }.Where(id => id != leaderId).ToArray();
            var roundsBefore = survivors.ToDictionary(id => id, id => store.PutCount(FallbackStoreKeys.Election(Version, id)));
            await leader.Node.StopAsync();
            var v2 = "{\"routes\":[\"v2\"]}"u8.ToArray();
            foreach (var (node, link) in nodes.Where(n => n.Node != leader.Node))
            {
                await link.PushAsync(v2);
            }

            await Eventually.HoldsAsync(() => store.UploadersOf(ConfigKey).Count >= 2, "another exporter uploads v2", TimeSpan.FromSeconds(30));
            Assert.Equal(v2, (await store.GetAsync(ConfigKey, 1024, CancellationToken.None))!.Content.ToArray());

            var uploaders = store.UploadersOf(ConfigKey);
            var successor = uploaders[^1]!;
            var rounds = store.PutCount(FallbackStoreKeys.Election(Version, successor)) - roundsBefore[successor];
            Assert.True(rounds <= TakeoverRounds, $"{successor} took over after {rounds} of its election rounds; within interval plus grace is at most {TakeoverRounds}");
            Assert.True(uploaders.Count == 2, $"uploads by {string.Join(", ", uploaders)}; first leader {leaderId}");
            Assert.NotEqual(leaderId, uploaders[1]);
        }
        finally
        {
            foreach (var (node, _) in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task New_node_with_control_plane_down_and_empty_cache_boots_from_the_store()
    {
        var storage = Fixture.NewStorageUri();
        var exported = "{\"routes\":[\"from-store\"]}"u8.ToArray();
        await Fixture.CreateStore(storage).PutAsync(ConfigKey, exported, new Dictionary<string, string> { [FallbackImporter.ExporterMetadataKey] = "backup-1" }, CancellationToken.None);

        await using var node = await TestNode.StartAsync(new TestNodeSettings
        {
            NodeId = "new-node", Storage = storage, Import = true, Yaml = Yaml, Link = new UnreachableControlPlaneLink(), UseStore = Fixture.UseStore,
        });
        await node.WaitForStartupAsync();

        var served = node.DataPlane.Current;
        Assert.NotNull(served);
        Assert.Equal(ConfigOrigin.FallbackStore, served.Origin);
        Assert.Equal(exported, served.Payload.ToArray());

        // The imported configuration is now this node's cache: a restart serves it without the store.
        var cache = node.Services.GetRequiredService<IConfigCache>();
        var cached = await cache.LoadAsync(CancellationToken.None);
        Assert.NotNull(cached);
        Assert.Equal(exported, cached.Content.ToArray());
    }

    [Fact]
    public async Task Store_unreachable_the_node_boots_from_yaml()
    {
        var (storage, use) = Fixture.UnreachableStore();
        await using var node = await TestNode.StartAsync(new TestNodeSettings
        {
            NodeId = "new-node", Storage = storage, Import = true, Yaml = Yaml, Link = new UnreachableControlPlaneLink(), UseStore = use,
        });
        await node.WaitForStartupAsync();

        Assert.Equal(ConfigOrigin.Declarative, node.DataPlane.Current?.Origin);
        Assert.Equal(YamlAsJson, node.DataPlane.Current!.Payload.ToArray());
    }

    [Fact]
    public async Task Invalid_json_in_the_store_is_rejected_and_the_node_boots_from_yaml()
    {
        var storage = Fixture.NewStorageUri();
        await Fixture.CreateStore(storage).PutAsync(ConfigKey, "{\"routes\": [\"broken\""u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);

        await using var node = await TestNode.StartAsync(new TestNodeSettings
        {
            NodeId = "new-node", Storage = storage, Import = true, Yaml = Yaml, Link = new UnreachableControlPlaneLink(), UseStore = Fixture.UseStore,
        });
        await node.WaitForStartupAsync();

        Assert.Equal(ConfigOrigin.Declarative, node.DataPlane.Current?.Origin);
        Assert.Equal(YamlAsJson, node.DataPlane.Current!.Payload.ToArray());
    }

    [Fact]
    public async Task A_config_exported_for_another_version_is_not_read()
    {
        var storage = Fixture.NewStorageUri();
        var store = Fixture.CreateStore(storage);
        await store.PutAsync(FallbackStoreKeys.Config("9.9.9.9"), "{\"routes\":[\"other-version\"]}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);

        await using var node = await TestNode.StartAsync(new TestNodeSettings
        {
            NodeId = "new-node", Storage = storage, Import = true, Yaml = Yaml, Link = new UnreachableControlPlaneLink(), UseStore = Fixture.UseStore,
        });
        await node.WaitForStartupAsync();

        Assert.Equal(ConfigOrigin.Declarative, node.DataPlane.Current?.Origin);
        Assert.Null(await store.GetAsync(ConfigKey, 1024, CancellationToken.None));
    }
}
