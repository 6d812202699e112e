namespace Resilience.ControlPlane;

/// <summary>What a gate of a wave says now.</summary>
public enum RolloutGateState
{
    /// <summary>Not decided yet (nodes still applying, the wave not started).</summary>
    Pending = 0,

    /// <summary>It holds.</summary>
    Passed = 1,

    /// <summary>It failed: the rollout halts.</summary>
    Failed = 2,

    /// <summary>Too little traffic to decide; it does not hold the wave back.</summary>
    Undecided = 3,
}
