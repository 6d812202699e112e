using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.ControlPlane.Tests;

/// <summary>
/// Rollouts over real data planes (a host with the chain, its file cache and history, the WebSocket link, mutual TLS to a
/// real Kestrel control plane): the gates read the health in their heartbeats and their <c>reverted</c> reports, and a
/// halted wave goes back by hash from the node's own history, or by the stable payload when the node cannot.
/// </summary>
public sealed class RolloutNodeReportsTests
{
    private static readonly Dictionary<string, string> Canary = new() { ["ring"] = "canary" };

    private static string Config(int version) => $$"""{"version":{{version}},"routes":[{"path":"/v{{version}}"}]}""";

    [Fact]
    public async Task Failed_requests_in_the_canarys_heartbeats_halt_the_rollout_and_the_canary_goes_back_by_hash_the_other_never_gets_it()
    {
        await using var cp = await StartAsync();
        await using var canary = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "canary", services: AsCanary);
        await using var other = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "other");
        var v1 = await cp.PublishAsync(Config(1));
        await Eventually.HoldsAsync(() => canary.Current?.Hash == v1.Hash && other.Current?.Hash == v1.Hash, "both serve config 1");

        // Its share before: 40 good requests, reported by its heartbeats.
        Record(canary, 40, failing: false);
        await Eventually.HoldsAsync(() => cp.Registry.Find("canary")?.Health is { TotalRequests: >= 40 }, "the canary's heartbeats reported its requests");

        var bad = await cp.Publisher.PublishAsync(Encoding.UTF8.GetBytes(Config(2)), "2", TwoWaves(failedShare: 0.05));
        await Eventually.HoldsAsync(() => canary.Current?.Hash == bad.Hash, "the canary serves config 2");

        // Its traffic fails from now on (the first heartbeat after the apply also counts requests from before it, and
        // counts for neither configuration: the gate reads the ones after).
        var rollouts = cp.Services.GetRequiredService<IConfigRollouts>();
        await FailingTrafficAsync(canary, bad.Hash, () => Current(rollouts)?.Phase == RolloutPhase.RolledBack, "the rollout rolled back");

        var status = Current(rollouts)!;
        Assert.Contains("the failed-request share rose to 100.0 % of ", status.Reason, StringComparison.Ordinal);
        Assert.Contains("(before: 0.0 %", status.Reason, StringComparison.Ordinal);
        Assert.Equal(RolloutGateState.Failed, status.Waves[0].Gates.Single(g => g.Name == "failed requests").State);

        // By hash from its history (a payload would be served as the control plane's), asked by this rollout, and that
        // rollback of its own is not taken for a node's refusal: the reason stays the failed requests.
        Assert.Equal(v1.Hash, canary.Current?.Hash);
        Assert.Equal(ConfigOrigin.Rollback, canary.State.ServingTier);
        await Eventually.HoldsAsync(() => cp.Registry.Find("canary")?.LastRollback is not null, "the registry shows the canary's rollback");
        var rollback = cp.Registry.Find("canary")!.LastRollback!;
        Assert.Equal((DataPlaneRollbackKind.RolledBack, bad.Hash, v1.Hash, $"control-plane:{status.Id}"), (rollback.Kind, rollback.FromHash, rollback.ToHash, rollback.Actor));
        Assert.StartsWith("canary wave: the failed-request share rose", rollback.Reason, StringComparison.Ordinal);
        Assert.Equal(RolloutNodeState.RolledBack, Current(rollouts)!.Waves[0].Nodes.Single().State);
        Assert.StartsWith("canary wave: the failed-request share rose", Current(rollouts)!.Reason, StringComparison.Ordinal);

        Assert.DoesNotContain(Config(2), other.Validated);
        Assert.Equal(v1.Hash, other.Current?.Hash);
        Assert.Equal(v1.Hash, cp.Publisher.Stable!.Hash);
    }

    [Fact]
    public async Task A_canary_that_reverts_by_itself_halts_the_rollout_and_is_sent_nothing_more()
    {
        await using var cp = await StartAsync();
        await using var canary = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "canary", services: s => AsBakingCanary(s, TimeSpan.FromSeconds(1), 20));
        await using var other = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "other");
        var v1 = await cp.PublishAsync(Config(1));
        await Eventually.HoldsAsync(() => canary.Current?.Hash == v1.Hash && other.Current?.Hash == v1.Hash, "both serve config 1");

        // Only the node's own verdict can halt this rollout: its failed-request gate is off.
        var bad = await cp.Publisher.PublishAsync(Encoding.UTF8.GetBytes(Config(2)), "2", TwoWaves(failedShare: null));
        await Eventually.HoldsAsync(() => canary.Current?.Hash == bad.Hash, "the canary serves config 2");
        using var sent = ConfigsSent(cp.Services);
        await FailingTrafficAsync(canary, bad.Hash, () => canary.Current?.Hash == v1.Hash, "the canary reverted to config 1");

        var rollouts = cp.Services.GetRequiredService<IConfigRollouts>();
        await Eventually.HoldsAsync(() => Current(rollouts)?.Phase == RolloutPhase.RolledBack, "the rollout rolled back");
        var status = Current(rollouts)!;
        Assert.StartsWith("canary wave: node canary reverted it:", status.Reason, StringComparison.Ordinal);
        Assert.Equal(RolloutNodeState.Reverted, status.Waves[0].Nodes.Single().State);
        Assert.Equal((DataPlaneRollbackKind.Reverted, "self-revert"), (cp.Registry.Find("canary")!.LastRollback!.Kind, cp.Registry.Find("canary")!.LastRollback!.Actor));

        // It serves the stable configuration already: no rollback, no payload, since it went back by itself.
        var seen = cp.Registry.Find("canary")!.LastSeen;
        await Eventually.HoldsAsync(() => cp.Registry.Find("canary")!.LastSeen > seen + TimeSpan.FromSeconds(1), "more heartbeats");
        Assert.Empty(sent.GetMeasurementSnapshot());
        Assert.Equal(v1.Hash, canary.Current?.Hash);
        Assert.DoesNotContain(Config(2), other.Validated);
    }

    [Fact]
    public async Task A_rollback_by_hash_the_node_refuses_falls_back_to_the_stable_payload_once()
    {
        var logs = new FakeLogCollector();
        await using var cp = await StartAsync(s => s.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(logs)));

        // A history one entry deep holds only what the node serves: config 1 is gone from it once config 2 serves.
        await using var canary = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "canary", services: s =>
        {
            AsCanary(s);
            s.Configure<HistoryOptions>(o => o.Depth = 1);
        });
        var v1 = await cp.PublishAsync(Config(1));
        await Eventually.HoldsAsync(() => canary.Current?.Hash == v1.Hash, "the canary serves config 1");
        Assert.Contains("history", cp.Registry.Find("canary")!.Capabilities);
        await cp.Publisher.PublishAsync(Encoding.UTF8.GetBytes(Config(2)), "2", TwoWaves(failedShare: 0.05));
        var rollouts = cp.Services.GetRequiredService<IConfigRollouts>();
        await Eventually.HoldsAsync(() => Current(rollouts)?.Waves[0].Nodes.Single().State == RolloutNodeState.Applied, "the control plane heard the canary serves config 2");

        await rollouts.AbortAsync("wrong change", "bob");

        await Eventually.HoldsAsync(() => Current(rollouts)?.Phase == RolloutPhase.Aborted, "the rollout ended aborted");
        Assert.Equal(v1.Hash, canary.Current?.Hash);
        Assert.Equal(ConfigOrigin.ControlPlane, canary.State.ServingTier);
        Assert.Null(cp.Registry.Find("canary")!.LastRollback);
        var sentBack = logs.GetSnapshot().Where(r => r.Id.Id == 6215).Select(r => r.Message).ToArray();
        var line = Assert.Single(sentBack);
        Assert.Contains("by the stable configuration's payload: the rollback by hash came back Rejected (NotInHistory", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_waves_node_bake_makes_its_canary_go_back_by_itself_where_its_own_bake_would_not()
    {
        await using var cp = await StartAsync();

        // The node's own bake could not fail anything: it needs 100,000 requests in 10 s.
        await using var canary = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "canary", services: s => AsBakingCanary(s, TimeSpan.FromSeconds(10), 100_000));
        await using var other = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "other");
        var v1 = await cp.PublishAsync(Config(1));
        await Eventually.HoldsAsync(() => canary.Current?.Hash == v1.Hash && other.Current?.Hash == v1.Hash, "both serve config 1");

        // The canary wave asks for a 1 s window judged every 100 ms from 5 requests; its failed-request gate is off, so
        // only the canary's own verdict can halt the rollout.
        var plan = TwoWaves(failedShare: null);
        var nodeBake = new BakeRequest { DetectionWindow = TimeSpan.FromSeconds(1), EvaluationInterval = TimeSpan.FromMilliseconds(100), MinimumRequests = 5 };
        plan.Waves[0].NodeBake = nodeBake;
        var bad = await cp.Publisher.PublishAsync(Encoding.UTF8.GetBytes(Config(2)), "2", plan);
        await Eventually.HoldsAsync(() => canary.Current?.Hash == bad.Hash, "the canary serves config 2");
        Assert.Equal(nodeBake, canary.Current!.RequestedBake);

        await FailingTrafficAsync(canary, bad.Hash, () => canary.Current?.Hash == v1.Hash, "the canary reverted to config 1");

        var rollouts = cp.Services.GetRequiredService<IConfigRollouts>();
        await Eventually.HoldsAsync(() => Current(rollouts)?.Phase == RolloutPhase.RolledBack, "the rollout rolled back");
        var status = Current(rollouts)!;
        Assert.StartsWith("canary wave: node canary reverted it:", status.Reason, StringComparison.Ordinal);
        Assert.Contains("requests failed in the last 00:00:01", status.Reason, StringComparison.Ordinal);
        Assert.Equal(RolloutNodeState.Reverted, status.Waves[0].Nodes.Single().State);
        Assert.DoesNotContain(Config(2), other.Validated);
    }

    private static void AsCanary(IServiceCollection services) =>
        services.Configure<DataPlaneResilienceOptions>(o => o.Labels["ring"] = "canary");

    /// <summary>A canary whose own bake is on, over the given window and minimum of requests.</summary>
    private static void AsBakingCanary(IServiceCollection services, TimeSpan window, int minimumRequests)
    {
        AsCanary(services);
        services.Configure<BakeOptions>(o =>
        {
            o.Enabled = true;
            o.Duration = TimeSpan.FromMinutes(2);
            o.DetectionWindow = window;
            o.MinimumRequests = minimumRequests;
        });
    }

    /// <summary>Requests as the gateway's proxy records them: every one a 502, or every one a 200.</summary>
    private static void Record(DataPlaneNode node, int count, bool failing)
    {
        for (var i = 0; i < count; i++)
        {
            node.Usage.Record(new UsageRecord("svc", "all", null, failing ? 502 : 200, TimeSpan.FromMilliseconds(1), 0, 0));
        }
    }

    /// <summary>Every request through <paramref name="node"/> fails while it serves <paramref name="bad"/> (10 each 50 ms), until <paramref name="condition"/> holds.</summary>
    private static async Task FailingTrafficAsync(DataPlaneNode node, string bad, Func<bool> condition, string what)
    {
        using var traffic = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            while (!traffic.IsCancellationRequested && node.Current?.Hash == bad)
            {
                Record(node, 10, failing: true);
                await Task.Delay(50, CancellationToken.None);
            }
        });
        await Eventually.HoldsAsync(condition, what);
        await traffic.CancelAsync();
        await load;
    }

    private static RolloutPlan TwoWaves(double? failedShare)
    {
        var canary = RolloutWave.WithLabels(Canary, TimeSpan.FromMinutes(5));
        canary.Name = "canary wave";
        canary.Gates.MaxFailedRequestShareIncrease = failedShare;
        canary.Gates.MinRequests = 20;
        return new RolloutPlan(canary, RolloutWave.Rest(TimeSpan.FromMinutes(5)));
    }

    private static MetricCollector<long> ConfigsSent(IServiceProvider services) =>
        new(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), ControlPlaneTelemetry.MeterName, "resilience.control_plane.configs.sent");

    private static RolloutStatus? Current(IConfigRollouts rollouts) => rollouts.GetCurrentAsync().AsTask().GetAwaiter().GetResult();

    private static Task<ControlPlaneServer> StartAsync(Action<IServiceCollection>? services = null) =>
        ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub, services: s =>
        {
            s.Configure<RolloutOptions>(o => o.EvaluationInterval = TimeSpan.FromMilliseconds(50));
            services?.Invoke(s);
        });
}
