namespace Resilience;

/// <summary>The state of the link to the control plane.</summary>
public enum ClusterLinkStatus
{
    /// <summary>No link is configured; tier 1 is skipped.</summary>
    NotConfigured = 0,

    /// <summary>A connection attempt is under way.</summary>
    Connecting = 1,

    /// <summary>Connected and exchanging heartbeats.</summary>
    Connected = 2,

    /// <summary>Not connected; a reconnect is scheduled.</summary>
    Disconnected = 3,
}
