namespace Resilience;

/// <summary>
/// A rollback or revert that still stands (<see cref="DataPlaneState.Rollback"/>): the node serves <see cref="ToHash"/>
/// again and refuses <see cref="FromHash"/> when the control plane pushes it, until the control plane or an operator
/// applies another configuration. A node with a link reports it to the control plane (an <c>apply_result</c> with the
/// outcome <c>rolled_back</c> or <c>reverted</c>) at once and again on every connection while it stands.
/// </summary>
public sealed record ConfigRollbackState
{
    /// <summary>Gets whether it was asked for or the bake's own.</summary>
    public ConfigRollbackKind Kind { get; init; }

    /// <summary>Gets the configuration gone back from (refused while this stands).</summary>
    public required string FromHash { get; init; }

    /// <summary>Gets the configuration served again.</summary>
    public required string ToHash { get; init; }

    /// <summary>Gets why.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets who asked: <c>admin:&lt;user&gt;</c>, <c>control-plane:&lt;id&gt;</c>, <c>self-revert</c>, or what the caller named.</summary>
    public string? Actor { get; init; }

    /// <summary>Gets when it happened.</summary>
    public DateTimeOffset At { get; init; }
}
