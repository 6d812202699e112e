using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Resilience.ControlPlane.Redis.Tests;

/// <summary>The Redis backplane's contract, against a real redis-server.</summary>
public sealed class RedisControlPlaneBackplaneTests
{
    [Fact]
    public async Task Publish_assigns_increasing_revisions_above_the_stored_one_and_the_floor()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var backplane = Backplane(redis, "p");
        Assert.Null(await backplane.GetLatestAsync(CancellationToken.None));

        Assert.Equal(1, await backplane.PublishAsync(TestConfigs.Make(0, """{"v":1}"""), CancellationToken.None));
        Assert.Equal(2, await backplane.PublishAsync(TestConfigs.Make(0, """{"v":2}"""), CancellationToken.None));
        Assert.Equal(11, await backplane.PublishAsync(TestConfigs.Make(10, """{"v":3}""", "three") with { Signature = "sig" }, CancellationToken.None));

        var stored = await backplane.GetLatestAsync(CancellationToken.None);
        var expected = TestConfigs.Make(11, """{"v":3}""", "three") with { Signature = "sig" };
        Assert.NotNull(stored);
        Assert.Equal(expected.Revision, stored.Revision);
        Assert.Equal(expected.Hash, stored.Hash);
        Assert.Equal(expected.Version, stored.Version);
        Assert.Equal(expected.Signature, stored.Signature);
        Assert.Equal(expected.Timestamp, stored.Timestamp);
        Assert.Equal(expected.Size, stored.Size);
        Assert.Equal(expected.Payload.ToArray(), stored.Payload.ToArray());
    }

    [Fact]
    public async Task Concurrent_publishes_get_distinct_revisions_and_the_highest_is_stored()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var one = Backplane(redis, "p");
        await using var two = Backplane(redis, "p");
        var publishes = Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? one : two).PublishAsync(TestConfigs.Make(0, $$"""{"v":{{i}}}"""), CancellationToken.None).AsTask());
        var revisions = await Task.WhenAll(publishes);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), revisions.Order());
        Assert.Equal(40, (await one.GetLatestAsync(CancellationToken.None))!.Revision);
    }

    [Fact]
    public async Task Restore_writes_back_only_over_an_older_or_missing_configuration()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var backplane = Backplane(redis, "p");
        var five = TestConfigs.Make(5, """{"v":5}""");
        Assert.True(await backplane.RestoreAsync(five, CancellationToken.None));
        Assert.False(await backplane.RestoreAsync(five, CancellationToken.None));
        Assert.False(await backplane.RestoreAsync(TestConfigs.Make(4, """{"v":4}"""), CancellationToken.None));
        Assert.Equal(five.Hash, (await backplane.GetLatestAsync(CancellationToken.None))!.Hash);

        // A tie goes to the greater hash, the same rule the replicas apply.
        var tie = TestConfigs.Make(5, """{"v":"tie"}""");
        Assert.Equal(tie.IsNewerThan(five), await backplane.RestoreAsync(tie, CancellationToken.None));

        // The next publish continues above the restored revision.
        Assert.Equal(6, await backplane.PublishAsync(TestConfigs.Make(0, """{"v":6}"""), CancellationToken.None));
    }

    [Fact]
    public async Task Subscribers_hear_every_publish_and_restore_with_its_revision()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var publisher = Backplane(redis, "p");
        await using var listener = Backplane(redis, "p");
        await using var other = Backplane(redis, "other-control-plane");
        var heard = new System.Collections.Concurrent.ConcurrentQueue<long>();
        var unrelated = new System.Collections.Concurrent.ConcurrentQueue<long>();
        await using (await listener.SubscribeAsync(heard.Enqueue, CancellationToken.None))
        await using (await other.SubscribeAsync(unrelated.Enqueue, CancellationToken.None))
        {
            await publisher.PublishAsync(TestConfigs.Make(0, """{"v":1}"""), CancellationToken.None);
            await publisher.RestoreAsync(TestConfigs.Make(7, """{"v":7}"""), CancellationToken.None);
            await Eventually.HoldsAsync(() => heard.Count == 2, "both announcements arrived");
            Assert.Equal([1L, 7L], heard.ToArray());
        }

        // After unsubscribing: a second subscription on the same connection hears the next publish, and the first
        // would have been called for it before the second (its handler came first); the other control plane's channel
        // hears only its own marker, which Redis delivers after anything published before it.
        var probe = new System.Collections.Concurrent.ConcurrentQueue<long>();
        await using (await listener.SubscribeAsync(probe.Enqueue, CancellationToken.None))
        await using (await other.SubscribeAsync(unrelated.Enqueue, CancellationToken.None))
        {
            var eight = await publisher.PublishAsync(TestConfigs.Make(0, """{"v":8}"""), CancellationToken.None);
            var marker = await other.PublishAsync(TestConfigs.Make(0, """{"marker":1}"""), CancellationToken.None);
            await Eventually.HoldsAsync(() => probe.Contains(eight) && unrelated.Contains(marker), "the probe hears the publish and the other channel its marker");
            Assert.Equal(2, heard.Count);
            Assert.Equal([marker], unrelated.ToArray());
        }
    }

    [Fact]
    public async Task Registry_reports_are_per_replica_and_expire_with_their_replica()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var backplane = Backplane(redis, "p");
        var at = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var node = new DataPlaneInfo
        {
            NodeId = "dp-1",
            Hostname = "host-1",
            Version = "1.2.3",
            Labels = new Dictionary<string, string> { ["region"] = "eu" },
            IsConnected = true,
            ConnectedAt = at,
            LastSeen = at,
            ConfigHash = "abc",
            SyncStatus = DataPlaneSyncStatus.Rejected,
            TelemetryRecords = 12,
        };
        await backplane.ReportDataPlanesAsync("r1", [node], TimeSpan.FromMinutes(1), CancellationToken.None);
        await backplane.ReportDataPlanesAsync("r2", [node with { NodeId = "dp-2" }], TimeSpan.FromMilliseconds(300), CancellationToken.None);

        var fleet = await backplane.GetDataPlanesAsync(CancellationToken.None);
        Assert.Equal([("dp-1", "r1"), ("dp-2", "r2")], fleet.Select(i => (i.NodeId, i.ReplicaId)).Order());
        var read = fleet.Single(i => i.NodeId == "dp-1");
        Assert.Equal(node with { ReplicaId = "r1", Labels = read.Labels, Capabilities = read.Capabilities }, read);
        Assert.Equal("eu", read.Labels["region"]);
        Assert.Empty(read.Capabilities);

        await Eventually.HoldsAsync(() => backplane.GetDataPlanesAsync(CancellationToken.None).AsTask().Result.Count == 1, "the second replica's report expired");
    }

    [Fact]
    public async Task A_foreign_or_half_written_value_under_the_key_is_no_configuration()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var backplane = Backplane(redis, "p");
        using var direct = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        await direct.GetDatabase().HashSetAsync("{p}:config", [new HashEntry("rev", "not a number"), new HashEntry("hash", "x")]);
        Assert.Null(await backplane.GetLatestAsync(CancellationToken.None));

        await direct.GetDatabase().StringSetAsync("{p}:dataplanes:bad", "{not json");
        await direct.GetDatabase().SetAddAsync("{p}:replicas", "bad");
        Assert.Empty(await backplane.GetDataPlanesAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Every_call_fails_fast_with_the_typed_error_while_Redis_is_down_and_works_again_after()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var backplane = Backplane(redis, "p");
        await backplane.PublishAsync(TestConfigs.Make(0, """{"v":1}"""), CancellationToken.None);
        await redis.StopAsync();

        // Fail fast, not hang: the three calls must all have failed by a generous deadline (a TimeoutException otherwise).
        await FailAllAsync().WaitAsync(TimeSpan.FromSeconds(20));

        async Task FailAllAsync()
        {
            await Assert.ThrowsAsync<ControlPlaneBackplaneException>(() => backplane.PublishAsync(TestConfigs.Make(0, """{"v":2}"""), CancellationToken.None).AsTask());
            await Assert.ThrowsAsync<ControlPlaneBackplaneException>(() => backplane.GetLatestAsync(CancellationToken.None).AsTask());
            await Assert.ThrowsAsync<ControlPlaneBackplaneException>(() => backplane.GetDataPlanesAsync(CancellationToken.None).AsTask());
        }

        // Back (empty: no persistence); the same client reconnects on its own.
        await redis.StartAgainAsync();
        await Eventually.HoldsAsync(
            () =>
            {
                try
                {
                    return backplane.GetLatestAsync(CancellationToken.None).AsTask().Result is null;
                }
                catch (AggregateException)
                {
                    return false;
                }
            },
            "the backplane answers again",
            TimeSpan.FromSeconds(60));
        Assert.Equal(1, await backplane.PublishAsync(TestConfigs.Make(0, """{"v":3}"""), CancellationToken.None));
    }

    [Fact]
    public async Task Cancellation_is_honoured_even_though_the_client_takes_no_token()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var backplane = Backplane(redis, "p");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => backplane.GetLatestAsync(cancelled.Token).AsTask());
    }

    [Theory]
    [InlineData(null, "Configuration")]
    [InlineData("", "Configuration")]
    [InlineData("127.0.0.1:6379,notAnOption=1", "Configuration")]
    public void Options_are_validated_at_start(string? configuration, string named)
    {
        using var provider = new ServiceCollection().AddLogging()
            .AddDataPlaneHub(Pki.Hub)
            .AddDataPlaneHubRedisBackplane(o => o.Configuration = configuration)
            .BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RedisBackplaneOptions>>().Value);
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void A_prefix_with_braces_is_refused_it_is_the_cluster_hash_tag()
    {
        using var provider = new ServiceCollection().AddLogging()
            .AddDataPlaneHubRedisBackplane(o =>
            {
                o.Configuration = "127.0.0.1:6379";
                o.KeyPrefix = "a{b}";
            })
            .BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RedisBackplaneOptions>>().Value);
        Assert.Contains(nameof(RedisBackplaneOptions.KeyPrefix), error.Message);
    }

    [Fact]
    public void The_section_binds_both_the_redis_and_the_replica_options()
    {
        var section = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Backplane:Configuration"] = "127.0.0.1:6379",
            ["Backplane:KeyPrefix"] = "prod",
            ["Backplane:ReplicaId"] = "cp-a",
            ["Backplane:RegistryInterval"] = "00:00:02",
        }).Build().GetSection("Backplane");
        using var provider = new ServiceCollection().AddLogging().AddDataPlaneHub(Pki.Hub).AddDataPlaneHubRedisBackplane(section).BuildServiceProvider();
        Assert.Equal("prod", provider.GetRequiredService<IOptions<RedisBackplaneOptions>>().Value.KeyPrefix);
        Assert.Equal("cp-a", provider.GetRequiredService<IOptions<ControlPlaneBackplaneOptions>>().Value.ReplicaId);
        Assert.Equal(TimeSpan.FromSeconds(2), provider.GetRequiredService<IOptions<ControlPlaneBackplaneOptions>>().Value.RegistryInterval);
        Assert.IsType<RedisControlPlaneBackplane>(provider.GetRequiredService<IControlPlaneBackplane>());
    }

    [Fact]
    public async Task The_recent_configurations_are_kept_by_hash_up_to_their_count_and_the_older_ones_are_deleted()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var backplane = Backplane(redis, "p", recent: 2);
        var configs = Enumerable.Range(1, 3).Select(i => TestConfigs.Make(0, $$"""{"v":{{i}}}""", $"v{i}")).ToArray();
        foreach (var config in configs)
        {
            await backplane.PublishAsync(config, CancellationToken.None);
        }

        Assert.Null(await backplane.GetRecentAsync(configs[0].Hash, CancellationToken.None));
        var second = await backplane.GetRecentAsync(configs[1].Hash, CancellationToken.None);
        Assert.NotNull(second);
        Assert.Equal((2L, configs[1].Hash, "v2", configs[1].Size), (second.Revision, second.Hash, second.Version, second.Size));
        Assert.Equal(configs[1].Payload.ToArray(), second.Payload.ToArray());
        Assert.Equal(configs[2].Hash, (await backplane.GetRecentAsync(configs[2].Hash, CancellationToken.None))?.Hash);

        // Only the list and the kept ones: the oldest was deleted, not left to expire.
        await using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var keys = client.GetServers()[0].Keys(pattern: "{p}:recent:*").Select(k => k.ToString()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { $"{{p}}:recent:{configs[1].Hash}", $"{{p}}:recent:{configs[2].Hash}" }.Order(StringComparer.Ordinal), keys);
    }

    internal static RedisControlPlaneBackplane Backplane(RedisServer redis, string prefix, int recent = 8) =>
        new(Options.Create(new RedisBackplaneOptions { Configuration = redis.Configuration, KeyPrefix = prefix, OperationTimeout = TimeSpan.FromSeconds(3), RecentConfigs = recent }), NullLogger<RedisControlPlaneBackplane>.Instance);
}
