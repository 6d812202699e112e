using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.ControlPlane.Tests;

/// <summary>A usage sink that blocks never holds heartbeats or pushes: telemetry waits in a bounded queue that counts what it drops.</summary>
public sealed class SlowSinkTests
{
    [Fact]
    public async Task Sink_blocked_for_minutes_does_not_stall_heartbeats_or_pushes_and_dropped_batches_are_counted()
    {
        var sink = new BlockedSink();
        var logs = new FakeLogCollector();
        await using var cp = await ControlPlaneServer.StartAsync(
            Pki.ServerCertificate,
            o =>
            {
                Pki.Hub(o);
                o.TelemetryQueueCapacity = 2;
            },
            services: s =>
            {
                s.AddSingleton<IDataPlaneUsageSink>(sink);
                s.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(logs));
            });
        using var dropped = new MetricCollector<long>(cp.Services.GetRequiredService<IMeterFactory>(), "Resilience.ControlPlane", "resilience.control_plane.telemetry.dropped");
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "busy-dp", services: s => s.Configure<TelemetryOptions>(o => o.FlushInterval = TimeSpan.FromMilliseconds(50)));
        // The node reports Connected once its hello is sent; the control plane registers it when the hello arrives.
        await Eventually.HoldsAsync(() => dp.State.Link.Status == ClusterLinkStatus.Connected && cp.Registry.Find("busy-dp") is not null, "the node is connected and registered");
        var connectedAt = cp.Registry.Find("busy-dp")!.ConnectedAt;

        using var traffic = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            for (var id = 0L; !traffic.IsCancellationRequested; id++)
            {
                dp.Usage.Record(new UsageRecord("svc", "route", "consumer", 200, TimeSpan.FromMilliseconds(1), id, 10));
                await Task.Delay(2);
            }
        });
        await sink.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var blockedSeen = cp.Registry.Find("busy-dp")!.LastSeen;
        var linkSince = dp.State.Link.Since;

        // Heartbeats go on: the control plane keeps hearing the node on the same connection for longer than the node's
        // 3 s heartbeat timeout (had they stalled that long, the node would have reconnected).
        await Eventually.HoldsAsync(
            () => cp.Registry.Find("busy-dp")!.LastSeen > blockedSeen + TimeSpan.FromSeconds(4),
            "the control plane hears the node's heartbeats for 4 s after the sink blocked");
        Assert.Equal(ClusterLinkStatus.Connected, dp.State.Link.Status);
        Assert.Equal(linkSince, dp.State.Link.Since);

        await Eventually.HoldsAsync(() => dropped.GetMeasurementSnapshot().Count >= 3, "batches beyond the queue are dropped and counted");

        // Pushes go on.
        var published = await cp.PublishAsync("""{"v":"during a stuck sink"}""");
        await Eventually.HoldsAsync(() => dp.Current?.Hash == published.Hash, "the push was applied");
        await Eventually.HoldsAsync(() => cp.Registry.Find("busy-dp")?.ConfigHash == published.Hash, "the apply result reached the control plane");

        Assert.Equal(connectedAt, cp.Registry.Find("busy-dp")!.ConnectedAt);
        Assert.Equal(1, sink.Calls);
        Assert.Contains(logs.GetSnapshot(), r => r.Id.Id == 6013);
        await traffic.CancelAsync();
        await load;
    }

    private sealed class BlockedSink : IDataPlaneUsageSink
    {
        private readonly SemaphoreSlim _never = new(0, 1);
        private int _calls;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls => Volatile.Read(ref _calls);

        public async ValueTask ReceiveAsync(DataPlaneUsageBatch batch, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            Entered.TrySetResult();

            // Blocked for minutes, as a sink whose database hangs.
            await _never.WaitAsync(TimeSpan.FromMinutes(10), cancellationToken);
        }
    }
}
