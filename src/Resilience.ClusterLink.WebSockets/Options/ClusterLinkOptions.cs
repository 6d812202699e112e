using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography.X509Certificates;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>
/// Settings of the WebSocket link to the control plane, bound from the <c>ClusterLink</c> sub-section
/// of the section given to <c>AddDataPlaneResilience</c> and validated at start-up.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The [Range(typeof(TimeSpan), ...)]/[MaxLength] rules are read at compile time by the [OptionsValidator] source generator, whose validator uses its own trim-safe copies; nothing constructs these attributes by reflection unless the app calls ValidateDataAnnotations, which carries its own trimming warning.")]
public sealed class ClusterLinkOptions
{
    /// <summary>
    /// Gets or sets the control plane's endpoint, for example <c>wss://cp.example.com:8005/v1/outlet</c>: the same as
    /// <see cref="Endpoints"/> with this one element. Set this or <see cref="Endpoints"/>, not both.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// Gets the control-plane endpoints in the order they are tried, for several control planes (replicas, or
    /// a primary and a standby). One round tries each in turn, starting from the one that last worked; the link
    /// stays on the first that connects and waits the random reconnect delay only between rounds. Every endpoint
    /// gets the same client certificate, trust and proxy rules. Set this or <see cref="Endpoint"/>, not both.
    /// </summary>
    public IList<Uri> Endpoints { get; } = [];

    /// <summary>
    /// Gets or sets the name the control plane's certificate must carry, for every endpoint. Default: the host of
    /// each endpoint (leave it unset when the endpoints have different names).
    /// </summary>
    public string? ServerName { get; set; }

    /// <summary>Gets or sets the client certificate: a PEM file (certificate, optionally followed by intermediates and the key) or a PKCS#12 (<c>.pfx</c>/<c>.p12</c>) file.</summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>Gets or sets the PEM private key of the client certificate, when it is not in <see cref="ClientCertificatePath"/>.</summary>
    public string? ClientKeyPath { get; set; }

    /// <summary>Gets or sets the password of a PKCS#12 client certificate or of an encrypted PEM key.</summary>
    public string? ClientCertificatePassword { get; set; }

    /// <summary>
    /// Gets or sets a PEM file of intermediate certificates sent with the client certificate (PKI mode,
    /// when the control plane trusts only the root). Intermediates in a PFX or after the certificate in the PEM are sent too.
    /// </summary>
    public string? ClientIntermediatesPath { get; set; }

    /// <summary>Gets or sets the client certificate (with its private key) directly, instead of <see cref="ClientCertificatePath"/>. Not bindable from configuration.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>Gets the intermediates sent with <see cref="ClientCertificate"/>. Not bindable from configuration.</summary>
    public X509Certificate2Collection ClientIntermediates { get; } = [];

    /// <summary>
    /// Gets or sets a PEM file of the CA certificate(s) the control plane's certificate must chain to;
    /// <c>system</c> or unset uses the system trust store.
    /// </summary>
    public string? TrustedCaPath { get; set; }

    /// <summary>Gets the CA certificates the control plane's certificate must chain to, in addition to <see cref="TrustedCaPath"/>. Not bindable from configuration.</summary>
    public X509Certificate2Collection TrustedCaCertificates { get; } = [];

    /// <summary>Gets or sets the interval between heartbeats carrying the current configuration hash. Default: 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan HeartbeatInterval { get; set; } = ClusterLinkDefaults.HeartbeatInterval;

    /// <summary>Gets or sets how long the link waits for anything from the control plane before it declares the connection dead. Default: 45 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan HeartbeatTimeout { get; set; } = ClusterLinkDefaults.HeartbeatTimeout;

    /// <summary>Gets or sets the shortest random delay before a reconnect. Default: 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ReconnectDelayMin { get; set; } = ClusterLinkDefaults.ReconnectDelayMin;

    /// <summary>Gets or sets the longest random delay before a reconnect. Default: 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ReconnectDelayMax { get; set; } = ClusterLinkDefaults.ReconnectDelayMax;

    /// <summary>
    /// Gets or sets the longest wait the link accepts when a control plane answers busy (<c>503</c> or <c>429</c>) with
    /// <c>Retry-After</c>: the link waits what it is told, never less than <see cref="ReconnectDelayMin"/>, never more
    /// than this, plus the usual random spread. Default: 5 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxRetryAfter { get; set; } = ClusterLinkDefaults.MaxRetryAfter;

    /// <summary>Gets or sets the time allowed for one connection attempt: TCP, proxy tunnel, TLS and the WebSocket upgrade. Default: 15 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = ClusterLinkDefaults.ConnectTimeout;

    /// <summary>Gets or sets the time allowed for one message to be written. Default: 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan WriteTimeout { get; set; } = ClusterLinkDefaults.WriteTimeout;

    /// <summary>Gets or sets the largest WebSocket message accepted from the control plane (all its frames); a larger one ends the connection. Default: 64 MiB.</summary>
    [Range(1024L, long.MaxValue)]
    public long MaxFrameBytes { get; set; } = ClusterLinkDefaults.MaxFrameBytes;

    /// <summary>
    /// Gets or sets nothing the link uses any more: a pushed configuration is bounded by the chain's limits, the one place
    /// they are set (<see cref="DataPlaneResilienceOptions.MaxConfigBytes"/> as received, <see cref="DataPlaneResilienceOptions.MaxDecompressedBytes"/>
    /// after decompression, <c>Resilience:MaxConfigBytes</c> and <c>Resilience:MaxDecompressedBytes</c>). Kept so that
    /// existing configuration still binds.
    /// </summary>
    [Obsolete("The link applies the chain's limits: set Resilience:MaxConfigBytes and Resilience:MaxDecompressedBytes (DataPlaneResilienceOptions).")]
    public long MaxDecompressedBytes { get; set; } = ClusterLinkDefaults.MaxDecompressedBytes;

    /// <summary>Gets or sets a value indicating whether the link goes through <see cref="ProxyUri"/> (like <c>cluster_use_proxy</c>). Default: off.</summary>
    public bool UseProxy { get; set; }

    /// <summary>Gets or sets the forward proxy: <c>http://user:pass@host:port</c> or <c>https://user:pass@host:port</c>; credentials are sent as Basic.</summary>
    public Uri? ProxyUri { get; set; }

    /// <summary>Gets or sets a value indicating whether an <c>https://</c> proxy's certificate is verified (like <c>proxy_server_ssl_verify</c>). Default: on.</summary>
    public bool ProxyTlsVerify { get; set; } = true;

    /// <summary>Gets or sets a PEM file of CA certificates an <c>https://</c> proxy's certificate must chain to; <c>system</c> or unset uses the system trust store.</summary>
    public string? ProxyTrustedCaPath { get; set; }

    /// <summary>The endpoints to try, in order: <see cref="Endpoints"/>, or <see cref="Endpoint"/> alone.</summary>
    internal IReadOnlyList<Uri> ResolveEndpoints() =>
        Endpoints.Count > 0 ? [.. Endpoints] : Endpoint is { } endpoint ? [endpoint] : [];
}
