namespace Resilience.ControlPlane;

/// <summary>
/// What the replica a node is connected to knows about that node in one rollout: what it serves, what it said about
/// the candidate, its requests before and with the candidate, whether it is ready. The gates are computed from these;
/// with a backplane every replica writes its nodes' reports there.
/// </summary>
internal sealed record RolloutNodeReport
{
    public required string NodeId { get; init; }

    public string? ReplicaId { get; init; }

    public bool IsConnected { get; init; }

    /// <summary>Gets when its current connection was established (the apply timeout of a node that joins late runs from here).</summary>
    public DateTimeOffset ConnectedAt { get; init; }

    /// <summary>Gets a value indicating whether it can go back by hash (it announced the <c>history</c> capability).</summary>
    public bool CanRollBack { get; init; }

    public string? ServedHash { get; init; }

    /// <summary>Gets when it first reported serving the candidate.</summary>
    public DateTimeOffset? AppliedAt { get; init; }

    /// <summary>Gets what it said of the candidate, when it refused or left it: a <see cref="RolloutNodeState"/> of Rejected, Reverted or RolledBack.</summary>
    public RolloutNodeState? Outcome { get; init; }

    public string? OutcomeReason { get; init; }

    /// <summary>Gets who asked for a rollback it reported (an operator on the node, <c>self-revert</c>, <c>control-plane:&lt;rollout id&gt;</c>).</summary>
    public string? OutcomeActor { get; init; }

    public DateTimeOffset? OutcomeAt { get; init; }

    /// <summary>Gets its requests in the baseline window before it served the candidate.</summary>
    public long BeforeRequests { get; init; }

    public long BeforeFailed { get; init; }

    /// <summary>Gets its requests while it served the candidate.</summary>
    public long DuringRequests { get; init; }

    public long DuringFailed { get; init; }

    /// <summary>Gets whether its last heartbeat said it is ready; <see langword="null"/> when it does not report health.</summary>
    public bool? Ready { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}
