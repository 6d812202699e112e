namespace Resilience;

/// <summary>
/// The health a link sends with every heartbeat (<see cref="IClusterLinkContext.Health"/>): whether a configuration is
/// served, the node's request counters (running totals since it started: the link sends the difference since its
/// previous heartbeat) and the bake of the served configuration.
/// </summary>
/// <param name="Ready">Whether a configuration is served.</param>
/// <param name="Requests">Requests recorded since the node started (<see cref="IUsageRecorder"/>).</param>
/// <param name="FailedRequests">Of those, the failed ones: status 500 or above, or <see cref="UsageRecord.IsForwardingError"/>.</param>
/// <param name="Bake">Where the bake of the served configuration stands.</param>
/// <param name="BakeHash">The configuration the bake is about.</param>
public sealed record DataPlaneHealthSummary(bool Ready, long Requests, long FailedRequests, ConfigBakeStatus Bake, string? BakeHash);
