using Microsoft.Extensions.Logging;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>
/// What one connection's session works with, handed to it by the link that starts it (as Polly hands a strategy its
/// clock and telemetry): the session never reaches back into the link.
/// </summary>
/// <param name="Options">The link's options (timings, limits of frames).</param>
/// <param name="Limits">The chain's size limits for what the session decompresses and patches.</param>
/// <param name="Time">The clock of heartbeats, timeouts and durations.</param>
/// <param name="Logger">Where the session logs.</param>
/// <param name="Metrics">The link's instruments.</param>
/// <param name="Telemetry">The usage flusher the session runs, if telemetry is on.</param>
/// <param name="License">Where licences from the control plane go, if anywhere.</param>
internal sealed record LinkSessionServices(
    ClusterLinkOptions Options,
    ConfigLimits Limits,
    TimeProvider Time,
    ILogger Logger,
    ClusterLinkMetrics Metrics,
    TelemetryFlusher? Telemetry,
    ILicenseReceiver? License);
