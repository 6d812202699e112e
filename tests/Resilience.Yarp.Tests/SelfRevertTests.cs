using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Resilience.ControlPlane;
using Xunit.Abstractions;

namespace Resilience.Yarp.Tests;

/// <summary>
/// The bake on real gateways: a real control plane (Kestrel, mutual TLS) pushes to real YARP gateways that proxy to a real
/// upstream, under load. The bake runs on the real clock here (its logic is tested on a fake clock in Core); every wait
/// is a poll with a deadline, and the bake's own windows are what the assertions are about.
/// </summary>
public sealed class SelfRevertTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan DetectionWindow = TimeSpan.FromSeconds(2);
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task A_config_routing_to_a_closed_port_is_reverted_within_the_bake_window_under_load_and_never_pushed_to_that_node_again()
    {
        await using var upstream = await Upstream.StartAsync("upstream");
        await using var controlPlane = await ControlPlane.StartAsync();

        // Two gateways on the same control plane, under the same load: one bakes, one does not (the figure to compare).
        await using var baking = await StartGatewayAsync("baking", controlPlane, Bake(duration: TimeSpan.FromMinutes(2)));
        await using var plain = await StartGatewayAsync("plain", controlPlane, bake: null);
        var good = await controlPlane.PublishAsync(ProxyConfigs.CatchAll(upstream.Url));
        await Eventually.HoldsAsync(async () => await baking.GetAsync("/warm") == "upstream" && await plain.GetAsync("/warm") == "upstream", "both gateways routing the good config");

        await using var bakingLoad = Traffic.Start(baking, workers: 2);
        await using var plainLoad = Traffic.Start(plain, workers: 2);
        await bakingLoad.UntilAsync(100);
        var bad = await controlPlane.PublishAsync(ProxyConfigs.CatchAll($"http://127.0.0.1:{ClosedPort()}/", routeId: "closed"));

        // Reverted by the failed share of a detection window, long before the two-minute bake ends.
        await Eventually.HoldsAsync(() => Task.FromResult(baking.DataPlane.State.Bake is { Status: ConfigBakeStatus.Reverted } b && b.Hash == bad.Hash), "the baking gateway reverting the bad config");
        await Eventually.HoldsAsync(() => Task.FromResult(bakingLoad.RecoveredAt is not null), "requests through the baking gateway succeeding again");
        Assert.Equal(good.Hash, baking.DataPlane.Current!.Hash);
        Assert.Equal(ConfigOrigin.Rollback, baking.DataPlane.Current.Origin);
        Assert.Equal((ConfigRollbackKind.Reverted, bad.Hash, good.Hash, "self-revert"), (baking.DataPlane.State.Rollback!.Kind, baking.DataPlane.State.Rollback.FromHash, baking.DataPlane.State.Rollback.ToHash, baking.DataPlane.State.Rollback.Actor));
        Assert.Contains(baking.DataPlane.History, e => e.Hash == bad.Hash && e.End == ConfigHistoryEnd.Reverted);

        // Keep both under load for ten detection windows after the plain gateway's first failure: the same span for both.
        await Eventually.HoldsAsync(() => Task.FromResult(plainLoad.FirstFailureAt is not null), "the plain gateway serving the bad config");
        var observed = Stopwatch.GetTimestamp();
        await Eventually.HoldsAsync(() => Task.FromResult(Stopwatch.GetElapsedTime(plainLoad.FirstFailureAt!.Value) >= DetectionWindow * 10), "ten detection windows of load", TimeSpan.FromMinutes(1));
        var withRevert = await bakingLoad.StopAsync();
        var without = await plainLoad.StopAsync();
        var detectToServe = Stopwatch.GetElapsedTime(bakingLoad.FirstFailureAt!.Value, bakingLoad.RecoveredAt!.Value);
        output.WriteLine($"failed requests while the bad config was served, same load, {Stopwatch.GetElapsedTime(plainLoad.FirstFailureAt!.Value).TotalSeconds:F1} s after the first failure: with self-revert {withRevert.Failed} of {withRevert.Failed + withRevert.Ok}, without {without.Failed} of {without.Failed + without.Ok} (ratio {(double)withRevert.Failed / Math.Max(1, without.Failed):F3}); first failed request to the previous config serving again: {detectToServe.TotalSeconds:F2} s (detection window {DetectionWindow.TotalSeconds} s); observed {Stopwatch.GetElapsedTime(observed).TotalSeconds:F1} s");
        Assert.Equal(bad.Hash, plain.DataPlane.Current!.Hash);
        Assert.True(withRevert.Failed * 2 < without.Failed, $"with self-revert {withRevert.Failed} failed requests, without {without.Failed}");

        // The control plane hears of it, shows it, and does not push the bad config to that node again (heartbeats go on).
        await Eventually.HoldsAsync(() => Task.FromResult(Node(controlPlane, "baking")?.LastRollback is { Kind: DataPlaneRollbackKind.Reverted, Actor: "self-revert" } r && r.FromHash == bad.Hash), "the registry showing the revert");
        var reverted = Node(controlPlane, "baking")!;
        Assert.Equal(DataPlaneSyncStatus.Reverted, reverted.SyncStatus);
        Assert.True(reverted.Health!.TotalFailedRequests > 0, "the heartbeats carried the failed requests");
        var heardAt = reverted.Health.ReportedAt;
        using var sent = controlPlane.CountConfigsSent();
        await Eventually.HoldsAsync(() => Task.FromResult(Node(controlPlane, "baking")!.Health!.ReportedAt > heardAt + TimeSpan.FromSeconds(2)), "more heartbeats after the revert");
        Assert.Empty(sent.GetMeasurementSnapshot());
        Assert.Equal(good.Hash, baking.DataPlane.Current!.Hash);
        Assert.Equal(good.Hash, Node(controlPlane, "baking")!.ConfigHash);
        Assert.Equal("reverted", Node(controlPlane, "baking")!.Health!.Bake);
        Assert.Null(Node(controlPlane, "baking")!.LastApplyError);
    }

    [Fact]
    public async Task A_good_config_passes_its_bake_and_is_kept()
    {
        await using var upstream = await Upstream.StartAsync("upstream");
        await using var controlPlane = await ControlPlane.StartAsync();
        await using var gateway = await StartGatewayAsync("gw", controlPlane, Bake(duration: TimeSpan.FromSeconds(4)));
        var first = await controlPlane.PublishAsync(ProxyConfigs.CatchAll(upstream.Url));
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/warm") == "upstream", "the first config routing");
        await using var load = Traffic.Start(gateway, workers: 2);
        var second = await controlPlane.PublishAsync(ProxyConfigs.CatchAll(upstream.Url, routeId: "second"));

        await Eventually.HoldsAsync(() => Task.FromResult(gateway.DataPlane.State.Bake is { Status: ConfigBakeStatus.Passed } b && b.Hash == second.Hash), "the second config passing its bake");
        var (ok, failed) = await load.StopAsync();
        Assert.Equal(second.Hash, gateway.DataPlane.Current!.Hash);
        Assert.Equal(ConfigOrigin.ControlPlane, gateway.DataPlane.Current.Origin);
        Assert.Null(gateway.DataPlane.State.Rollback);
        Assert.True(failed == 0, $"{failed} of {ok + failed} requests failed");
        Assert.NotEqual(first.Hash, second.Hash);
    }

    [Fact]
    public async Task Too_little_traffic_to_judge_keeps_the_new_config_and_says_so()
    {
        await using var upstream = await Upstream.StartAsync("upstream");
        await using var controlPlane = await ControlPlane.StartAsync();
        await using var gateway = await StartGatewayAsync("gw", controlPlane, Bake(duration: TimeSpan.FromSeconds(3)));
        var good = await controlPlane.PublishAsync(ProxyConfigs.CatchAll(upstream.Url));
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/warm") == "upstream", "the good config routing");
        var bad = await controlPlane.PublishAsync(ProxyConfigs.CatchAll($"http://127.0.0.1:{ClosedPort()}/", routeId: "closed"));
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/few") == "502", "the bad config served");

        // A handful of failed requests, far fewer than the bake's minimum: no verdict, the new config stays.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("502", await gateway.GetAsync($"/few/{i}"));
        }

        await Eventually.HoldsAsync(() => Task.FromResult(gateway.DataPlane.State.Bake.Status is not ConfigBakeStatus.Baking), "the bake ending");
        Assert.Equal((ConfigBakeStatus.Undecided, bad.Hash), (gateway.DataPlane.State.Bake.Status, gateway.DataPlane.State.Bake.Hash));
        Assert.Contains("fewer than the 20 needed", gateway.DataPlane.State.Bake.Reason);
        Assert.Equal(bad.Hash, gateway.DataPlane.Current!.Hash);
        Assert.Null(gateway.DataPlane.State.Rollback);
        Assert.NotEqual(good.Hash, bad.Hash);
    }

    [Fact]
    public async Task A_config_whose_readiness_check_fails_is_reverted()
    {
        await using var upstream = await Upstream.StartAsync("upstream");
        await using var controlPlane = await ControlPlane.StartAsync();

        // The host's own readiness check, tagged for the bake: unhealthy while a route named "broken" is served.
        await using var gateway = await StartGatewayAsync("gw", controlPlane, Bake(duration: TimeSpan.FromMinutes(2)), services => services.AddHealthChecks()
            .Add(new HealthCheckRegistration("no-broken-route", sp => new NoBrokenRouteCheck(sp.GetRequiredService<IDataPlane>()), HealthStatus.Unhealthy, ["bake"])));
        var good = await controlPlane.PublishAsync(ProxyConfigs.CatchAll(upstream.Url));
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/warm") == "upstream", "the good config routing");
        var broken = await controlPlane.PublishAsync(ProxyConfigs.CatchAll(upstream.Url, routeId: "broken"));

        await Eventually.HoldsAsync(() => Task.FromResult(gateway.DataPlane.State.Bake is { Status: ConfigBakeStatus.Reverted } b && b.Hash == broken.Hash), "the config failing readiness being reverted");
        Assert.Equal(good.Hash, gateway.DataPlane.Current!.Hash);
        Assert.Contains("no-broken-route", gateway.DataPlane.State.Bake.Reason);
        await Eventually.HoldsAsync(() => Task.FromResult(controlPlane.Registry.GetAll().SingleOrDefault()?.LastRollback?.Kind == DataPlaneRollbackKind.Reverted), "the registry showing the revert");
    }

    public void Dispose() => _dir.Dispose();

    private static Action<BakeOptions> Bake(TimeSpan duration) => o =>
    {
        o.Enabled = true;
        o.Duration = duration;
        o.DetectionWindow = DetectionWindow;
        o.MinimumRequests = 20;
    };

    private Task<Gateway> StartGatewayAsync(string name, ControlPlane controlPlane, Action<BakeOptions>? bake, Action<IServiceCollection>? services = null) =>
        Gateway.StartAsync(
            _dir.File(name),
            configureServices: s =>
            {
                s.Configure<DataPlaneResilienceOptions>(o => o.NodeId = name);
                s.Configure<BakeOptions>(o => bake?.Invoke(o));
                services?.Invoke(s);
            },
            resilience: controlPlane.Link);

    private static DataPlaneInfo? Node(ControlPlane controlPlane, string nodeId) => controlPlane.Registry.Find(nodeId);

    /// <summary>A port nothing listens on (<see cref="FreePort"/>).</summary>
    private static int ClosedPort() => FreePort.Next();

    /// <summary>The host's readiness check of the served routes: unhealthy while a route named <c>broken</c> is served.</summary>
    private sealed class NoBrokenRouteCheck(IDataPlane dataPlane) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(dataPlane.Current is { } served && System.Text.Encoding.UTF8.GetString(served.Payload.Span).Contains("\"broken\"", StringComparison.Ordinal)
                ? HealthCheckResult.Unhealthy("the broken route is served")
                : HealthCheckResult.Healthy());
    }
}
