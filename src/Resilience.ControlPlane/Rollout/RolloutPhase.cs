namespace Resilience.ControlPlane;

/// <summary>Where a rollout is.</summary>
public enum RolloutPhase
{
    /// <summary>Its waves are being rolled out and baked.</summary>
    Running = 0,

    /// <summary>Paused by an operator, or because the replicas' backplane cannot be reached: no wave promotes; a failed gate still rolls back.</summary>
    Paused = 1,

    /// <summary>A gate failed or an operator asked: the nodes that got the configuration are going back to the stable one.</summary>
    RollingBack = 2,

    /// <summary>Every wave passed: the configuration is the fleet's stable one.</summary>
    Completed = 3,

    /// <summary>Halted by a failed gate (or an operator's roll back); the nodes that got it went back to the stable configuration.</summary>
    RolledBack = 4,

    /// <summary>Stopped by an operator; the nodes that got it went back to the stable configuration.</summary>
    Aborted = 5,

    /// <summary>A newer publish took its place.</summary>
    Superseded = 6,
}
