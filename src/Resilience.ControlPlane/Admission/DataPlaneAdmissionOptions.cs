using System.ComponentModel.DataAnnotations;

namespace Resilience.ControlPlane;

/// <summary>
/// Admission control of new data-plane sessions (<see cref="DataPlaneHubOptions.Admission"/>): when a control plane, or
/// a load balancer in front of it, comes back after an outage, every node reconnects within its 5-10 s window and each
/// new session gets the full configuration at once. New sessions are admitted at a bounded rate and concurrency (from
/// the WebSocket upgrade until the first configuration is sent), waiting briefly in a bounded queue before the upgrade;
/// the excess is answered <c>503 Service Unavailable</c> with <c>Retry-After</c> before the upgrade, and the nodes
/// come back when told. Defaults are sized from the processor count, as Istio sizes its push throttle.
/// </summary>
public sealed class DataPlaneAdmissionOptions
{
    /// <summary>Gets or sets a value indicating whether new sessions go through admission control. Default: on.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets how many sessions may be between their WebSocket upgrade and their first configuration sent at once
    /// (hello, registration, the first full configuration). Default: 4 per processor.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxConcurrent { get; set; } = DataPlaneAdmissionDefaults.MaxConcurrent;

    /// <summary>Gets or sets how many sessions are admitted per second at most. Default: 250 per processor.</summary>
    [Range(1, 1_000_000)]
    public int PerSecond { get; set; } = DataPlaneAdmissionDefaults.PerSecond;

    /// <summary>
    /// Gets or sets how many upgrade requests may wait for admission; one more is answered 503 at once. Default: what
    /// can be admitted within <see cref="QueueTimeout"/> at <see cref="PerSecond"/>.
    /// </summary>
    [Range(0, 10_000_000)]
    public int QueueLimit { get; set; } = DataPlaneAdmissionDefaults.QueueLimit;

    /// <summary>
    /// Gets or sets how long an upgrade request may wait for admission before it is answered 503; keep it well below the
    /// nodes' <c>ClusterLink:ConnectTimeout</c> (15 s by default), which the wait counts against. Default: 5 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan QueueTimeout { get; set; } = DataPlaneAdmissionDefaults.QueueTimeout;

    /// <summary>
    /// Gets or sets the longest <c>Retry-After</c> the control plane asks for. Refused requests are spread over the time
    /// the backlog needs at <see cref="PerSecond"/>, from 1 s up to this. Default: 60 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxRetryAfter { get; set; } = DataPlaneAdmissionDefaults.MaxRetryAfter;
}
