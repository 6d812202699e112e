namespace Resilience.ControlPlane;

/// <summary>What came of a rollback request (<see cref="DataPlaneRollbackResult.Status"/>).</summary>
public enum DataPlaneRollbackStatus
{
    /// <summary>The node serves the configuration asked for now, and refuses the one it went back from until it gets another.</summary>
    RolledBack = 0,

    /// <summary>The node served it already.</summary>
    Unchanged = 1,

    /// <summary>The node refused (not in its history, damaged, its validator or signature check said no); it serves what it served.</summary>
    Rejected = 2,

    /// <summary>The node is not connected to this control plane (or replica).</summary>
    NotConnected = 3,

    /// <summary>The node keeps no history (it did not announce the <c>history</c> capability): nothing was sent.</summary>
    NotSupported = 4,

    /// <summary>No answer came in time (the request may still be executed; the registry will show it).</summary>
    TimedOut = 5,
}
