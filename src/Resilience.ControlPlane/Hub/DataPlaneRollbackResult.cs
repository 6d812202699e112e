namespace Resilience.ControlPlane;

/// <summary>What a data plane answered to <see cref="IDataPlaneHub.RollbackAsync"/>.</summary>
public sealed record DataPlaneRollbackResult
{
    /// <summary>Gets what came of it.</summary>
    public DataPlaneRollbackStatus Status { get; init; }

    /// <summary>Gets the node asked.</summary>
    public required string NodeId { get; init; }

    /// <summary>Gets the configuration asked for.</summary>
    public required string Hash { get; init; }

    /// <summary>Gets the configuration the node serves after it, as it said.</summary>
    public string? ServedHash { get; init; }

    /// <summary>Gets the pipeline step that refused it (a <c>RejectionReason</c> name such as <c>NotInHistory</c>), when rejected.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets why, when it did not roll back.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>Gets a value indicating whether the node serves the configuration asked for now.</summary>
    public bool IsServing => Status is DataPlaneRollbackStatus.RolledBack or DataPlaneRollbackStatus.Unchanged;
}
