namespace Resilience.ClusterLink.WebSockets;

/// <summary>Opens one connection to the control plane (replaced in tests).</summary>
internal interface IClusterLinkConnector
{
    /// <summary>Gets how the link reaches the control plane, for logs (empty, or " via proxy host:port").</summary>
    string Route { get; }

    /// <summary>Connects to one endpoint: TCP (through the proxy, when configured), mutual TLS, WebSocket upgrade.</summary>
    /// <exception cref="Exception">Any failure; its message becomes the link's last error.</exception>
    Task<LinkConnection> ConnectAsync(Uri endpoint, CancellationToken cancellationToken);
}
