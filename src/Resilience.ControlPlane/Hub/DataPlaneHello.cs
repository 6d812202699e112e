using System.Net.WebSockets;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane;

/// <summary>The handshake of a data plane's connection: its hello, checked before the node is registered.</summary>
internal static class DataPlaneHello
{
    /// <summary>Waits for the first message, which must be a valid hello of this protocol version.</summary>
    /// <exception cref="LinkProtocolException">Not a hello, another version, or no valid node id (close code 4002 or the framing's).</exception>
    /// <exception cref="TimeoutException">No message within <paramref name="helloTimeout"/>.</exception>
    public static async Task<HelloMessage> ReceiveAsync(WebSocket socket, TimeSpan helloTimeout, TimeProvider time, CancellationToken token)
    {
        using var timeout = new CancellationTokenSource(helloTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
        LinkFrame? frame;
        try
        {
            frame = await LinkFraming.ReceiveAsync(socket, LinkProtocol.MaxControlMessageBytes, null, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
        {
            throw new TimeoutException($"no hello within {helloTimeout}");
        }

        if (frame is not { } message)
        {
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "closed before hello");
        }

        var (type, root) = LinkFraming.ParseControl(message);
        if (type != LinkProtocol.Types.Hello)
        {
            throw new LinkProtocolException(LinkProtocol.CloseCodes.BadHello, "bad_hello", $"the first message is '{type}', not hello");
        }

        var hello = LinkFraming.Deserialize<HelloMessage>(root);
        if (hello.Protocol != LinkProtocol.Version)
        {
            throw new LinkProtocolException(LinkProtocol.CloseCodes.BadHello, "bad_hello", $"protocol {hello.Protocol} is not supported (this control plane speaks {LinkProtocol.Version})");
        }

        if (string.IsNullOrWhiteSpace(hello.NodeId) || hello.NodeId.Length > 128)
        {
            throw new LinkProtocolException(LinkProtocol.CloseCodes.BadHello, "bad_hello", "hello has no valid node_id");
        }

        return hello;
    }
}
