namespace Resilience.ClusterLink.WebSockets;

/// <summary>
/// The configuration-bindable part of <see cref="ClusterLinkOptions"/>: every setting but the certificate objects
/// (documented as not bindable). The configuration binding source generator cannot bind an
/// <see cref="System.Security.Cryptography.X509Certificates.X509Certificate2"/> and would emit obsolete
/// constructor calls for it, so the section is bound to this copy and copied back: same keys, and a key that is
/// absent leaves the value already set (a default or an earlier delegate) as reflection binding did.
/// </summary>
internal sealed class ClusterLinkBindableOptions
{
    public Uri? Endpoint { get; set; }

    public IList<Uri> Endpoints { get; } = [];

    public string? ServerName { get; set; }

    public string? ClientCertificatePath { get; set; }

    public string? ClientKeyPath { get; set; }

    public string? ClientCertificatePassword { get; set; }

    public string? ClientIntermediatesPath { get; set; }

    public string? TrustedCaPath { get; set; }

    public TimeSpan HeartbeatInterval { get; set; }

    public TimeSpan HeartbeatTimeout { get; set; }

    public TimeSpan ReconnectDelayMin { get; set; }

    public TimeSpan ReconnectDelayMax { get; set; }

    public TimeSpan MaxRetryAfter { get; set; }

    public TimeSpan ConnectTimeout { get; set; }

    public TimeSpan WriteTimeout { get; set; }

    public long MaxFrameBytes { get; set; }

    public long MaxDecompressedBytes { get; set; }

    public bool UseProxy { get; set; }

    public Uri? ProxyUri { get; set; }

    public bool ProxyTlsVerify { get; set; }

    public string? ProxyTrustedCaPath { get; set; }

    /// <summary>A copy of the bindable settings of <paramref name="options"/> (its <see cref="ClusterLinkOptions.Endpoints"/> stay there: binding appends to them).</summary>
    public static ClusterLinkBindableOptions From(ClusterLinkOptions options) => new()
    {
        Endpoint = options.Endpoint,
        ServerName = options.ServerName,
        ClientCertificatePath = options.ClientCertificatePath,
        ClientKeyPath = options.ClientKeyPath,
        ClientCertificatePassword = options.ClientCertificatePassword,
        ClientIntermediatesPath = options.ClientIntermediatesPath,
        TrustedCaPath = options.TrustedCaPath,
        HeartbeatInterval = options.HeartbeatInterval,
        HeartbeatTimeout = options.HeartbeatTimeout,
        ReconnectDelayMin = options.ReconnectDelayMin,
        ReconnectDelayMax = options.ReconnectDelayMax,
        MaxRetryAfter = options.MaxRetryAfter,
        ConnectTimeout = options.ConnectTimeout,
        WriteTimeout = options.WriteTimeout,
        MaxFrameBytes = options.MaxFrameBytes,
#pragma warning disable CS0618 // still bound, so existing configuration keeps binding
        MaxDecompressedBytes = options.MaxDecompressedBytes,
#pragma warning restore CS0618
        UseProxy = options.UseProxy,
        ProxyUri = options.ProxyUri,
        ProxyTlsVerify = options.ProxyTlsVerify,
        ProxyTrustedCaPath = options.ProxyTrustedCaPath,
    };

    /// <summary>Writes the bound settings back; bound endpoints are appended, as binding a get-only list does.</summary>
    public void CopyTo(ClusterLinkOptions options)
    {
        options.Endpoint = Endpoint;
        foreach (var endpoint in Endpoints)
        {
            options.Endpoints.Add(endpoint);
        }

        options.ServerName = ServerName;
        options.ClientCertificatePath = ClientCertificatePath;
        options.ClientKeyPath = ClientKeyPath;
        options.ClientCertificatePassword = ClientCertificatePassword;
        options.ClientIntermediatesPath = ClientIntermediatesPath;
        options.TrustedCaPath = TrustedCaPath;
        options.HeartbeatInterval = HeartbeatInterval;
        options.HeartbeatTimeout = HeartbeatTimeout;
        options.ReconnectDelayMin = ReconnectDelayMin;
        options.ReconnectDelayMax = ReconnectDelayMax;
        options.MaxRetryAfter = MaxRetryAfter;
        options.ConnectTimeout = ConnectTimeout;
        options.WriteTimeout = WriteTimeout;
        options.MaxFrameBytes = MaxFrameBytes;
#pragma warning disable CS0618 // still bound, so existing configuration keeps binding
        options.MaxDecompressedBytes = MaxDecompressedBytes;
#pragma warning restore CS0618
        options.UseProxy = UseProxy;
        options.ProxyUri = ProxyUri;
        options.ProxyTlsVerify = ProxyTlsVerify;
        options.ProxyTrustedCaPath = ProxyTrustedCaPath;
    }
}
