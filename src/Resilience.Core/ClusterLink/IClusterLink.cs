namespace Resilience;

/// <summary>
/// Tier 1: the live, data-plane-initiated connection to the control plane. It receives pushed
/// configurations and hands them to the chain, and reconnects forever until stopped.
/// </summary>
public interface IClusterLink
{
    /// <summary>Connects and keeps the link up (reconnecting as needed) until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="context">The chain's side: the current configuration, the apply pipeline and the state sink.</param>
    /// <param name="cancellationToken">Stops the link.</param>
    /// <returns>A task that completes when the link has stopped.</returns>
    Task RunAsync(IClusterLinkContext context, CancellationToken cancellationToken);
}
