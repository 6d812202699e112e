using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane.Tests;

/// <summary>The CP's hooks and guards: telemetry batches, hello rules, publish input.</summary>
public sealed class HubTests
{
    [Fact]
    public async Task Telemetry_batches_reach_the_registered_handler_decompressed_with_the_sender()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub, services: s => s.AddDataPlaneTelemetryHandler<RecordingTelemetryHandler>());
        await using var client = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));
        await client.HelloAsync("telemetry-dp", null);
        await client.ReceiveAsync();

        var batch = """[{"route":"/a","status":200,"count":3}]"""u8.ToArray();
        var message = LinkFraming.EncodeBinary(new BinaryHeader { Type = LinkProtocol.Types.Telemetry, Encoding = LinkProtocol.Encodings.Gzip, Size = batch.Length }, TestGzip.Compress(batch));
        await client.Socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);

        var handler = (RecordingTelemetryHandler)cp.Services.GetServices<IDataPlaneTelemetryHandler>().Single();
        await Eventually.HoldsAsync(() => !handler.Batches.IsEmpty, "the handler got the batch");
        var (node, received) = handler.Batches.Single();
        Assert.Equal("telemetry-dp", node.NodeId);
        Assert.Equal("9.9.9", node.Version);
        Assert.Equal(batch, received);
    }

    [Fact]
    public async Task A_connection_whose_first_message_is_not_hello_is_closed_and_not_registered()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var client = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));

        await client.SendAsync(new HeartbeatMessage { Type = LinkProtocol.Types.Heartbeat, ConfigHash = "x" });

        await Assert.ThrowsAsync<InvalidOperationException>(client.ReceiveAsync);
        Assert.Equal(4002, (int?)client.Socket.CloseStatus);
        Assert.Empty(cp.Registry.GetAll());
    }

    [Fact]
    public async Task Publishing_something_that_is_not_a_JSON_object_is_refused_and_changes_nothing()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var published = await cp.PublishAsync("""{"ok":true}""");

        await Assert.ThrowsAsync<ArgumentException>(() => cp.PublishAsync("[1,2]"));
        await Assert.ThrowsAsync<ArgumentException>(() => cp.PublishAsync("{\"unterminated\":"));

        Assert.Same(published, cp.Publisher.Latest);
        Assert.Equal(ConfigHash.Compute("""{"ok":true}"""u8), published.Hash);
    }

    [Fact]
    public async Task A_reconnecting_node_replaces_its_old_connection()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var first = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));
        await first.HelloAsync("same-node", null);
        await first.ReceiveAsync();
        await using var second = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));
        await second.HelloAsync("same-node", null);
        await second.ReceiveAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(first.ReceiveAsync);
        Assert.Equal(4001, (int?)first.Socket.CloseStatus);
        var info = Assert.Single(cp.Registry.GetAll());
        Assert.True(info.IsConnected);
    }

    [Fact]
    public async Task A_silent_data_plane_is_closed_after_the_data_plane_timeout_and_kept_in_the_registry_as_disconnected()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub, services: s => s.AddSingleton<TimeProvider>(time));
        await using var client = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));
        await client.HelloAsync("quiet-dp", null);
        await client.ReceiveAsync();
        await Eventually.HoldsAsync(() => cp.Registry.Find("quiet-dp") is { IsConnected: true }, "the data plane is registered");

        time.Advance(TimeSpan.FromSeconds(89));
        await client.SendAsync(new HeartbeatMessage { Type = LinkProtocol.Types.Heartbeat });
        Assert.Equal(LinkProtocol.Types.HeartbeatAck, (await client.ReceiveAsync()).Type);

        // 90 s of silence after that heartbeat: the CP closes with 4000.
        time.Advance(TimeSpan.FromSeconds(90));
        await Assert.ThrowsAsync<InvalidOperationException>(client.ReceiveAsync);
        Assert.Equal(4000, (int?)client.Socket.CloseStatus);
        await client.DisposeAsync();
        await Eventually.HoldsAsync(() => cp.Registry.Find("quiet-dp") is { IsConnected: false }, "the registry shows it disconnected");

        // Recently seen DPs stay for the retention (1 h), then go.
        time.Advance(TimeSpan.FromMinutes(59));
        Assert.NotNull(cp.Registry.Find("quiet-dp"));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(cp.Registry.Find("quiet-dp"));
    }

    private sealed class RecordingTelemetryHandler : IDataPlaneTelemetryHandler
    {
        public ConcurrentQueue<(DataPlaneInfo Node, byte[] Batch)> Batches { get; } = new();

        public ValueTask HandleAsync(DataPlaneInfo node, ReadOnlyMemory<byte> batch, CancellationToken cancellationToken)
        {
            Batches.Enqueue((node, batch.ToArray()));
            return ValueTask.CompletedTask;
        }
    }
}
