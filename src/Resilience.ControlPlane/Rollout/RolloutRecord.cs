namespace Resilience.ControlPlane;

/// <summary>
/// A rollout's whole state: what it rolls out, back to what, its plan, where each wave is and which wave each node is in.
/// One replica at a time changes it (the driver, or an operator's action), with <see cref="Version"/> guarding every
/// write; with a backplane every replica reads it, so any replica reports the rollout and takes over driving it.
/// </summary>
internal sealed record RolloutRecord
{
    public required string Id { get; init; }

    /// <summary>Gets the write counter: a write succeeds only against the version it read (compare and set).</summary>
    public long Version { get; init; }

    public required RolloutConfigRef Candidate { get; init; }

    /// <summary>Gets the fleet's stable configuration when the rollout started: what nodes outside it serve and what they go back to; <see langword="null"/> when none was published before.</summary>
    public RolloutConfigRef? Stable { get; init; }

    public required WavePlan[] Waves { get; init; }

    public required WaveRecord[] WaveStates { get; init; }

    /// <summary>Gets the wave each node is in (-1: no wave selects it; it gets the configuration when the rollout completes). A node's entry never changes.</summary>
    public required Dictionary<string, int> Assignments { get; init; }

    /// <summary>Gets, for count waves, the nodes taken when the rollout was planned (no node joins a count wave later).</summary>
    public Dictionary<int, string[]>? CountMembers { get; init; }

    public RolloutRecordPhase Phase { get; init; }

    /// <summary>Gets what a rollout that is rolling back ends as (<see cref="RolloutPhase.RolledBack"/> or <see cref="RolloutPhase.Aborted"/>).</summary>
    public RolloutPhase? EndsAs { get; init; }

    public int CurrentWave { get; init; }

    public bool Paused { get; init; }

    /// <summary>Gets why the rollout paused, halted or ended.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets who started it (or asked for the last operator action).</summary>
    public string? Actor { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? RollbackStartedAt { get; init; }

    /// <summary>Gets a value indicating whether a rollback covers every node (a completed rollout rolled back), not only the started waves.</summary>
    public bool FleetWide { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets a value indicating whether the rollout still decides what its nodes serve (not ended).</summary>
    public bool IsActive => Phase is RolloutRecordPhase.Running or RolloutRecordPhase.RollingBack;

    /// <summary>Gets the public phase: a running rollout that is paused shows as paused.</summary>
    public RolloutPhase PublicPhase => Phase switch
    {
        RolloutRecordPhase.Running => Paused ? RolloutPhase.Paused : RolloutPhase.Running,
        RolloutRecordPhase.RollingBack => RolloutPhase.RollingBack,
        RolloutRecordPhase.Completed => RolloutPhase.Completed,
        RolloutRecordPhase.RolledBack => RolloutPhase.RolledBack,
        RolloutRecordPhase.Aborted => RolloutPhase.Aborted,
        _ => RolloutPhase.Superseded,
    };
}

/// <summary>The phases a <see cref="RolloutRecord"/> moves through (pausing is a flag beside them).</summary>
internal enum RolloutRecordPhase
{
    Running = 0,
    RollingBack = 1,
    Completed = 2,
    RolledBack = 3,
    Aborted = 4,
    Superseded = 5,
}
