using System.Text;
using Microsoft.Extensions.DependencyInjection;
using static Resilience.ControlPlane.Redis.Tests.ReplicaFleet;

namespace Resilience.ControlPlane.Redis.Tests;

/// <summary>A rollout across control-plane replicas in one real Redis: one rollout for every replica's nodes, reported and steered from any replica, taken over when its driver dies, paused while Redis is down.</summary>
public sealed class RolloutReplicaTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly Dictionary<string, string> Canary = new() { ["ring"] = "canary" };

    [Fact]
    public async Task A_rollout_started_on_one_replica_reaches_the_canary_on_another_first_and_every_replica_reports_it()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();
        await using var cp1 = await StartRolloutReplicaAsync(redis, prefix, "r1");
        await using var cp2 = await StartRolloutReplicaAsync(redis, prefix, "r2");
        var v1 = await cp1.PublishAsync(Config("v1"));
        await using var canary = await ScriptedNode.ConnectAsync(cp2.Endpoint, "canary", Canary);
        await using var other = await ScriptedNode.ConnectAsync(cp1.Endpoint, "other");
        await Eventually.HoldsAsync(() => canary.Serving == v1.Hash && other.Serving == v1.Hash, "both nodes serve v1", Deadline);
        await Eventually.HoldsAsync(() => cp1.Registry.GetAll().Count(n => n.IsConnected) == 2, "replica 1 sees both nodes", Deadline);

        var v2 = await cp1.Publisher.PublishAsync(Encoding.UTF8.GetBytes(Config("v2")), "v2", TwoWaves(TimeSpan.FromSeconds(2)));

        await Eventually.HoldsAsync(() => canary.Serving == v2.Hash, "the canary on replica 2 serves v2", Deadline);
        Assert.False(other.WasSent(v2.Hash), "the node on replica 1 must wait for its wave");
        var seenFrom2 = await cp2.Services.GetRequiredService<IConfigRollouts>().GetCurrentAsync();
        Assert.Equal(v2.RolloutId, seenFrom2!.Id);
        await Eventually.HoldsAsync(
            () => Status(cp2)?.Waves[0].Nodes.SingleOrDefault()?.State == RolloutNodeState.Applied,
            "replica 2 reports the canary applied",
            Deadline);

        await Eventually.HoldsAsync(() => other.Serving == v2.Hash, "the second wave serves v2", Deadline);
        await Eventually.HoldsAsync(() => Status(cp1)?.Phase == RolloutPhase.Completed && Status(cp2)?.Phase == RolloutPhase.Completed, "both replicas report it completed", Deadline);
        await Eventually.HoldsAsync(() => cp2.Publisher.Stable?.Hash == v2.Hash && cp1.Publisher.Stable?.Hash == v2.Hash, "v2 is stable on both replicas", Deadline);
    }

    [Fact]
    public async Task A_rollout_goes_on_when_the_replica_that_drives_it_dies_and_an_operator_on_another_replica_can_abort_the_next()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();
        var cp1 = await StartRolloutReplicaAsync(redis, prefix, "r1");
        await using var cp2 = await StartRolloutReplicaAsync(redis, prefix, "r2");
        var v1 = await cp2.PublishAsync(Config("v1"));
        await using var canary = await ScriptedNode.ConnectAsync(cp2.Endpoint, "canary", Canary);
        await using var other = await ScriptedNode.ConnectAsync(cp2.Endpoint, "other");
        await Eventually.HoldsAsync(() => canary.Serving == v1.Hash && other.Serving == v1.Hash, "both nodes serve v1", Deadline);
        await Eventually.HoldsAsync(() => cp1.Registry.GetAll().Count(n => n.IsConnected) == 2, "replica 1 sees both nodes", Deadline);

        // Replica 1 starts it (and drives it: it leads from the start), then dies while the canary bakes.
        var v2 = await cp1.Publisher.PublishAsync(Encoding.UTF8.GetBytes(Config("v2")), "v2", TwoWaves(TimeSpan.FromSeconds(2)));
        await Eventually.HoldsAsync(() => canary.Serving == v2.Hash, "the canary serves v2", Deadline);
        await cp1.DisposeAsync();

        await Eventually.HoldsAsync(() => other.Serving == v2.Hash, "replica 2 took over and promoted the second wave", Deadline);
        await Eventually.HoldsAsync(() => Status(cp2)?.Phase == RolloutPhase.Completed, "the rollout completed", Deadline);

        var v3 = await cp2.Publisher.PublishAsync(Encoding.UTF8.GetBytes(Config("v3")), "v3", TwoWaves(TimeSpan.FromMinutes(5)));
        await Eventually.HoldsAsync(() => canary.Serving == v3.Hash, "the canary serves v3", Deadline);
        await cp2.Services.GetRequiredService<IConfigRollouts>().AbortAsync("not today", "ops");
        await Eventually.HoldsAsync(() => canary.Serving == v2.Hash && Status(cp2)?.Phase == RolloutPhase.Aborted, "the canary went back to v2 and the rollout ended aborted", Deadline);
        Assert.False(other.WasSent(v3.Hash));
    }

    [Fact]
    public async Task While_Redis_is_down_a_rollout_pauses_and_says_so_nodes_keep_serving_and_it_moves_on_when_Redis_is_back()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = Prefix();
        await using var cp1 = await StartRolloutReplicaAsync(redis, prefix, "r1");
        var v1 = await cp1.PublishAsync(Config("v1"));
        await using var canary = await ScriptedNode.ConnectAsync(cp1.Endpoint, "canary", Canary);
        await using var other = await ScriptedNode.ConnectAsync(cp1.Endpoint, "other");
        await Eventually.HoldsAsync(() => canary.Serving == v1.Hash && other.Serving == v1.Hash, "both nodes serve v1", Deadline);
        var v2 = await cp1.Publisher.PublishAsync(Encoding.UTF8.GetBytes(Config("v2")), "v2", TwoWaves(TimeSpan.FromSeconds(2)));
        await Eventually.HoldsAsync(() => canary.Serving == v2.Hash, "the canary serves v2", Deadline);

        await redis.StopAsync();
        await Eventually.HoldsAsync(() => Status(cp1) is { BackplaneUnavailable: true, Phase: RolloutPhase.Paused }, "the rollout reports it is paused for want of Redis", Deadline);

        // Longer than the bake: nothing promotes, nothing changes on the nodes.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(v2.Hash, canary.Serving);
        Assert.Equal(v1.Hash, other.Serving);
        Assert.False(other.WasSent(v2.Hash));

        // Redis back without its data: the replica writes the rollout back and it moves on.
        await redis.StartAgainAsync();
        await Eventually.HoldsAsync(() => other.Serving == v2.Hash, "the second wave serves v2 once Redis is back", Deadline);
        await Eventually.HoldsAsync(() => Status(cp1) is { BackplaneUnavailable: false, Phase: RolloutPhase.Completed }, "the rollout completed", Deadline);
    }

    private static RolloutPlan TwoWaves(TimeSpan bake) => new(RolloutWave.WithLabels(Canary, bake), RolloutWave.Rest(bake));

    private static RolloutStatus? Status(ControlPlaneServer cp) => cp.Services.GetRequiredService<IConfigRollouts>().GetCurrentAsync().AsTask().GetAwaiter().GetResult();

    private static Task<ControlPlaneServer> StartRolloutReplicaAsync(RedisServer redis, string prefix, string replicaId) =>
        ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub, services: services =>
        {
            Add(services, redis, prefix, replicaId);
            services.Configure<RolloutOptions>(o =>
            {
                o.EvaluationInterval = TimeSpan.FromMilliseconds(100);
                o.LeaseDuration = TimeSpan.FromSeconds(1);
            });
        });
}
