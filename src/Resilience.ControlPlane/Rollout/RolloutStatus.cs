namespace Resilience.ControlPlane;

/// <summary>A rollout as an operator sees it: what it rolls out, where it is, each wave with its nodes and gates.</summary>
public sealed record RolloutStatus
{
    /// <summary>Gets the rollout's id (also sent to the nodes with the configuration while it is not stable).</summary>
    public required string Id { get; init; }

    /// <summary>Gets where it is.</summary>
    public required RolloutPhase Phase { get; init; }

    /// <summary>Gets the hash of the configuration it rolls out.</summary>
    public required string ConfigHash { get; init; }

    /// <summary>Gets the version of the configuration it rolls out.</summary>
    public string? ConfigVersion { get; init; }

    /// <summary>Gets the hash of the stable configuration: what nodes outside the rollout serve and what nodes go back to; <see langword="null"/> when nothing was stable before it.</summary>
    public string? StableHash { get; init; }

    /// <summary>Gets why it paused, halted or ended, when it did.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets who started it, or who asked for the last operator action.</summary>
    public string? Actor { get; init; }

    /// <summary>Gets when it started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when it ended.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets the position of the wave it is at, from 0.</summary>
    public int CurrentWave { get; init; }

    /// <summary>Gets a value indicating whether the replicas' backplane cannot be reached: the rollout cannot move on (it is paused) and the status may be stale; nodes keep serving.</summary>
    public bool BackplaneUnavailable { get; init; }

    /// <summary>Gets the waves.</summary>
    public IReadOnlyList<RolloutWaveStatus> Waves { get; init; } = [];
}
