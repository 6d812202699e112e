using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography.X509Certificates;

namespace Resilience.ControlPlane;

/// <summary>Settings of the endpoint data planes connect to. Bound by <c>AddDataPlaneHub</c> and validated at start-up.</summary>
public sealed class DataPlaneHubOptions
{
    /// <summary>Gets or sets how client certificates are accepted. Default: <see cref="DataPlaneAuthenticationMode.Pinned"/>.</summary>
    public DataPlaneAuthenticationMode AuthenticationMode { get; set; } = DataPlaneAuthenticationMode.Pinned;

    /// <summary>Gets or sets a PEM file of the pinned data-plane certificate(s) (pinned mode).</summary>
    public string? PinnedCertificatesPath { get; set; }

    /// <summary>Gets the pinned certificates given in code (pinned mode). Not bindable from configuration.</summary>
    public X509Certificate2Collection PinnedCertificates { get; } = [];

    /// <summary>Gets or sets a PEM file of the trusted CA certificate(s): roots or intermediates (PKI mode).</summary>
    public string? TrustedCaPath { get; set; }

    /// <summary>Gets the trusted CA certificates given in code (PKI mode). Not bindable from configuration.</summary>
    public X509Certificate2Collection TrustedCaCertificates { get; } = [];

    /// <summary>Gets or sets how long a new connection has to say hello. Default: 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan HelloTimeout { get; set; } = DataPlaneHubDefaults.HelloTimeout;

    /// <summary>Gets or sets how long a connection may stay silent (no heartbeat, no message) before the control plane closes it. Default: 90 s (three heartbeats).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan DataPlaneTimeout { get; set; } = DataPlaneHubDefaults.DataPlaneTimeout;

    /// <summary>Gets or sets the time allowed for one message to be written to a data plane. Default: 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan WriteTimeout { get; set; } = DataPlaneHubDefaults.WriteTimeout;

    /// <summary>
    /// Gets or sets how many data planes are written a configuration at once; the others wait their turn (the wait
    /// does not count against <see cref="WriteTimeout"/>). A few per core keeps the send buffers pooled and reused,
    /// so a publish to thousands of data planes does not hold a copy of the message per data plane; a write that
    /// stalls on a data plane that stops reading gives its turn back after 100-150 ms. Default: 4 per processor.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConcurrentConfigSends { get; set; } = DataPlaneHubDefaults.MaxConcurrentConfigSends;

    /// <summary>Gets or sets the largest WebSocket fragment of a configuration message (tests and the fan-out benchmarks vary it).</summary>
    internal int ConfigFragmentBytes { get; set; } = DataPlaneHubDefaults.ConfigFragmentBytes;

    /// <summary>Gets or sets the largest message accepted from a data plane (all its frames); a larger one ends the connection. Default: 16 MiB.</summary>
    [Range(1024L, long.MaxValue)]
    public long MaxMessageBytes { get; set; } = DataPlaneHubDefaults.MaxMessageBytes;

    /// <summary>Gets or sets the largest telemetry batch after decompression. Default: 64 MiB.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxTelemetryDecompressedBytes { get; set; } = DataPlaneHubDefaults.MaxTelemetryDecompressedBytes;

    /// <summary>
    /// Gets or sets how many telemetry batches of one data plane may wait for the telemetry handlers and usage sinks.
    /// They run off the connection's receive loop, so a slow sink never holds heartbeats; when the queue is full a
    /// new batch is dropped and counted (<c>resilience.control_plane.telemetry.dropped</c>, event 6013). Memory per
    /// connection is bounded by this times <see cref="MaxTelemetryDecompressedBytes"/>. Default: 16.
    /// </summary>
    [Range(1, 100_000)]
    public int TelemetryQueueCapacity { get; set; } = DataPlaneHubDefaults.TelemetryQueueCapacity;

    /// <summary>
    /// Gets or sets how many earlier published configurations are kept as bases of deltas: a data plane that serves one of
    /// them and announced the <c>delta</c> capability gets only a patch to the latest (docs/protocol.md, "Delta sync").
    /// 0 turns deltas off. Default: 8.
    /// </summary>
    [Range(0, 1000)]
    public int DeltaHistory { get; set; } = DataPlaneHubDefaults.DeltaHistory;

    /// <summary>
    /// Gets or sets how many bytes of JSON the kept configurations may take together (the oldest go first; the latest is
    /// always kept). Default: 256 MiB.
    /// </summary>
    [Range(0L, long.MaxValue)]
    public long DeltaHistoryMaxBytes { get; set; } = DataPlaneHubDefaults.DeltaHistoryMaxBytes;

    /// <summary>Gets or sets how long a disconnected data plane stays in the registry. Default: 1 h.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan RegistryRetention { get; set; } = DataPlaneHubDefaults.RegistryRetention;

    /// <summary>
    /// Gets or sets a PEM file with the control plane's ECDSA P-256 private key. When set, every published
    /// configuration is signed (<see cref="ConfigSignature"/>) and data planes configured with the public key
    /// (<c>Resilience:Signing</c>) refuse unsigned or altered ones, from the link, their cache and the fallback store.
    /// </summary>
    public string? SigningKeyPath { get; set; }

    /// <summary>
    /// Gets the admission control of new sessions (<c>DataPlaneHub:Admission</c>): bounded rate and concurrency from the
    /// upgrade to the first configuration sent, a short queue, and 503 with <c>Retry-After</c> for the excess, before
    /// the upgrade. On by default, sized from the processor count.
    /// </summary>
    [Microsoft.Extensions.Options.ValidateObjectMembers]
    public DataPlaneAdmissionOptions Admission { get; } = new();
}
