using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit.Abstractions;
using static Resilience.ControlPlane.Redis.Tests.ReplicaFleet;

namespace Resilience.ControlPlane.Redis.Tests;

/// <summary>
/// Three control-plane replicas (real Kestrel with generated certificates) over a real redis-server, with real data-plane
/// nodes. Deadlines are generous: the machine is shared and loaded.
/// </summary>
public sealed class ReplicaFleetTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_node_that_moves_to_a_replica_started_after_its_configuration_was_published_still_gets_a_delta()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();
        await using var cp1 = await StartAsync(redis, prefix, "r1");
        var first = await cp1.PublishAsync(Routes(300, edited: -1));
        var data = Directory.CreateTempSubdirectory("resilience-dp-").FullName;
        await using (var dp = await DataPlaneNode.StartAsync(Pki.Link(cp1.Endpoint), dataDirectory: data, nodeId: "mover"))
        {
            await Eventually.HoldsAsync(() => dp.Current?.Hash == first.Hash && File.Exists(Path.Combine(data, "config.json.gz")), "the node serves and cached the first configuration", Deadline);
        }

        var second = await cp1.PublishAsync(Routes(300, edited: 7));

        // Replica 2 starts now: it adopts the latest only; the node's configuration is in Redis's recent ones.
        await using var cp2 = await StartAsync(redis, prefix, "r2");
        await Eventually.HoldsAsync(() => cp2.Publisher.Latest?.Hash == second.Hash, "replica 2 serves the latest", Deadline);
        using var sent = new MetricCollector<long>(cp2.Services.GetRequiredService<IMeterFactory>(), "Resilience.ControlPlane", "resilience.control_plane.configs.sent");
        await using var moved = await DataPlaneNode.StartAsync(Pki.Link(cp2.Endpoint), dataDirectory: data, nodeId: "mover");
        Assert.Equal(first.Hash, moved.Current?.Hash);

        await Eventually.HoldsAsync(() => moved.Current?.Hash == second.Hash, "the node serves the latest from replica 2", Deadline);
        var measurement = Assert.Single(sent.GetMeasurementSnapshot());
        Assert.Equal("delta", measurement.Tags["kind"]);
    }

    private static string Routes(int routes, int edited) =>
        "{\n  \"Routes\": {\n" + string.Join(",\n", Enumerable.Range(0, routes).Select(i => $"    \"route-{i}\": {{ \"ClusterId\": \"c\", \"Match\": {{ \"Path\": \"/{(i == edited ? "edited" : "api")}/{i}\" }} }}")) + "\n  }\n}\n";

    [Fact]
    public async Task Publish_on_one_replica_reaches_the_nodes_of_every_replica_and_the_registry_is_fleet_wide()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();

        // No reconcile timer within the test: only the publish announcement can carry the config to replicas 2 and 3.
        Action<ControlPlaneBackplaneOptions> announcementsOnly = o => o.ReconcileInterval = TimeSpan.FromMinutes(30);
        await using var cp1 = await StartAsync(redis, prefix, "r1", announcementsOnly);
        await using var cp2 = await StartAsync(redis, prefix, "r2", announcementsOnly);
        await using var cp3 = await StartAsync(redis, prefix, "r3", announcementsOnly);
        await using var dp1 = await NodeAsync("dp-on-1", null, cp1);
        await using var dp2 = await NodeAsync("dp-on-2", null, cp2);
        await using var dp3 = await NodeAsync("dp-on-3", null, cp3);
        await Eventually.HoldsAsync(() => cp2.Registry.Find("dp-on-2")?.IsConnected == true && cp3.Registry.Find("dp-on-3")?.IsConnected == true, "every node is connected", Deadline);

        var fanOut = System.Diagnostics.Stopwatch.StartNew();
        var published = await cp1.PublishAsync(Config("v1"));

        await Eventually.HoldsAsync(() => dp1.Current?.Hash == published.Hash && dp2.Current?.Hash == published.Hash && dp3.Current?.Hash == published.Hash, "the nodes of replicas 1, 2 and 3 serve the publish of replica 1", Deadline);
        output.WriteLine($"publish on replica 1 -> served by the nodes of all three replicas in {fanOut.ElapsedMilliseconds} ms (polled every 20 ms)");
        Assert.Equal(ConfigOrigin.ControlPlane, dp3.State.ServingTier);
        Assert.Equal(published.Hash, cp2.Publisher.Latest?.Hash);
        Assert.Equal(published.Version, cp3.Publisher.Latest?.Version);

        // Every replica's registry lists every node, on the replica it is connected to, in sync.
        foreach (var cp in new[] { cp1, cp2, cp3 })
        {
            await Eventually.HoldsAsync(
                () => cp.Registry.GetAll() is { Count: 3 } all
                    && all.All(i => i.IsConnected && i.SyncStatus == DataPlaneSyncStatus.InSync)
                    && all.Select(i => (i.NodeId, i.ReplicaId)).SequenceEqual([("dp-on-1", "r1"), ("dp-on-2", "r2"), ("dp-on-3", "r3")]),
                "the registry shows the fleet: three nodes on three replicas, in sync",
                Deadline);
        }

        Assert.Equal("r2", cp1.Registry.Find("dp-on-2")?.ReplicaId);
        Assert.Equal("1.2.3", cp3.Registry.Find("dp-on-1")?.Version);
    }

    [Fact]
    public async Task A_killed_replicas_nodes_move_to_the_next_endpoint_within_the_reconnect_window_and_serve_the_latest()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();
        await using var cp1 = await StartAsync(redis, prefix, "r1");
        await using var cp2 = await StartAsync(redis, prefix, "r2");
        await using var cp3 = await StartAsync(redis, prefix, "r3");

        // The reference's reconnect timing: a random 5-10 s between rounds.
        Action<ClusterLinkOptions> reference = o =>
        {
            o.ReconnectDelayMin = TimeSpan.FromSeconds(5);
            o.ReconnectDelayMax = TimeSpan.FromSeconds(10);
        };
        await using var a = await NodeAsync("node-a", reference, cp2, cp3);
        await using var b = await NodeAsync("node-b", reference, cp2, cp1);
        var v1 = await cp1.PublishAsync(Config("v1"));
        await Eventually.HoldsAsync(() => a.Current?.Hash == v1.Hash && b.Current?.Hash == v1.Hash && a.State.Link.Endpoint == cp2.Endpoint && b.State.Link.Endpoint == cp2.Endpoint, "both nodes serve v1 through replica 2", Deadline);

        await cp2.StopAsync(CancellationToken.None);
        var v2 = await cp3.PublishAsync(Config("v2"));

        var moved = System.Diagnostics.Stopwatch.StartNew();
        await Eventually.HoldsAsync(
            () => a.Current?.Hash == v2.Hash && a.State.Link is { Status: ClusterLinkStatus.Connected } la && la.Endpoint == cp3.Endpoint
                && b.Current?.Hash == v2.Hash && b.State.Link is { Status: ClusterLinkStatus.Connected } lb && lb.Endpoint == cp1.Endpoint,
            "node A serves v2 through replica 3 and node B through replica 1 within 30 s (one round is 5-10 s)",
            TimeSpan.FromSeconds(30));
        output.WriteLine($"moved and serving the latest {moved.ElapsedMilliseconds} ms after replica 2 stopped (reconnect delay 5-10 s)");

        await Eventually.HoldsAsync(
            () => cp1.Registry.Find("node-a") is { IsConnected: true, ReplicaId: "r3", SyncStatus: DataPlaneSyncStatus.InSync }
                && cp1.Registry.Find("node-b") is { IsConnected: true, ReplicaId: "r1", SyncStatus: DataPlaneSyncStatus.InSync },
            "the fleet registry shows where each node is now",
            Deadline);
    }

    [Fact]
    public async Task Publish_while_Redis_is_down_fails_with_a_typed_error_and_every_replica_and_node_keeps_serving()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();
        await using var cp1 = await StartAsync(redis, prefix, "r1");
        await using var cp2 = await StartAsync(redis, prefix, "r2");
        await using var dp1 = await NodeAsync("dp-1", null, cp1);
        await using var dp2 = await NodeAsync("dp-2", null, cp2);
        using var publishes = new MetricCollector<long>(cp1.Services.GetRequiredService<IMeterFactory>(), ControlPlaneTelemetry.MeterName, "resilience.control_plane.backplane.publishes");
        var v1 = await cp1.PublishAsync(Config("v1"));
        await Eventually.HoldsAsync(() => dp1.Current?.Hash == v1.Hash && dp2.Current?.Hash == v1.Hash, "both nodes serve v1", Deadline);

        await redis.StopAsync();
        var failed = await Assert.ThrowsAsync<ControlPlaneBackplaneException>(() => cp1.PublishAsync(Config("lost")));
        output.WriteLine(failed.Message);

        // Nothing changed anywhere: the replica that took the publish serves what it served, as does every node.
        Assert.Equal(v1.Hash, cp1.Publisher.Latest?.Hash);
        Assert.Equal(v1.Hash, cp2.Publisher.Latest?.Hash);
        Assert.Equal(v1.Hash, dp1.Current?.Hash);
        Assert.Equal(v1.Hash, dp2.Current?.Hash);
        Assert.Equal(1, publishes.GetMeasurementSnapshot().Count(m => Equals(m.Tags["outcome"], "unavailable")));

        // Redis back: the publish is retried and reaches everyone; the lost one never appears.
        await redis.StartAgainAsync();
        var v2 = await Retry(() => cp1.PublishAsync(Config("v2")));
        await Eventually.HoldsAsync(() => dp1.Current?.Hash == v2.Hash && dp2.Current?.Hash == v2.Hash, "both nodes serve the publish made after Redis came back", Deadline);

        // Each node's session sends in order: had the lost publish gone out, the nodes would have validated it before v2.
        Assert.DoesNotContain(dp1.Validated, json => json.Contains("lost", StringComparison.Ordinal));
        Assert.DoesNotContain(dp2.Validated, json => json.Contains("lost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Redis_restarted_without_its_data_gets_the_latest_back_and_every_node_converges_on_the_next_publish()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();
        await using var cp1 = await StartAsync(redis, prefix, "r1");
        await using var cp2 = await StartAsync(redis, prefix, "r2");
        var cp3 = await StartAsync(redis, prefix, "r3");
        await using var dp1 = await NodeAsync("dp-1", null, cp1);
        await using var dp2 = await NodeAsync("dp-2", null, cp2);
        await cp1.PublishAsync(Config("v1"));
        var v2 = await cp2.PublishAsync(Config("v2"));
        await Eventually.HoldsAsync(() => new[] { dp1, dp2 }.All(n => n.Current?.Hash == v2.Hash) && cp3.Publisher.Latest?.Hash == v2.Hash, "every node and replica serves v2", Deadline);
        var revision = cp3.Publisher.Latest!.Version;

        // Redis goes down, and replica 3 restarts meanwhile: it starts (within its start-up timeout) with nothing.
        await redis.StopAsync();
        var port = cp3.Port;
        await cp3.DisposeAsync();
        await using var restarted = await StartAsync(redis, prefix, "r3", o => o.StartupTimeout = TimeSpan.FromSeconds(3), port);
        Assert.Null(restarted.Publisher.Latest);
        await using var dp3 = await NodeAsync("dp-3", null, restarted);

        // Redis comes back empty (no persistence here): replicas 1 and 2 write back what they serve, with its
        // revision, and the restarted replica and its node converge on it without a new publish.
        await redis.StartAgainAsync();
        await using var reader = Backplane(redis, prefix);
        await Eventually.HoldsAsync(() => StoredHash(reader) == v2.Hash, "Redis holds v2 again", Deadline);
        Assert.Equal(revision, (await reader.GetLatestAsync(CancellationToken.None))!.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Eventually.HoldsAsync(() => restarted.Publisher.Latest?.Hash == v2.Hash && dp3.Current?.Hash == v2.Hash, "the replica restarted during the outage and its new node serve v2", Deadline);
        var cp3Now = restarted;

        // The next publish, on the third replica, takes a higher revision than the one served, so every replica and node takes it.
        var v3 = await Retry(() => cp3Now.PublishAsync(Config("v3")));
        Assert.True(long.Parse(v3.Version, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(revision, System.Globalization.CultureInfo.InvariantCulture));
        await Eventually.HoldsAsync(() => new[] { dp1, dp2, dp3 }.All(n => n.Current?.Hash == v3.Hash), "every node serves v3", Deadline);
        Assert.All(new[] { cp1, cp2, cp3Now }, cp => Assert.Equal(v3.Hash, cp.Publisher.Latest?.Hash));
    }

    [Fact]
    public async Task Two_publishes_on_two_replicas_at_the_same_moment_end_with_every_node_on_one_hash()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();

        // No reconcile timer within the test: the order (revision, then hash) and the announcements alone must make
        // every replica settle on the same one, whatever order its own publish and the other's announcement come in.
        Action<ControlPlaneBackplaneOptions> announcementsOnly = o => o.ReconcileInterval = TimeSpan.FromMinutes(30);
        await using var cp1 = await StartAsync(redis, prefix, "r1", announcementsOnly);
        await using var cp2 = await StartAsync(redis, prefix, "r2", announcementsOnly);
        await using var cp3 = await StartAsync(redis, prefix, "r3", announcementsOnly);
        await using var dp1 = await NodeAsync("dp-1", null, cp1);
        await using var dp2 = await NodeAsync("dp-2", null, cp2);
        await using var dp3 = await NodeAsync("dp-3", null, cp3);
        var nodes = new[] { dp1, dp2, dp3 };
        var lastWinner = string.Empty;

        for (var round = 0; round < 5; round++)
        {
            using var go = new ManualResetEventSlim();
            var left = Task.Run(() => { go.Wait(); return cp1.PublishAsync(Config($"left-{round}")); });
            var right = Task.Run(() => { go.Wait(); return cp2.PublishAsync(Config($"right-{round}")); });
            go.Set();
            var results = await Task.WhenAll(left, right);
            var winner = results.MaxBy(r => long.Parse(r.Version, System.Globalization.CultureInfo.InvariantCulture))!;
            Assert.NotEqual(results[0].Version, results[1].Version);
            lastWinner = Config(winner == results[0] ? $"left-{round}" : $"right-{round}");

            await Eventually.HoldsAsync(
                () => nodes.All(n => n.Current?.Hash == winner.Hash) && new[] { cp1, cp2, cp3 }.All(cp => cp.Publisher.Latest?.Hash == winner.Hash),
                $"round {round}: every node and replica serves the publish with the higher revision ({winner.Version})",
                Deadline);
            output.WriteLine($"round {round}: revisions {results[0].Version} and {results[1].Version}; all on {winner.Version}");
        }

        // And it stays so: a last publish, with a higher revision than every round's, reaches every node after any
        // late announcement of the rounds; no node validated anything between the last winner and it.
        var last = await cp3.PublishAsync(Config("last"));
        await Eventually.HoldsAsync(() => nodes.All(n => n.Current?.Hash == last.Hash), "every node serves the last publish", Deadline);
        foreach (var node in nodes)
        {
            Assert.Equal([lastWinner, Config("last")], node.Validated.SkipWhile(json => json != lastWinner).ToArray());
        }
    }

    [Fact]
    public async Task A_restarted_replica_serves_the_latest_to_a_new_node_from_its_first_connection()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();
        await using var cp1 = await StartAsync(redis, prefix, "r1");
        var cp2 = await StartAsync(redis, prefix, "r2");
        await cp1.PublishAsync(Config("v1"));
        var port = cp2.Port;
        await cp2.DisposeAsync();

        var v2 = await cp1.PublishAsync(Config("v2"));

        // A new process (nothing in memory) on the same address: it reads the latest from Redis during start-up.
        await using var restarted = await StartAsync(redis, prefix, "r2", port: port);
        Assert.Equal(v2.Hash, restarted.Publisher.Latest?.Hash);
        await using var fresh = await NodeAsync("new-node", null, restarted);
        await Eventually.HoldsAsync(() => fresh.Current?.Hash == v2.Hash, "the new node serves v2 from the restarted replica", Deadline);
        Assert.Equal([Config("v2")], fresh.Validated.ToArray());
    }

    private static RedisControlPlaneBackplane Backplane(RedisServer redis, string prefix) =>
        new(
            Microsoft.Extensions.Options.Options.Create(new RedisBackplaneOptions { Configuration = redis.Configuration, KeyPrefix = prefix }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisControlPlaneBackplane>.Instance);

    /// <summary>
    /// The hash Redis holds, or null while it holds none or cannot be read: the reader's first commands after Redis
    /// restarts can time out while its client reconnects (a failed read, not an answer).
    /// </summary>
    private static string? StoredHash(RedisControlPlaneBackplane reader)
    {
        try
        {
            return reader.GetLatestAsync(CancellationToken.None).AsTask().Result?.Hash;
        }
        catch (AggregateException ex) when (ex.InnerException is ControlPlaneBackplaneException)
        {
            return null;
        }
    }

    /// <summary>An operator's retry: the client reconnects to a restarted Redis within a few seconds.</summary>
    private static async Task<PublishedConfig> Retry(Func<Task<PublishedConfig>> publish)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            try
            {
                return await publish();
            }
            catch (ControlPlaneBackplaneException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
