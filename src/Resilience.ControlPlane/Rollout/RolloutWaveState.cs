namespace Resilience.ControlPlane;

/// <summary>Where one wave of a rollout is.</summary>
public enum RolloutWaveState
{
    /// <summary>Not started: its nodes serve the stable configuration.</summary>
    Pending = 0,

    /// <summary>Its nodes were sent the configuration; waiting until every one serves it.</summary>
    Applying = 1,

    /// <summary>Every node serves it; the gates are watched for the bake time.</summary>
    Baking = 2,

    /// <summary>It passed its gates for the whole bake time.</summary>
    Passed = 3,

    /// <summary>A gate failed: the rollout halted here.</summary>
    Failed = 4,
}
