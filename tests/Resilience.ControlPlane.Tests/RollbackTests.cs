using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Resilience.ControlPlane.Tests;

/// <summary>
/// Rollbacks and health across the real link (Kestrel, mutual TLS, a data plane host with its file cache and history):
/// the control plane asks, the node reports, the registry shows it, and the hash gone back from is never pushed again.
/// </summary>
public sealed class RollbackTests
{
    /// <summary>The configurations this control plane writes to data planes from now on (its own meter, not another test's).</summary>
    private static MetricCollector<long> ConfigsSent(IServiceProvider services) =>
        new(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), ControlPlaneTelemetry.MeterName, "resilience.control_plane.configs.sent");

    private static string Config(int version) => $$"""{"version":{{version}},"routes":[{"path":"/v{{version}}"}]}""";

    [Fact]
    public async Task A_rollback_asked_by_the_control_plane_is_reported_shown_and_never_undone_by_a_push()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint));
        var good = await cp.PublishAsync(Config(1));
        await Eventually.HoldsAsync(() => dp.Current?.Hash == good.Hash, "the node serves config 1");
        var bad = await cp.PublishAsync(Config(2));
        await Eventually.HoldsAsync(() => dp.Current?.Hash == bad.Hash, "the node serves config 2");
        Assert.Equal(["delta", "history"], cp.Registry.Find("dp-1")!.Capabilities);

        var hub = cp.Services.GetRequiredService<IDataPlaneHub>();
        var result = await hub.RollbackAsync("dp-1", good.Hash, "wave 1 failed", "control-plane:rollout-7");

        Assert.Equal(DataPlaneRollbackStatus.RolledBack, result.Status);
        Assert.Equal(good.Hash, result.ServedHash);
        Assert.Equal(good.Hash, dp.Current?.Hash);
        Assert.Equal(ConfigOrigin.Rollback, dp.State.ServingTier);
        await Eventually.HoldsAsync(() => cp.Registry.Find("dp-1")?.LastRollback is not null, "the registry shows the rollback");
        var info = cp.Registry.Find("dp-1")!;
        Assert.Equal((DataPlaneRollbackKind.RolledBack, bad.Hash, good.Hash, "wave 1 failed", "control-plane:rollout-7"), (info.LastRollback!.Kind, info.LastRollback.FromHash, info.LastRollback.ToHash, info.LastRollback.Reason, info.LastRollback.Actor));
        Assert.Equal(DataPlaneSyncStatus.RolledBack, info.SyncStatus);
        Assert.Equal(good.Hash, info.ConfigHash);

        // Several heartbeats report the old hash: the control plane does not send the latest (config 2) again (the node
        // would refuse it, and its rejection would show in the registry).
        using var sent = ConfigsSent(cp.Services);
        var seen = cp.Registry.Find("dp-1")!.LastSeen;
        await Eventually.HoldsAsync(() => cp.Registry.Find("dp-1")!.LastSeen > seen + TimeSpan.FromSeconds(1), "more heartbeats");
        Assert.Equal(good.Hash, dp.Current?.Hash);
        Assert.Empty(sent.GetMeasurementSnapshot());
        Assert.Null(cp.Registry.Find("dp-1")!.LastApplyError);

        // Another configuration goes out as usual and ends the rollback on both sides.
        var fixedConfig = await cp.PublishAsync(Config(3));
        await Eventually.HoldsAsync(() => dp.Current?.Hash == fixedConfig.Hash, "the node serves config 3");
        Assert.NotEmpty(sent.GetMeasurementSnapshot());
        Assert.Null(dp.State.Rollback);
        await Eventually.HoldsAsync(() => cp.Registry.Find("dp-1")?.SyncStatus == DataPlaneSyncStatus.InSync, "the registry shows it in sync");
    }

    [Fact]
    public async Task A_rollback_to_what_the_node_never_served_is_refused_with_the_reason_and_changes_nothing()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint));
        var served = await cp.PublishAsync(Config(1));
        await Eventually.HoldsAsync(() => dp.Current?.Hash == served.Hash, "the node serves config 1");
        var hub = cp.Services.GetRequiredService<IDataPlaneHub>();

        var unknown = await hub.RollbackAsync("dp-1", ConfigHash.Compute("""{"never":true}"""u8), "test", null);
        var same = await hub.RollbackAsync("dp-1", served.Hash, "test", null);
        var absent = await hub.RollbackAsync("no-such-node", served.Hash, "test", null);

        Assert.Equal((DataPlaneRollbackStatus.Rejected, "NotInHistory"), (unknown.Status, unknown.Reason));
        Assert.NotEmpty(unknown.Errors);
        Assert.Equal(DataPlaneRollbackStatus.Unchanged, same.Status);
        Assert.Equal(DataPlaneRollbackStatus.NotConnected, absent.Status);
        Assert.Equal(served.Hash, dp.Current?.Hash);
        var info = cp.Registry.Find("dp-1")!;
        Assert.Null(info.LastRollback);
        Assert.Equal(DataPlaneSyncStatus.InSync, info.SyncStatus);
    }

    [Fact]
    public async Task A_node_without_history_is_not_sent_a_rollback()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), services: s => s.Configure<HistoryOptions>(o => o.Depth = 0));
        var served = await cp.PublishAsync(Config(1));
        await Eventually.HoldsAsync(() => dp.Current?.Hash == served.Hash, "the node serves config 1");

        var result = await cp.Services.GetRequiredService<IDataPlaneHub>().RollbackAsync("dp-1", served.Hash, "test", null);

        Assert.Equal(DataPlaneRollbackStatus.NotSupported, result.Status);
        Assert.DoesNotContain("history", cp.Registry.Find("dp-1")!.Capabilities);
    }

    [Fact]
    public async Task A_rollback_made_while_the_control_plane_was_down_is_reported_when_it_is_back_and_the_hash_is_not_pushed()
    {
        var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var port = cp.Port;
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint));
        var good = await cp.PublishAsync(Config(1));
        await Eventually.HoldsAsync(() => dp.Current?.Hash == good.Hash, "the node serves config 1");
        var bad = await cp.PublishAsync(Config(2));
        await Eventually.HoldsAsync(() => dp.Current?.Hash == bad.Hash, "the node serves config 2");
        await cp.DisposeAsync();

        var local = await dp.DataPlane.RollbackAsync(good.Hash, "paged at 3 a.m.", "admin:oncall", default);
        Assert.Equal(ApplyOutcome.Applied, local.Outcome);

        // A control plane that knows nothing of it (restarted, no registry) and still publishes config 2.
        await using var back = ControlPlaneServer.Create(Pki.ServerCertificate, Pki.Hub, port);
        await back.PublishAsync(Config(2));
        await back.StartAsync();

        await Eventually.HoldsAsync(() => back.Registry.Find("dp-1")?.LastRollback is not null, "the node reported its rollback");
        var info = back.Registry.Find("dp-1")!;
        Assert.Equal((bad.Hash, "admin:oncall", "paged at 3 a.m."), (info.LastRollback!.FromHash, info.LastRollback.Actor, info.LastRollback.Reason));
        var seen = back.Registry.Find("dp-1")!.LastSeen;
        await Eventually.HoldsAsync(() => back.Registry.Find("dp-1")!.LastSeen > seen + TimeSpan.FromSeconds(0.5), "a heartbeat after the report (a push that crossed it is answered by then)");
        using var sent = ConfigsSent(back.Services);
        seen = back.Registry.Find("dp-1")!.LastSeen;
        await Eventually.HoldsAsync(() => back.Registry.Find("dp-1")!.LastSeen > seen + TimeSpan.FromSeconds(1), "more heartbeats");
        Assert.Empty(sent.GetMeasurementSnapshot());
        Assert.Equal(good.Hash, dp.Current?.Hash);
        Assert.Equal(DataPlaneSyncStatus.RolledBack, back.Registry.Find("dp-1")!.SyncStatus);
        Assert.Null(back.Registry.Find("dp-1")!.LastApplyError);
    }

    [Fact]
    public async Task Heartbeats_carry_the_node_health_to_the_registry_and_the_metrics()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        using var requests = new MetricCollector<long>(cp.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), ControlPlaneTelemetry.MeterName, "resilience.control_plane.node.requests");
        using var failed = new MetricCollector<long>(cp.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), ControlPlaneTelemetry.MeterName, "resilience.control_plane.node.failed_requests");
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint));
        var served = await cp.PublishAsync(Config(1));
        await Eventually.HoldsAsync(() => dp.Current?.Hash == served.Hash, "the node serves config 1");

        for (var i = 0; i < 40; i++)
        {
            dp.Usage.Record(new UsageRecord("svc", "r", null, i % 4 == 0 ? 502 : 200, TimeSpan.FromMilliseconds(1), 0, 0));
        }

        dp.Usage.Record(new UsageRecord("svc", "r", null, 200, TimeSpan.FromMilliseconds(1), 0, 0) { IsForwardingError = true });

        await Eventually.HoldsAsync(() => cp.Registry.Find("dp-1")?.Health is { TotalRequests: 41 }, "the heartbeats reported the 41 requests");
        var health = cp.Registry.Find("dp-1")!.Health!;
        Assert.True(health.Ready);
        Assert.Equal(11, health.TotalFailedRequests);
        Assert.Equal("none", health.Bake);
        Assert.Equal(41, requests.GetMeasurementSnapshot().Where(m => (string?)m.Tags["node_id"] == "dp-1").Sum(m => m.Value));
        Assert.Equal(11, failed.GetMeasurementSnapshot().Where(m => (string?)m.Tags["node_id"] == "dp-1").Sum(m => m.Value));
    }
}
