using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Resilience.ControlPlane.Redis.Tests;

/// <summary>The replica's logic (publisher, reconcile loop, fleet registry) over the in-memory test double, on fake time.</summary>
public sealed class BackplaneReplicaTests
{
    [Fact]
    public void Order_is_revision_then_hash()
    {
        var a = TestConfigs.Make(5, """{"a":1}""");
        var b = TestConfigs.Make(6, """{"b":1}""");
        var tie = TestConfigs.Make(5, """{"c":1}""");
        Assert.True(b.IsNewerThan(a));
        Assert.False(a.IsNewerThan(b));
        Assert.True(a.IsNewerThan(null));
        Assert.False(a.IsNewerThan(a));
        Assert.NotEqual(a.IsNewerThan(tie), tie.IsNewerThan(a));
        Assert.Equal(string.CompareOrdinal(a.Hash, tie.Hash) > 0, a.IsNewerThan(tie));
    }

    [Fact]
    public async Task Publish_takes_its_revision_from_the_backplane_above_what_the_replica_serves()
    {
        var backplane = new InMemoryBackplane();
        await using var replica = Replica(backplane, new FakeTimeProvider());
        var first = await replica.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":1}"""));
        Assert.Equal("1", first.Version);
        Assert.Equal(first.Hash, backplane.Stored?.Hash);

        // Another replica published meanwhile: the next revision is above it.
        backplane.Stored = TestConfigs.Make(41, """{"v":"other"}""");
        var next = await replica.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":2}"""), "release-2");
        Assert.Equal(42, backplane.Stored!.Revision);
        Assert.Equal("release-2", next.Version);
        Assert.Equal(next.Hash, replica.Publisher.Latest?.Hash);
    }

    [Fact]
    public async Task A_publish_overtaken_by_a_newer_one_from_another_replica_is_not_served()
    {
        var backplane = new InMemoryBackplane();
        await using var replica = Replica(backplane, new FakeTimeProvider());
        var newer = TestConfigs.Make(2, """{"v":"other replica"}""");
        backplane.AfterPublish = _ => replica.Publisher.Adopt(newer, received: true);

        var mine = await replica.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":"mine"}"""));

        Assert.Equal("1", mine.Version);
        Assert.Equal(newer.Hash, replica.Publisher.Latest?.Hash);
        Assert.Equal(2, replica.Publisher.Latest?.Sequence);
    }

    [Fact]
    public async Task Publish_while_the_backplane_is_down_throws_the_typed_error_and_keeps_the_latest()
    {
        var backplane = new InMemoryBackplane();
        await using var replica = Replica(backplane, new FakeTimeProvider());
        var served = await replica.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":1}"""));
        backplane.Down = true;
        await Assert.ThrowsAsync<ControlPlaneBackplaneException>(() => replica.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":2}""")).AsTask());
        Assert.Same(served, replica.Publisher.Latest);

        // Bad JSON is still the caller's error, not the backplane's, and is refused before it is sent.
        await Assert.ThrowsAsync<ArgumentException>(() => replica.Publisher.PublishAsync(Encoding.UTF8.GetBytes("[1]")).AsTask());
    }

    [Fact]
    public async Task Adopt_takes_only_newer_configurations_and_refuses_one_that_does_not_match_its_hash()
    {
        await using var replica = Replica(new InMemoryBackplane(), new FakeTimeProvider());
        var publisher = replica.Publisher;
        var offered = new List<PublishedConfig>();
        publisher.Published += offered.Add;

        Assert.NotNull(publisher.Adopt(TestConfigs.Make(3, """{"v":3}"""), received: true));
        publisher.Adopt(TestConfigs.Make(2, """{"v":2}"""), received: true);
        Assert.Equal(3, publisher.LatestShared?.Revision);
        Assert.Equal("3", publisher.Latest?.Version);

        var tampered = TestConfigs.Make(9, """{"v":9}""") with { Payload = TestConfigs.Gzip(Encoding.UTF8.GetBytes("""{"v":"evil"}""")) };
        Assert.Null(publisher.Adopt(tampered, received: true));
        Assert.Null(publisher.Adopt(TestConfigs.Make(9, """{"v":9}""") with { Payload = new byte[] { 1, 2, 3 } }, received: true));
        Assert.Equal(3, publisher.LatestShared?.Revision);
        Assert.Single(offered);
    }

    [Fact]
    public async Task Start_reads_the_fleets_latest_before_the_host_serves()
    {
        var backplane = new InMemoryBackplane { Stored = TestConfigs.Make(7, """{"v":7}""", "seven") };
        await using var replica = Replica(backplane, new FakeTimeProvider());
        await replica.StartAsync();
        Assert.Equal(backplane.Stored.Hash, replica.Publisher.Latest?.Hash);
        Assert.Equal("seven", replica.Publisher.Latest?.Version);
        Assert.Equal(1, backplane.Subscribers);
    }

    [Fact]
    public async Task A_hanging_backplane_does_not_hold_start_up_longer_than_the_startup_timeout()
    {
        var time = new FakeTimeProvider();
        var hang = new TaskCompletionSource();
        var backplane = new InMemoryBackplane { Hang = hang.Task };
        await using var replica = Replica(backplane, time, o => o.StartupTimeout = TimeSpan.FromSeconds(10));
        var start = replica.StartAsync();

        // Once start-up's round waits on the hanging backplane, only the hang or the fake clock can end it.
        await Eventually.HoldsAsync(() => backplane.Calls > 0, "start-up's round reaches the backplane");
        Assert.False(start.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(10));
        await start.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(replica.Publisher.Latest);
        Assert.False(replica.Service.IsAvailable);

        // Once it answers, the next round (one retry delay later) subscribes and serves the stored configuration.
        backplane.Stored = TestConfigs.Make(4, """{"v":4}""");
        backplane.Hang = null;
        hang.SetResult();
        await AdvanceUntilAsync(time, () => replica.Publisher.Latest?.Hash == backplane.Stored.Hash);
        Assert.True(replica.Service.IsAvailable);
    }

    [Fact]
    public async Task An_announcement_wakes_the_replica_and_the_reconcile_timer_finds_a_lost_one()
    {
        var time = new FakeTimeProvider();
        var backplane = new InMemoryBackplane();
        await using var replica = Replica(backplane, time, o => o.ReconcileInterval = TimeSpan.FromSeconds(30));
        await replica.StartAsync();

        // Announced: served without any time passing.
        backplane.Stored = TestConfigs.Make(1, """{"v":1}""");
        backplane.Notify(1);
        await Eventually.HoldsAsync(() => replica.Publisher.Latest?.Sequence == 1, "the replica serves the announced one");

        // Stored without an announcement (lost in transit): found on the next reconcile round.
        // At 29 s the registry round runs (due every 5 s) and the reconcile is not yet due: the loop has woken and
        // looked at the reconcile timer once the registry report lands, so the stored one is not found yet.
        backplane.Stored = TestConfigs.Make(2, """{"v":2}""");
        var reports = backplane.Reports;
        time.Advance(TimeSpan.FromSeconds(29));
        await Eventually.HoldsAsync(() => backplane.Reports > reports, "the registry round at 29 s");
        Assert.Equal(1, replica.Publisher.Latest?.Sequence);
        await AdvanceUntilAsync(time, () => replica.Publisher.Latest?.Sequence == 2);
    }

    [Fact]
    public async Task A_backplane_that_lost_its_data_gets_the_replicas_configuration_back_with_its_revision()
    {
        var time = new FakeTimeProvider();
        var backplane = new InMemoryBackplane { Stored = TestConfigs.Make(12, """{"v":12}""") };
        await using var replica = Replica(backplane, time);
        await replica.StartAsync();
        var served = backplane.Stored;

        backplane.Stored = null;     // Redis restarted empty
        backplane.Notify(0);         // ... and the connection came back
        await Eventually.HoldsAsync(() => backplane.Stored is not null, "the replica writes its configuration back");
        Assert.Equal(served, backplane.Stored);
        Assert.Equal(1, backplane.Restores);

        // A newer one from another replica is not overwritten.
        backplane.Stored = TestConfigs.Make(13, """{"v":13}""");
        backplane.Notify(13);
        await Eventually.HoldsAsync(() => replica.Publisher.Latest?.Sequence == 13, "the replica serves the newer one");
        Assert.Equal(1, backplane.Restores);
    }

    [Fact]
    public async Task The_registry_answers_for_the_fleet_and_a_node_that_moved_shows_where_it_is_now()
    {
        var time = new FakeTimeProvider();
        var backplane = new InMemoryBackplane();
        await using var replica = Replica(backplane, time, o =>
        {
            o.ReplicaId = "here";
            o.RegistryInterval = TimeSpan.FromSeconds(5);
        });
        var at = time.GetUtcNow();
        replica.Services.GetRequiredService<DataPlaneRegistry>().Update("moved", _ => new DataPlaneInfo { NodeId = "moved", IsConnected = true, ConnectedAt = at, LastSeen = at });
        await backplane.ReportDataPlanesAsync(
            "there",
            [
                new DataPlaneInfo { NodeId = "moved", IsConnected = true, ConnectedAt = at.AddMinutes(-5), LastSeen = at },
                new DataPlaneInfo { NodeId = "remote", IsConnected = true, ConnectedAt = at, LastSeen = at, ConfigHash = "x" },
            ],
            TimeSpan.FromSeconds(15),
            CancellationToken.None);
        await replica.StartAsync();

        var registry = replica.Services.GetRequiredService<IDataPlaneRegistry>();
        Assert.IsType<FleetDataPlaneRegistry>(registry);
        Assert.Equal(["moved", "remote"], registry.GetAll().Select(i => i.NodeId));
        Assert.Equal("here", registry.Find("moved")?.ReplicaId);
        Assert.Equal("there", registry.Find("remote")?.ReplicaId);
        Assert.Equal(DataPlaneSyncStatus.Unknown, registry.Find("remote")?.SyncStatus);

        // This replica's own report reached the backplane too.
        Assert.Contains(await backplane.GetDataPlanesAsync(CancellationToken.None), i => i is { NodeId: "moved", ReplicaId: "here" });
    }

    [Fact]
    public async Task Publish_and_receive_leave_spans_and_the_failed_publish_an_event_with_its_id()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ControlPlaneTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var backplane = new InMemoryBackplane();
        await using var replica = Replica(backplane, new FakeTimeProvider(), logging: true);
        var published = await replica.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"span":1}"""));
        backplane.Stored = TestConfigs.Make(5, """{"span":5}""");
        await replica.StartAsync();
        backplane.Down = true;
        await Assert.ThrowsAsync<ControlPlaneBackplaneException>(() => replica.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"span":2}""")).AsTask());

        var mine = spans.Where(a => a.OperationName == "resilience.backplane.publish").ToArray();
        Assert.Contains(mine, a => Equals(a.GetTagItem("resilience.config.hash"), published.Hash) && Equals(a.GetTagItem("resilience.backplane.revision"), 1L) && a.Status == ActivityStatusCode.Unset);
        Assert.Contains(mine, a => a.Status == ActivityStatusCode.Error);
        Assert.Contains(spans, a => a.OperationName == "resilience.backplane.receive" && Equals(a.GetTagItem("resilience.backplane.outcome"), "adopted") && Equals(a.GetTagItem("resilience.backplane.revision"), 5L));

        var events = replica.Services.GetFakeLogCollector().GetSnapshot().Select(r => r.Id.Id).ToArray();
        Assert.Contains(8000, events);
        Assert.Contains(8001, events);
        Assert.Contains(8008, events);
        Assert.All(events.Where(id => id >= 8000), id => Assert.InRange(id, 8000, 8049));
    }

    [Fact]
    public void Fresher_prefers_a_live_connection_then_the_later_one()
    {
        var t = DateTimeOffset.UnixEpoch;
        var live = new DataPlaneInfo { NodeId = "n", IsConnected = true, ConnectedAt = t };
        var closed = new DataPlaneInfo { NodeId = "n", IsConnected = false, LastSeen = t.AddHours(1) };
        var newer = live with { ConnectedAt = t.AddSeconds(1) };
        Assert.Same(live, FleetDataPlaneRegistry.Fresher(live, closed));
        Assert.Same(live, FleetDataPlaneRegistry.Fresher(closed, live));
        Assert.Same(newer, FleetDataPlaneRegistry.Fresher(live, newer));
        Assert.Same(closed, FleetDataPlaneRegistry.Fresher(closed with { LastSeen = t }, closed));
    }

    [Fact]
    public void Without_a_backplane_the_hub_is_as_before()
    {
        using var provider = new ServiceCollection().AddLogging().AddDataPlaneHub(Pki.Hub).BuildServiceProvider();
        Assert.IsType<DataPlaneRegistry>(provider.GetRequiredService<IDataPlaneRegistry>());
        Assert.Null(provider.GetService<IControlPlaneBackplane>());
        Assert.Empty(provider.GetServices<IHostedService>());
    }

    [Fact]
    public void Backplane_options_are_validated_at_start()
    {
        using var provider = new ServiceCollection().AddLogging()
            .AddDataPlaneHub(Pki.Hub)
            .AddDataPlaneHubBackplane<InMemoryBackplane>(o => o.ReconcileInterval = TimeSpan.Zero)
            .BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ControlPlaneBackplaneOptions>>().Value);
        Assert.Contains(nameof(ControlPlaneBackplaneOptions.ReconcileInterval), error.Message);
    }

    private static TestReplica Replica(InMemoryBackplane backplane, FakeTimeProvider time, Action<ControlPlaneBackplaneOptions>? configure = null, bool logging = false)
    {
        var services = new ServiceCollection();
        if (logging)
        {
            services.AddFakeLogging();
        }

        services
            .AddLogging()
            .AddSingleton<TimeProvider>(time)
            .AddDataPlaneHub(Pki.Hub)
            .AddSingleton<IControlPlaneBackplane>(backplane)
            .AddDataPlaneHubBackplane<InMemoryBackplane>(configure);
        return new TestReplica(services.BuildServiceProvider());
    }

    /// <summary>Moves fake time on in small steps until the loop did what it should (its awaits run on real threads).</summary>
    private static async Task AdvanceUntilAsync(FakeTimeProvider time, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }
    }

    private sealed class TestReplica(ServiceProvider services) : IAsyncDisposable
    {
        public ServiceProvider Services { get; } = services;

        public ConfigPublisher Publisher => Services.GetRequiredService<ConfigPublisher>();

        public BackplaneReplicaService Service => Services.GetRequiredService<BackplaneReplicaService>();

        public Task StartAsync() => Service.StartAsync(CancellationToken.None);

        public async ValueTask DisposeAsync()
        {
            await Service.StopAsync(CancellationToken.None);
            await Services.DisposeAsync();
        }
    }
}
