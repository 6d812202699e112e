namespace Resilience.ControlPlane;

/// <summary>One node of a wave in a rollout's status.</summary>
public sealed record RolloutNodeStatus
{
    /// <summary>Gets the node id.</summary>
    public required string NodeId { get; init; }

    /// <summary>Gets where it is in the rollout.</summary>
    public required RolloutNodeState State { get; init; }

    /// <summary>Gets the hash of the configuration it last reported serving.</summary>
    public string? ServedHash { get; init; }

    /// <summary>Gets a value indicating whether it is connected to a control-plane replica now.</summary>
    public bool IsConnected { get; init; }

    /// <summary>Gets when it first reported serving the rollout's configuration.</summary>
    public DateTimeOffset? AppliedAt { get; init; }

    /// <summary>Gets the requests it reported while serving the rollout's configuration.</summary>
    public long Requests { get; init; }

    /// <summary>Gets the failed requests among <see cref="Requests"/>.</summary>
    public long FailedRequests { get; init; }

    /// <summary>Gets why it rejected, reverted or rolled back, when it did.</summary>
    public string? Reason { get; init; }
}
