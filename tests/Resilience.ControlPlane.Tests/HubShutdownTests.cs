using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Resilience.ControlPlane.Tests;

/// <summary>A stopping control plane closes every session with 1001 at once; nodes come back after the usual delay.</summary>
public sealed class HubShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Stopping_control_plane_closes_every_session_with_going_away_and_nodes_reconnect_after_restart()
    {
        // No shutdown timeout: a stop that waited for one instead of closing the sessions would never complete.
        static void NoShutdownTimeout(IServiceCollection services) => services.Configure<HostOptions>(o => o.ShutdownTimeout = Timeout.InfiniteTimeSpan);
        var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub, services: NoShutdownTimeout);
        var port = cp.Port;
        var published = await cp.PublishAsync("""{"v":1}""");
        var nodes = new List<DataPlaneNode>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                nodes.Add(await DataPlaneNode.StartAsync(
                    o =>
                    {
                        Pki.Link(cp.Endpoint)(o);

                        // The reference's reconnect window: a restart must fit into it.
                        o.ReconnectDelayMin = TimeSpan.FromSeconds(5);
                        o.ReconnectDelayMax = TimeSpan.FromSeconds(10);
                    },
                    nodeId: $"dp-{i}"));
            }

            await Eventually.HoldsAsync(() => nodes.All(n => n.Current?.Hash == published.Hash) && cp.Registry.GetAll().Count(d => d.IsConnected) == 3, "three nodes serve the config");

            // Traffic while stopping: usage records flow as telemetry.
            using var traffic = new CancellationTokenSource();
            var load = Task.Run(async () =>
            {
                var id = 0L;
                while (!traffic.IsCancellationRequested)
                {
                    foreach (var node in nodes)
                    {
                        node.Usage.Record(new UsageRecord("svc", "route", "consumer", 200, TimeSpan.FromMilliseconds(1), id++, 10));
                    }

                    await Task.Delay(1);
                }
            });

            // Before the fix, stopping waited for the host's shutdown timeout, then reset the connections. Here no
            // shutdown timeout ever fires (none is set and the token is never cancelled): the stop completes only
            // because the hub closes its sessions itself. The deadline only keeps a regression from hanging the run.
            var stop = Stopwatch.StartNew();
            var stopping = cp.StopAsync(CancellationToken.None);
            var completed = await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(120)));
            Assert.True(completed == stopping, "the control plane did not stop while its sessions were open: it waits for a shutdown timeout instead of closing them");
            await stopping;
            stop.Stop();
            await cp.DisposeAsync();
            output.WriteLine($"control plane stop with 3 sessions under traffic: {stop.ElapsedMilliseconds} ms");

            await Eventually.HoldsAsync(() => nodes.All(n => n.State.Link.Status != ClusterLinkStatus.Connected), "every node saw the close");
            foreach (var node in nodes)
            {
                Assert.Contains("(1001 the control plane is stopping)", node.State.Link.LastError, StringComparison.Ordinal);
                Assert.Equal(published.Hash, node.Current?.Hash);
            }

            var restart = Stopwatch.StartNew();
            cp = ControlPlaneServer.Create(Pki.ServerCertificate, Pki.Hub, port, NoShutdownTimeout);
            await cp.StartAsync();
            output.WriteLine($"control plane start: {restart.ElapsedMilliseconds} ms; stop + start: {stop.ElapsedMilliseconds + restart.ElapsedMilliseconds} ms");
            await cp.PublishAsync("""{"v":1}""");

            // Nodes reconnect in their normal 5-10 s window (polled with slack for a loaded machine).
            var back = Stopwatch.StartNew();
            await Eventually.HoldsAsync(() => cp.Registry.GetAll().Count(d => d.IsConnected) == 3, "the three nodes reconnected", TimeSpan.FromSeconds(40));
            output.WriteLine($"all nodes reconnected {back.ElapsedMilliseconds} ms after the restart");
            await traffic.CancelAsync();
            await load;
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            await cp.DisposeAsync();
        }
    }
}
