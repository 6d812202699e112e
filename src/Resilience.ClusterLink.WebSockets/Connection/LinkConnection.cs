using System.Net.WebSockets;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>An open connection to the control plane and what must be disposed with it.</summary>
internal sealed class LinkConnection(WebSocket socket, IDisposable? owner = null) : IDisposable
{
    public WebSocket Socket { get; } = socket;

    public void Dispose()
    {
        Socket.Dispose();
        owner?.Dispose();
    }
}
