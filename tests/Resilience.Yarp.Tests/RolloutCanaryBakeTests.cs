using Microsoft.Extensions.DependencyInjection;
using Resilience.ControlPlane;

namespace Resilience.Yarp.Tests;

/// <summary>
/// A staged rollout over real gateways: a real control plane (Kestrel, mutual TLS) rolls a configuration out in waves to
/// real YARP gateways that proxy real requests to a real upstream. The first wave's <see cref="RolloutWave.NodeBake"/>
/// reaches its canary in the config header and tightens the canary's own bake; the rest of the fleet never gets the
/// configuration. The bakes run on the real clock (their logic is tested on a fake clock in Core); every wait is a poll.
/// </summary>
public sealed class RolloutCanaryBakeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task A_canary_waves_node_bake_makes_the_canary_revert_a_bad_config_by_itself_and_the_other_gateway_never_serves_it()
    {
        await using var upstream = await Upstream.StartAsync("upstream");
        await using var controlPlane = await ControlPlane.StartAsync();

        // Both gateways bake, but their own bake needs 100,000 requests in 10 s: far more than this traffic sends.
        await using var canary = await StartGatewayAsync("canary", controlPlane, o => o.Labels["ring"] = "canary");
        await using var other = await StartGatewayAsync("other", controlPlane, _ => { });
        var good = await controlPlane.PublishAsync(ProxyConfigs.CatchAll(upstream.Url));
        await Eventually.HoldsAsync(async () => await canary.GetAsync("/warm") == "upstream" && await other.GetAsync("/warm") == "upstream", "both gateways routing the good config");
        await using var canaryLoad = Traffic.Start(canary, workers: 1, pause: TimeSpan.FromMilliseconds(10));
        await using var otherLoad = Traffic.Start(other, workers: 1, pause: TimeSpan.FromMilliseconds(10));
        await canaryLoad.UntilAsync(20);
        await otherLoad.UntilAsync(20);

        // The canary wave asks its nodes for a 1 s window judged every 100 ms from 3 requests. Its failed-request gate is
        // off and it bakes for 5 minutes: only the canary's own verdict can end this rollout within the test.
        var canaryWave = RolloutWave.WithLabels(new Dictionary<string, string> { ["ring"] = "canary" }, TimeSpan.FromMinutes(5));
        canaryWave.Name = "canary wave";
        canaryWave.Gates.MaxFailedRequestShareIncrease = null;
        canaryWave.NodeBake = new BakeRequest { DetectionWindow = TimeSpan.FromSeconds(1), EvaluationInterval = TimeSpan.FromMilliseconds(100), MinimumRequests = 3 };
        var bad = await controlPlane.PublishAsync(
            ProxyConfigs.CatchAll($"http://127.0.0.1:{FreePort.Next()}/", routeId: "closed"),
            new RolloutPlan(canaryWave, RolloutWave.Rest(TimeSpan.FromMinutes(5))));

        // The canary served it, failed requests, and went back by itself over the wave's window, not its own 10 s one.
        await Eventually.HoldsAsync(() => canary.DataPlane.State.Bake is { Status: ConfigBakeStatus.Reverted } b && b.Hash == bad.Hash, "the canary reverting the bad config");
        Assert.Contains("requests failed in the last 00:00:01", canary.DataPlane.State.Bake.Reason, StringComparison.Ordinal);
        Assert.Equal((good.Hash, ConfigOrigin.Rollback), (canary.DataPlane.Current!.Hash, canary.DataPlane.Current.Origin));
        Assert.Equal((ConfigRollbackKind.Reverted, bad.Hash, good.Hash, "self-revert"), (canary.DataPlane.State.Rollback!.Kind, canary.DataPlane.State.Rollback.FromHash, canary.DataPlane.State.Rollback.ToHash, canary.DataPlane.State.Rollback.Actor));
        Assert.Contains(canary.DataPlane.History, e => e.Hash == bad.Hash && e.End == ConfigHistoryEnd.Reverted);
        Assert.NotNull(canaryLoad.FirstFailureAt);
        await Eventually.HoldsAsync(() => canaryLoad.RecoveredAt is not null, "requests through the canary reaching the upstream again");
        Assert.Equal("upstream", await canary.GetAsync("/after"));

        // The control plane hears of it and rolls the rollout back; the rest wave never started.
        await Eventually.HoldsAsync(async () => (await controlPlane.Rollouts.GetCurrentAsync())?.Phase == RolloutPhase.RolledBack, "the rollout rolled back");
        var status = (await controlPlane.Rollouts.GetCurrentAsync())!;
        Assert.Equal(bad.Hash, status.ConfigHash);
        Assert.Matches("^canary wave: node canary (reverted|rolled back) it: ", status.Reason);
        var canaryNode = Assert.Single(status.Waves[0].Nodes);
        Assert.Equal("canary", canaryNode.NodeId);

        // Reverted, or "rolled back" when a heartbeat naming the good config overtook the node's revert report: the control
        // plane then offered the bad config again, the node refused it as one it went back from, and that refusal is
        // recorded as a rollback (a known race in the session, noted in issue 20's notes). Either way, by the node itself.
        Assert.Contains(canaryNode.State, new[] { RolloutNodeState.Reverted, RolloutNodeState.RolledBack });
        await Eventually.HoldsAsync(() => controlPlane.Registry.Find("canary")?.LastRollback is { Kind: DataPlaneRollbackKind.Reverted, Actor: "self-revert" } r && r.FromHash == bad.Hash, "the registry showing the canary's self-revert");
        Assert.Equal(RolloutWaveState.Pending, status.Waves[1].State);

        // The other gateway never served the bad config: not in its history, and every request it proxied reached the upstream.
        var (otherOk, otherFailed) = await otherLoad.StopAsync();
        Assert.DoesNotContain(other.DataPlane.History, e => e.Hash == bad.Hash);
        Assert.Equal(good.Hash, other.DataPlane.Current!.Hash);
        Assert.True(otherFailed == 0, $"{otherFailed} of {otherOk + otherFailed} requests through the other gateway failed");
        Assert.True(otherOk > 20, $"only {otherOk} requests through the other gateway");
        Assert.Equal("upstream", await other.GetAsync("/after"));
    }

    public void Dispose() => _dir.Dispose();

    private Task<Gateway> StartGatewayAsync(string nodeId, ControlPlane controlPlane, Action<DataPlaneResilienceOptions> node) =>
        Gateway.StartAsync(
            _dir.File(nodeId),
            configureServices: s =>
            {
                s.Configure<DataPlaneResilienceOptions>(o =>
                {
                    o.NodeId = nodeId;
                    node(o);
                });
                s.Configure<BakeOptions>(o =>
                {
                    o.Enabled = true;
                    o.Duration = TimeSpan.FromMinutes(2);
                    o.DetectionWindow = TimeSpan.FromSeconds(10);
                    o.MinimumRequests = 100_000;
                });
            },
            resilience: controlPlane.Link);
}
