namespace Resilience.ControlPlane;

/// <summary>The last rollback or revert a data plane reported (<see cref="DataPlaneInfo.LastRollback"/>).</summary>
public sealed record DataPlaneRollback
{
    /// <summary>Gets whether it was asked for or the node's own (a failed bake).</summary>
    public DataPlaneRollbackKind Kind { get; init; }

    /// <summary>Gets the configuration gone back from; the control plane does not push it to that node again.</summary>
    public required string FromHash { get; init; }

    /// <summary>Gets the configuration served again.</summary>
    public string? ToHash { get; init; }

    /// <summary>Gets why.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets who asked: <c>admin:&lt;user&gt;</c>, <c>self-revert</c>, <c>control-plane:&lt;id&gt;</c>.</summary>
    public string? Actor { get; init; }

    /// <summary>Gets when the control plane heard of it.</summary>
    public DateTimeOffset At { get; init; }
}
