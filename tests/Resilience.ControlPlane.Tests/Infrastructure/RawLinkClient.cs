using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane.Tests;

/// <summary>A data plane driven by hand, message by message, over the real connector (mTLS).</summary>
internal sealed class RawLinkClient : IAsyncDisposable
{
    private readonly LinkConnection _connection;

    private RawLinkClient(LinkConnection connection) => _connection = connection;

    public WebSocket Socket => _connection.Socket;

    public static async Task<RawLinkClient> ConnectAsync(ClusterLinkOptions options)
    {
        var connector = new ClusterLinkConnector(options, TimeProvider.System, NullLogger.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return new RawLinkClient(await connector.ConnectAsync(options.ResolveEndpoints()[0], cts.Token));
    }

    public Task SendAsync<T>(T message)
        where T : LinkMessage => LinkFraming.SendControlAsync(Socket, message, Timeout()).AsTask();

    public Task HelloAsync(string nodeId, string? hash) => SendAsync(new HelloMessage
    {
        Type = LinkProtocol.Types.Hello,
        Protocol = LinkProtocol.Version,
        NodeId = nodeId,
        Hostname = "raw",
        Version = "9.9.9",
        ConfigHash = hash,
    });

    /// <summary>Receives the next message: a control message's type, or a binary message's header.</summary>
    public async Task<(string Type, BinaryHeader? Header)> ReceiveAsync()
    {
        var frame = await LinkFraming.ReceiveAsync(Socket, 64 * 1024 * 1024, null, Timeout()) ?? throw new InvalidOperationException($"closed: {Socket.CloseStatus} {Socket.CloseStatusDescription}");
        if (frame.Kind == WebSocketMessageType.Text)
        {
            return (LinkFraming.ParseControl(frame).Type, null);
        }

        var (header, _) = LinkFraming.DecodeBinary(frame);
        return (header.Type!, header);
    }

    public ValueTask DisposeAsync()
    {
        _connection.Socket.Abort();
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;
}
