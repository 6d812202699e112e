using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Resilience.ControlPlane.Tests;

/// <summary>
/// The share of a fleet that a bad configuration reaches when it is staged: 100 nodes on real connections to a real
/// control plane, a first wave of 5 % chosen by node id; every node would refuse the configuration.
/// </summary>
public sealed class RolloutFleetShareTests(ITestOutputHelper output)
{
    private const int FleetSize = 100;

    [Fact]
    public async Task A_configuration_every_node_refuses_staged_to_5_percent_of_100_nodes_reaches_those_5_only_and_is_rolled_back()
    {
        await using var cp = await StartAsync();
        var v1 = await cp.PublishAsync("""{"v":1}""");
        var fleet = new List<ScriptedNode>();
        try
        {
            await ConnectAsync(cp, fleet, v1);
            foreach (var node in fleet)
            {
                node.Refuse = header => header.Hash == v1.Hash ? null : "route 'all': unknown cluster 'nowhere'";
            }

            var clock = Stopwatch.StartNew();
            var bad = await cp.Publisher.PublishAsync(
                Encoding.UTF8.GetBytes("""{"v":"bad"}"""),
                "bad",
                new RolloutPlan(RolloutWave.WithShare(0.05, TimeSpan.FromMinutes(10)), RolloutWave.Rest(TimeSpan.FromMinutes(10))));
            var rollouts = cp.Services.GetRequiredService<IConfigRollouts>();
            await Eventually.HoldsAsync(() => rollouts.GetCurrentAsync().AsTask().GetAwaiter().GetResult()?.Phase == RolloutPhase.RolledBack, "the rollout rolled back", TimeSpan.FromSeconds(30));
            var rolledBack = clock.Elapsed;

            // Exactly the 5 nodes of lowest rank by node id were sent it; the other 95 never were; nobody serves it.
            var expected = fleet.Select(n => n.NodeId).OrderBy(WaveSelection.Rank).Take(5).Order(StringComparer.Ordinal).ToArray();
            var reached = fleet.Where(n => n.WasSent(bad.Hash)).Select(n => n.NodeId).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(expected, reached);
            Assert.All(fleet, n => Assert.Equal(v1.Hash, n.Serving));
            var status = (await rollouts.GetCurrentAsync())!;
            Assert.Equal(expected, status.Waves[0].Nodes.Select(n => n.NodeId).Order(StringComparer.Ordinal));
            Assert.All(status.Waves[0].Nodes, n => Assert.Equal(RolloutNodeState.Rejected, n.State));
            Assert.Equal(v1.Hash, cp.Publisher.Stable!.Hash);
            output.WriteLine($"bad configuration sent to {reached.Length} of {FleetSize} nodes ({string.Join(", ", reached)}); publish -> RolledBack {rolledBack.TotalMilliseconds:F0} ms (evaluation interval 50 ms)");
        }
        finally
        {
            foreach (var node in fleet)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_configuration_that_fails_every_request_staged_to_5_percent_of_100_nodes_is_served_by_those_5_only_until_the_failed_request_gate_rolls_it_back()
    {
        var heartbeat = TimeSpan.FromMilliseconds(250);
        await using var cp = await StartAsync();
        var v1 = await cp.PublishAsync("""{"v":1}""");
        var fleet = new List<ScriptedNode>();
        using var stop = new CancellationTokenSource();
        Task? heartbeats = null;
        try
        {
            await ConnectAsync(cp, fleet, v1);

            // Every node takes 10 requests per heartbeat interval and says so: all of them fail while it serves the bad one.
            string? badHash = null;
            long failed = 0;
            heartbeats = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    foreach (var node in fleet)
                    {
                        var serving = node.Serving;
                        var failing = serving is not null && serving == Volatile.Read(ref badHash) ? 10 : 0;
                        Interlocked.Add(ref failed, failing);
                        await node.HeartbeatAsync(serving, 10, failing);
                    }

                    await Task.Delay(heartbeat, CancellationToken.None);
                }
            });
            await Eventually.HoldsAsync(() => cp.Registry.GetAll().All(n => n.Health is { TotalRequests: >= 20 }), "every node reported its requests before", TimeSpan.FromSeconds(30));

            var wave = RolloutWave.WithShare(0.05, TimeSpan.FromMinutes(10));
            wave.Gates.MinRequests = 20;
            var bad = await cp.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":"dead upstream"}"""), "bad", new RolloutPlan(wave, RolloutWave.Rest(TimeSpan.FromMinutes(10))));
            Volatile.Write(ref badHash, bad.Hash);
            var rollouts = cp.Services.GetRequiredService<IConfigRollouts>();
            await Eventually.HoldsAsync(() => rollouts.GetCurrentAsync().AsTask().GetAwaiter().GetResult()?.Phase == RolloutPhase.RolledBack, "the rollout rolled back", TimeSpan.FromSeconds(30));

            // The 5 nodes of lowest rank served it, no other node ever did, and all serve v1 again.
            var expected = fleet.Select(n => n.NodeId).OrderBy(WaveSelection.Rank).Take(5).Order(StringComparer.Ordinal).ToArray();
            var served = fleet.Where(n => n.ServedHashes.Contains(bad.Hash)).Select(n => n.NodeId).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(expected, served);
            await Eventually.HoldsAsync(() => fleet.All(n => n.Serving == v1.Hash), "every node serves v1 again");
            var status = (await rollouts.GetCurrentAsync())!;
            Assert.Contains("the failed-request share rose to 100.0 %", status.Reason, StringComparison.Ordinal);
            var reached = status.Waves[0].Nodes.Min(n => n.AppliedAt!.Value);
            var undone = status.EndedAt!.Value - reached;
            output.WriteLine(
                $"served by {served.Length} of {FleetSize} nodes ({string.Join(", ", served)}); first canary applied -> rollback complete {undone.TotalMilliseconds:F0} ms "
                + $"(heartbeat {heartbeat.TotalMilliseconds:F0} ms, the gate reads the first heartbeat whose interval began after the apply: 5 nodes x 10 requests; evaluation interval 50 ms); {Interlocked.Read(ref failed)} requests failed");
        }
        finally
        {
            await stop.CancelAsync();
            if (heartbeats is not null)
            {
                await heartbeats.ContinueWith(_ => { }, TaskScheduler.Default);
            }

            foreach (var node in fleet)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static Task<ControlPlaneServer> StartAsync() =>
        ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub, services: s => s.Configure<RolloutOptions>(o => o.EvaluationInterval = TimeSpan.FromMilliseconds(50)));

    /// <summary>Connects the fleet (into <paramref name="fleet"/>, which the caller disposes) and waits until every node serves <paramref name="v1"/>.</summary>
    private static async Task ConnectAsync(ControlPlaneServer cp, List<ScriptedNode> fleet, PublishedConfig v1)
    {
        for (var i = 0; i < FleetSize; i++)
        {
            fleet.Add(await ScriptedNode.ConnectAsync(cp.Endpoint, $"node-{i:D3}"));
        }

        await Eventually.HoldsAsync(() => fleet.All(n => n.Serving == v1.Hash), "every node serves v1", TimeSpan.FromSeconds(60));
    }
}
