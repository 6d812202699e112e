using System.Net.WebSockets;

namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>One whole WebSocket message as received (<see cref="LinkFraming.ReceiveAsync"/>): text (a JSON control message) or binary (header + payload).</summary>
/// <param name="Kind">Text or binary.</param>
/// <param name="Buffer">The buffer holding the message from offset 0 (it may be longer).</param>
/// <param name="Length">How many bytes of <paramref name="Buffer"/> the message fills.</param>
public readonly record struct LinkFrame(WebSocketMessageType Kind, byte[] Buffer, int Length)
{
    /// <summary>Gets the message bytes.</summary>
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    /// <summary>Gets the message bytes.</summary>
    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);
}
