namespace Resilience.ClusterLink.WebSockets;

/// <summary>What the certificate callbacks and connections of one attempt found, for the error message.</summary>
internal sealed class ConnectionAttempt
{
    private int _connections;

    public string? Failure { get; set; }

    /// <summary>Gets or sets a value indicating whether a TLS handshake of this attempt accepted the control plane's certificate.</summary>
    public bool ServerTrusted { get; set; }

    /// <summary>Gets a value indicating whether the control plane closed a trusted connection without answering (its refusal of our certificate).</summary>
    public bool ClientCertificateRefused { get; private set; }

    /// <summary>
    /// Called before each connection of the attempt. The HTTP handler retries a request whose new connection
    /// ended before any response; after a trusted handshake that is the control plane refusing our certificate,
    /// and a retry would only be refused again (and logged again by the control plane), so it stops here.
    /// </summary>
    public void BeforeConnection()
    {
        if (Interlocked.Increment(ref _connections) > 1 && ServerTrusted)
        {
            ClientCertificateRefused = true;
            throw new HttpRequestException(HttpRequestError.ConnectionError, "the control plane closed the connection after the TLS handshake without answering");
        }
    }
}
