namespace Resilience.ControlPlane;

/// <summary>Where one node of a wave is in a rollout.</summary>
public enum RolloutNodeState
{
    /// <summary>Its wave has not started: it serves the stable configuration.</summary>
    Waiting = 0,

    /// <summary>It was sent the configuration and has not said it serves it yet.</summary>
    Pending = 1,

    /// <summary>It serves the configuration.</summary>
    Applied = 2,

    /// <summary>It refused the configuration (its validator or another pipeline step).</summary>
    Rejected = 3,

    /// <summary>It served the configuration, saw its own signals fail and went back on its own.</summary>
    Reverted = 4,

    /// <summary>It did not say it serves the configuration within the wave's apply timeout.</summary>
    TimedOut = 5,

    /// <summary>It went back to the stable configuration (the rollout rolled back, or an operator on the node did).</summary>
    RolledBack = 6,
}
