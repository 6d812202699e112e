using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Resilience.ControlPlane.Tests;

/// <summary>
/// The publisher, the coordinator and the driver as the container builds them, on a fake clock: nodes report through
/// the tracker (as sessions do), each round is taken by hand, and the bake runs on the fake clock alone.
/// </summary>
public sealed class RolloutDriverTests : IDisposable
{
    private static readonly Dictionary<string, string> Canary = new() { ["ring"] = "canary" };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services;

    public RolloutDriverTests()
    {
        _services = new ServiceCollection().AddLogging().AddMetrics().AddSingleton<TimeProvider>(_time).AddDataPlaneHub(Pki.Hub).BuildServiceProvider();
        Connect("canary", Canary);
        Connect("other", new Dictionary<string, string>());
    }

    private IConfigPublisher Publisher => _services.GetRequiredService<IConfigPublisher>();

    private RolloutNodeTracker Tracker => _services.GetRequiredService<RolloutNodeTracker>();

    private ConfigTargets Targets => _services.GetRequiredService<ConfigTargets>();

    private RolloutDriver Driver => _services.GetRequiredService<RolloutDriver>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task The_canary_bakes_on_the_fake_clock_then_the_rest_gets_it_and_it_becomes_stable()
    {
        var v1 = await Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":1}"""));
        Serve("canary", v1.Hash);
        Serve("other", v1.Hash);
        var v2 = await Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":2}"""), "v2", Plan(TimeSpan.FromMinutes(5)));
        Assert.Same(v2, Targets.For("canary", Canary));
        Assert.Same(v1, Targets.For("other", null));

        Serve("canary", v2.Hash);
        await Driver.RoundAsync(CancellationToken.None);
        Assert.Equal(RolloutWaveState.Baking, Targets.Rollout!.WaveStates[0].State);

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        await Driver.RoundAsync(CancellationToken.None);
        Assert.Same(v1, Targets.For("other", null));

        _time.Advance(TimeSpan.FromSeconds(1));
        await Driver.RoundAsync(CancellationToken.None);
        Assert.Equal(v2.Hash, Targets.For("other", null)!.Hash);

        Serve("other", v2.Hash);
        await Driver.RoundAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(5));
        await Driver.RoundAsync(CancellationToken.None);

        Assert.Equal(RolloutRecordPhase.Completed, Targets.Rollout!.Phase);
        Assert.Equal(v2.Hash, Publisher.Stable!.Hash);
        Assert.Null(Publisher.Stable.RolloutId);
    }

    [Fact]
    public async Task Failed_requests_in_the_canarys_heartbeats_halt_the_rollout_within_one_round_and_the_rollback_is_timed()
    {
        using var rollbackTime = new MetricCollector<double>(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), ControlPlaneTelemetry.MeterName, "resilience.control_plane.rollouts.rollback.duration");
        var v1 = await Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":1}"""));
        Serve("canary", v1.Hash);
        Serve("other", v1.Hash);

        // Before the rollout: 1 % failed.
        for (var i = 0; i < 10; i++)
        {
            Tracker.Heartbeat("canary", v1.Hash, requests: 100, failed: 1, ready: true);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var bad = await Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":"bad"}"""), "bad", Plan(TimeSpan.FromMinutes(5)));
        Serve("canary", bad.Hash);
        await Driver.RoundAsync(CancellationToken.None);

        // The first heartbeat after the apply counts requests from before it too (its interval began under v1): it
        // counts for neither configuration, however many failed.
        Tracker.Heartbeat("canary", bad.Hash, requests: 50, failed: 40, ready: true);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Driver.RoundAsync(CancellationToken.None);
        Assert.Equal(RolloutRecordPhase.Running, Targets.Rollout!.Phase);

        Tracker.Heartbeat("canary", bad.Hash, requests: 50, failed: 50, ready: true);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Driver.RoundAsync(CancellationToken.None);

        Assert.Equal(RolloutRecordPhase.RollingBack, Targets.Rollout!.Phase);
        Assert.Contains("rose to 100.0 % of 50 requests (before: 1.0 %", Targets.Rollout.Reason, StringComparison.Ordinal);
        Assert.Same(v1, Targets.For("canary", Canary));
        Assert.Same(v1, Targets.For("other", null));

        _time.Advance(TimeSpan.FromSeconds(2));
        Serve("canary", v1.Hash);
        await Driver.RoundAsync(CancellationToken.None);
        Assert.Equal(RolloutRecordPhase.RolledBack, Targets.Rollout!.Phase);
        Assert.Equal(2, Assert.Single(rollbackTime.GetMeasurementSnapshot()).Value);
        Assert.Equal(v1.Hash, Publisher.Stable!.Hash);
    }

    [Fact]
    public async Task A_node_that_connects_during_the_rollout_outside_the_first_wave_gets_the_stable_configuration_and_keeps_its_wave_on_reconnect()
    {
        var v1 = await Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":1}"""));
        Serve("canary", v1.Hash);
        var v2 = await Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":2}"""), "v2", Plan(TimeSpan.FromMinutes(5)));

        Connect("late", new Dictionary<string, string>());
        await Driver.RoundAsync(CancellationToken.None);
        Assert.Equal(1, Targets.Rollout!.Assignments["late"]);
        Assert.Same(v1, Targets.For("late", null));

        // It comes back labelled as a canary: its wave does not change.
        Connect("late", Canary);
        await Driver.RoundAsync(CancellationToken.None);
        Assert.Same(v1, Targets.For("late", Canary));
        Assert.Same(v2, Targets.For("canary", Canary));
    }

    [Fact]
    public async Task The_share_before_a_rollout_is_the_nodes_own_under_what_it_served_not_under_a_configuration_it_reverted()
    {
        var v1 = await Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":1}"""));
        Serve("canary", v1.Hash);
        Serve("other", v1.Hash);
        Heartbeats("canary", v1.Hash, 10, failed: 1);

        // Published to everyone, it failed every request until the node's bake reverted it; then v1 again.
        var bad = await Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":"bad"}"""));
        Serve("canary", bad.Hash);
        Heartbeats("canary", bad.Hash, 5, failed: 100);
        Tracker.Outcome("canary", bad.Hash, RolloutNodeState.Reverted, "100 of 100 requests failed", "self-revert", v1.Hash);
        Heartbeats("canary", v1.Hash, 3, failed: 1);

        await Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":2}"""), "v2", Plan(TimeSpan.FromMinutes(5)));
        var v2 = Publisher.Latest!;
        Serve("canary", v2.Hash);
        Heartbeats("canary", v2.Hash, 3, failed: 3);
        await Driver.RoundAsync(CancellationToken.None);

        // 3 % now against 1 % before: within the 5 points allowed. Counting the reverted one's failures would make
        // "before" about 27 %; the first heartbeats after each change (their intervals straddle it) count for neither.
        var gate = (await _services.GetRequiredService<IConfigRollouts>().GetCurrentAsync())!.Waves[0].Gates.Single(g => g.Name == "failed requests");
        Assert.Equal("3.0 % of 200 requests (before: 1.0 % of 1100)", gate.Value);
        Assert.Equal(RolloutGateState.Passed, gate.State);
    }

    private void Heartbeats(string id, string hash, int count, int failed)
    {
        for (var i = 0; i < count; i++)
        {
            Tracker.Heartbeat(id, hash, requests: 100, failed: failed, ready: true);
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private static RolloutPlan Plan(TimeSpan bake)
    {
        var canary = RolloutWave.WithLabels(Canary, bake);
        canary.Gates.MinRequests = 20;
        return new RolloutPlan(canary, RolloutWave.Rest(bake));
    }

    private void Connect(string id, Dictionary<string, string> labels)
    {
        _services.GetRequiredService<DataPlaneRegistry>().Update(id, _ => new DataPlaneInfo { NodeId = id, Labels = labels, IsConnected = true, ConnectedAt = _time.GetUtcNow() });
        Tracker.Connected(id, labels, canRollBack: false, servedHash: null);
    }

    private void Serve(string id, string hash) => Tracker.Served(id, hash);
}
