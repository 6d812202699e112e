using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane.Tests;

/// <summary>Staged rollouts through a real control plane: who gets what, when, and what happens on a failed gate.</summary>
public sealed class RolloutHubTests : IDisposable
{
    private static readonly Dictionary<string, string> Canary = new() { ["ring"] = "canary" };
    private readonly string _store = Path.Combine(Path.GetTempPath(), "resilience-rollout-export", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }

    [Fact]
    public async Task A_rollout_reaches_the_canary_first_bakes_then_the_rest_and_ends_as_the_stable_configuration()
    {
        await using var cp = await StartAsync();
        var v1 = await cp.PublishAsync("""{"v":1}""");
        await using var canary = await ScriptedNode.ConnectAsync(cp.Endpoint, "canary", Canary);
        await using var other = await ScriptedNode.ConnectAsync(cp.Endpoint, "other");
        await Eventually.HoldsAsync(() => canary.Serving == v1.Hash && other.Serving == v1.Hash, "both serve v1");

        var v2 = await cp.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":2}"""), "v2", TwoWaves(TimeSpan.FromMilliseconds(300)));

        Assert.NotNull(v2.RolloutId);
        Assert.Equal(v1.Hash, cp.Publisher.Stable!.Hash);
        await Eventually.HoldsAsync(() => canary.Serving == v2.Hash, "the canary serves v2");
        Assert.Equal(v2.RolloutId, canary.Configs.Last().Rollout);
        Assert.False(other.WasSent(v2.Hash), "the other node must not get v2 while the canary bakes");

        // A node that connects during the rollout outside the first wave gets the stable configuration.
        await using var late = await ScriptedNode.ConnectAsync(cp.Endpoint, "late");
        await Eventually.HoldsAsync(() => late.Serving == v1.Hash, "the late node serves v1");

        await Eventually.HoldsAsync(() => other.Serving == v2.Hash && late.Serving == v2.Hash, "the second wave serves v2");
        var rollouts = cp.Services.GetRequiredService<IConfigRollouts>();
        await Eventually.HoldsAsync(() => Current(rollouts)?.Phase == RolloutPhase.Completed, "the rollout completed");
        Assert.Equal(v2.Hash, cp.Publisher.Stable!.Hash);
        Assert.Null(cp.Publisher.Stable.RolloutId);

        var status = Current(rollouts)!;
        Assert.Equal(["canary"], status.Waves[0].Nodes.Select(n => n.NodeId));
        Assert.Equal(["late", "other"], status.Waves[1].Nodes.Select(n => n.NodeId).Order());
        Assert.All(status.Waves, w => Assert.Equal(RolloutWaveState.Passed, w.State));

        // Heartbeat acks now name v2 as stable: a node may export it.
        await canary.HeartbeatAsync();
        await Eventually.HoldsAsync(() => canary.StableHash == v2.Hash, "the canary hears v2 is stable");
    }

    [Fact]
    public async Task A_canary_that_rejects_halts_the_rollout_the_others_never_get_it_and_the_canary_is_sent_back()
    {
        await using var cp = await StartAsync();
        var v1 = await cp.PublishAsync("""{"v":1}""");
        await using var canary = await ScriptedNode.ConnectAsync(cp.Endpoint, "canary", Canary);
        await using var other = await ScriptedNode.ConnectAsync(cp.Endpoint, "other");
        await Eventually.HoldsAsync(() => canary.Serving == v1.Hash && other.Serving == v1.Hash, "both serve v1");
        canary.Refuse = header => header.Hash == v1.Hash ? null : "route 'all': unknown cluster 'nowhere'";

        var bad = await cp.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":"bad"}"""), "bad", TwoWaves(TimeSpan.FromMinutes(5)));

        var rollouts = cp.Services.GetRequiredService<IConfigRollouts>();
        await Eventually.HoldsAsync(() => Current(rollouts)?.Phase == RolloutPhase.RolledBack, "the rollout rolled back");
        var status = Current(rollouts)!;
        Assert.Contains("node canary rejected it: ValidatorRejected: route 'all': unknown cluster 'nowhere'", status.Reason, StringComparison.Ordinal);
        Assert.Equal(RolloutNodeState.Rejected, status.Waves[0].Nodes.Single().State);
        Assert.Equal(RolloutWaveState.Failed, status.Waves[0].State);
        Assert.False(other.WasSent(bad.Hash));
        Assert.Equal(v1.Hash, canary.Serving);
        Assert.Equal(v1.Hash, cp.Publisher.Stable!.Hash);
        Assert.All(cp.Registry.GetAll(), n => Assert.Equal(DataPlaneSyncStatus.InSync, n.SyncStatus));
    }

    [Fact]
    public async Task The_control_plane_exports_only_the_stable_configuration_never_a_candidate()
    {
        await using var cp = await StartAsync(s => s.AddDataPlaneHubExport(o =>
        {
            o.Storage = new Uri(_store + "/").AbsoluteUri;
            o.NodeVersions.Add("1.0.0");
            o.NodeId = "cp-1";
            o.ExportDelay = TimeSpan.Zero;
            o.ElectionInterval = TimeSpan.FromMilliseconds(100);
            o.ElectionGrace = TimeSpan.FromMilliseconds(200);
        }));
        var v1 = await cp.PublishAsync("""{"v":1}""");
        await using var canary = await ScriptedNode.ConnectAsync(cp.Endpoint, "canary", Canary);
        await Eventually.HoldsAsync(() => canary.Serving == v1.Hash, "the canary serves v1");
        var store = new FileFallbackStore(_store);
        await Eventually.HoldsAsync(() => StoredHash(store) == v1.Hash, "v1 exported");

        var v2 = await cp.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":2}"""), "v2", new RolloutPlan(RolloutWave.WithLabels(Canary, TimeSpan.FromSeconds(1))));
        await Eventually.HoldsAsync(() => canary.Serving == v2.Hash, "the canary serves v2");

        // Several election rounds with v2 on the canary: the store still holds v1.
        await Task.Delay(500);
        Assert.Equal(v1.Hash, StoredHash(store));
        await Eventually.HoldsAsync(() => StoredHash(store) == v2.Hash, "v2 exported once its rollout completed");
    }

    [Fact]
    public async Task A_configuration_the_registered_validators_refuse_is_published_nowhere_with_every_error()
    {
        await using var cp = await StartAsync(s => s
            .AddDataPlaneHubValidator((json, _) => ValueTask.FromResult(Encoding.UTF8.GetString(json.Span).Contains("nowhere", StringComparison.Ordinal)
                ? ConfigValidationResult.Invalid("route 'all': unknown cluster 'nowhere'")
                : ConfigValidationResult.Valid()))
            .AddDataPlaneHubValidator((_, _) => throw new InvalidOperationException("validator bug")));
        await using var node = await ScriptedNode.ConnectAsync(cp.Endpoint, "node");

        var refused = await Assert.ThrowsAsync<ConfigValidationException>(() => cp.PublishAsync("""{"cluster":"nowhere"}"""));

        Assert.Equal(RejectionReason.ValidatorFailed, refused.Reason);
        Assert.Equal(2, refused.Errors.Count);
        Assert.Equal("route 'all': unknown cluster 'nowhere'", refused.Errors[0]);
        Assert.Contains("threw InvalidOperationException: validator bug", refused.Errors[1], StringComparison.Ordinal);
        Assert.Null(cp.Publisher.Latest);
        await node.HeartbeatAsync();
        await Task.Delay(200);
        Assert.Empty(node.Configs);
    }

    [Fact]
    public async Task With_refuse_a_publish_while_a_rollout_runs_fails_and_with_the_default_it_supersedes_the_rollout()
    {
        await using var refusing = await StartAsync(s => s.Configure<RolloutOptions>(o => o.WhenRunning = RolloutConflictBehavior.Refuse));
        await using var canary = await ScriptedNode.ConnectAsync(refusing.Endpoint, "canary", Canary);
        var v1 = await refusing.PublishAsync("""{"v":1}""");
        await Eventually.HoldsAsync(() => canary.Serving == v1.Hash, "the canary serves v1");
        var v2 = await refusing.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":2}"""), "v2", TwoWaves(TimeSpan.FromMinutes(5)));

        var refused = await Assert.ThrowsAsync<RolloutInProgressException>(() => refusing.PublishAsync("""{"v":3}"""));
        Assert.Equal(v2.RolloutId, refused.RolloutId);
        Assert.Same(v2, refusing.Publisher.Latest);

        await using var superseding = await StartAsync();
        await using var other = await ScriptedNode.ConnectAsync(superseding.Endpoint, "canary", Canary);
        var first = await superseding.PublishAsync("""{"v":1}""");
        await Eventually.HoldsAsync(() => other.Serving == first.Hash, "the canary serves v1");
        await superseding.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":2}"""), "v2", TwoWaves(TimeSpan.FromMinutes(5)));
        var v3 = await superseding.PublishAsync("""{"v":3}""");

        var rollouts = superseding.Services.GetRequiredService<IConfigRollouts>();
        await Eventually.HoldsAsync(() => Current(rollouts)?.Phase == RolloutPhase.Superseded, "the rollout was superseded");
        await Eventually.HoldsAsync(() => other.Serving == v3.Hash, "the canary serves v3");
        Assert.Equal(v3.Hash, superseding.Publisher.Stable!.Hash);
    }

    [Fact]
    public async Task Operators_pause_resume_promote_and_abort_and_an_abort_sends_the_wave_back()
    {
        await using var cp = await StartAsync();
        var v1 = await cp.PublishAsync("""{"v":1}""");
        await using var canary = await ScriptedNode.ConnectAsync(cp.Endpoint, "canary", Canary);
        await using var other = await ScriptedNode.ConnectAsync(cp.Endpoint, "other");
        await Eventually.HoldsAsync(() => canary.Serving == v1.Hash && other.Serving == v1.Hash, "both serve v1");
        var rollouts = cp.Services.GetRequiredService<IConfigRollouts>();
        await Assert.ThrowsAsync<RolloutOperationException>(async () => await rollouts.PauseAsync());

        var v2 = await cp.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":2}"""), "v2", TwoWaves(TimeSpan.FromMinutes(5)));
        await Eventually.HoldsAsync(() => canary.Serving == v2.Hash, "the canary serves v2");

        var paused = await rollouts.PauseAsync("checking", "alice");
        Assert.Equal(RolloutPhase.Paused, paused.Phase);
        Assert.Equal("alice", paused.Actor);
        Assert.Equal(RolloutPhase.Running, (await rollouts.ResumeAsync("alice")).Phase);

        var promoted = await rollouts.PromoteAsync("alice");
        Assert.Equal(1, promoted.CurrentWave);
        await Eventually.HoldsAsync(() => other.Serving == v2.Hash, "the second wave serves v2");

        var aborted = await rollouts.AbortAsync("wrong change", "bob");
        Assert.Equal(RolloutPhase.RollingBack, aborted.Phase);
        await Eventually.HoldsAsync(() => canary.Serving == v1.Hash && other.Serving == v1.Hash, "both nodes went back to v1");
        await Eventually.HoldsAsync(() => Current(rollouts)?.Phase == RolloutPhase.Aborted, "the rollout ended aborted");
        Assert.Equal("wrong change", Current(rollouts)!.Reason);
        Assert.Equal(v1.Hash, cp.Publisher.Stable!.Hash);
        await Assert.ThrowsAsync<RolloutOperationException>(async () => await rollouts.PromoteAsync());
    }

    [Fact]
    public async Task A_completed_rollout_rolled_back_by_an_operator_sends_every_node_back_and_makes_the_old_configuration_stable_again()
    {
        await using var cp = await StartAsync();
        var v1 = await cp.PublishAsync("""{"v":1}""");
        await using var canary = await ScriptedNode.ConnectAsync(cp.Endpoint, "canary", Canary);
        await using var other = await ScriptedNode.ConnectAsync(cp.Endpoint, "other");
        await Eventually.HoldsAsync(() => canary.Serving == v1.Hash && other.Serving == v1.Hash, "both serve v1");
        var v2 = await cp.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":2}"""), "v2", TwoWaves(TimeSpan.Zero));
        var rollouts = cp.Services.GetRequiredService<IConfigRollouts>();
        await Eventually.HoldsAsync(() => Current(rollouts)?.Phase == RolloutPhase.Completed, "the rollout completed");

        await rollouts.RollBackAsync("errors in the dashboards", "carol");

        await Eventually.HoldsAsync(() => canary.Serving == v1.Hash && other.Serving == v1.Hash, "every node went back to v1");
        await Eventually.HoldsAsync(() => Current(rollouts)?.Phase == RolloutPhase.RolledBack, "the rollout ended rolled back");
        Assert.Equal(v1.Hash, cp.Publisher.Stable!.Hash);
        Assert.Equal(v2.Hash, cp.Publisher.Latest!.Hash);
    }

    [Fact]
    public async Task With_delta_sync_the_canary_gets_the_candidate_as_a_delta_with_the_rollout_id_and_goes_back_by_a_delta_to_the_stable_one()
    {
        await using var cp = await StartAsync();
        var v1 = await cp.PublishAsync(Padded(1));
        await using var canary = await ScriptedNode.ConnectAsync(cp.Endpoint, "canary", Canary, deltas: true);
        await using var other = await ScriptedNode.ConnectAsync(cp.Endpoint, "other", deltas: true);
        await Eventually.HoldsAsync(() => canary.Serving == v1.Hash && other.Serving == v1.Hash, "both serve v1");

        var v2 = await cp.Publisher.PublishAsync(Encoding.UTF8.GetBytes(Padded(2)), "v2", TwoWaves(TimeSpan.FromMinutes(5)));
        await Eventually.HoldsAsync(() => canary.Serving == v2.Hash, "the canary serves v2");
        var forward = canary.Configs.Last();
        Assert.Equal(LinkProtocol.Types.ConfigDelta, forward.Type);
        Assert.Equal(v1.Hash, forward.BaseHash);
        Assert.Equal(v2.RolloutId, forward.Rollout);
        Assert.False(other.WasSent(v2.Hash), "the other node must not get v2 while the canary bakes");

        // Aborted: the canary goes back to the stable v1, as a delta from the candidate it serves and without a rollout id.
        var rollouts = cp.Services.GetRequiredService<IConfigRollouts>();
        await rollouts.AbortAsync("test", "tester");
        await Eventually.HoldsAsync(() => canary.Serving == v1.Hash, "the canary serves v1 again");
        var back = canary.Configs.Last();
        Assert.Equal(LinkProtocol.Types.ConfigDelta, back.Type);
        Assert.Equal(v2.Hash, back.BaseHash);
        Assert.Equal(v1.Hash, back.Hash);
        Assert.Null(back.Rollout);
        Assert.False(other.WasSent(v2.Hash));
    }

    /// <summary>A document whose one small change makes a delta worth sending: a few kilobytes that compress badly.</summary>
    private static string Padded(int version)
    {
        var random = new Random(42);
        var padding = Convert.ToHexString(Enumerable.Range(0, 3000).Select(_ => (byte)random.Next(256)).ToArray());
        return $$"""{"v":{{version}},"padding":"{{padding}}"}""";
    }

    private static RolloutPlan TwoWaves(TimeSpan bake) => new(
        RolloutWave.WithLabels(Canary, bake),
        RolloutWave.Rest(bake));

    private static RolloutStatus? Current(IConfigRollouts rollouts) => rollouts.GetCurrentAsync().AsTask().GetAwaiter().GetResult();

    private static string? StoredHash(FileFallbackStore store) =>
        store.GetAsync(FallbackStoreKeys.Config("1.0.0"), 1 << 20, default).AsTask().GetAwaiter().GetResult() is { } stored
            ? ConfigHash.Compute(stored.Content.Span)
            : null;

    private static Task<ControlPlaneServer> StartAsync(Action<IServiceCollection>? services = null) =>
        ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub, services: s =>
        {
            s.Configure<RolloutOptions>(o => o.EvaluationInterval = TimeSpan.FromMilliseconds(50));
            services?.Invoke(s);
        });
}
