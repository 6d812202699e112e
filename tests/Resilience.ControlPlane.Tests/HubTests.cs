using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Resilience.ClusterLink.Protocol;

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
        var message = LinkFraming.EncodeBinary(new BinaryHeader { Type = LinkProtocol.Types.Telemetry, Encoding = LinkProtocol.Encodings.Gzip, Size = batch.Length }, BoundedGzip.Compress(batch));
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
