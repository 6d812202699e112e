namespace Resilience;

/// <summary>
/// Where a configuration came from. The chain's tiers in precedence order are
/// <see cref="ControlPlane"/>, <see cref="Cache"/>, <see cref="FallbackStore"/> and <see cref="Declarative"/>;
/// <see cref="Manual"/> is an operator's apply, served until the control plane next pushes; <see cref="Rollback"/> is a
/// configuration served again from this node's history. Every rule per origin (replaces, signed, cached, kept in history,
/// revertible) is in one table: docs/architecture.md, "The tier rules".
/// </summary>
public enum ConfigOrigin
{
    /// <summary>No configuration is served.</summary>
    None = 0,

    /// <summary>Tier 4: a declarative YAML (or JSON) source.</summary>
    Declarative = 1,

    /// <summary>Tier 3: imported from the shared fallback store.</summary>
    FallbackStore = 2,

    /// <summary>Tier 2: this node's local cache.</summary>
    Cache = 3,

    /// <summary>Tier 1: pushed live by the control plane.</summary>
    ControlPlane = 4,

    /// <summary>Applied by an operator on this node; replaced by the next control-plane push.</summary>
    Manual = 5,

    /// <summary>
    /// Served again from this node's history (<see cref="IDataPlane.RollbackAsync(string, string?, CancellationToken)"/>: an
    /// operator, the control plane, or a self-revert); served like a manual apply until the control plane pushes another configuration.
    /// </summary>
    Rollback = 6,
}
