namespace Resilience.ControlPlane;

/// <summary>What made a data plane go back (<see cref="DataPlaneRollback.Kind"/>).</summary>
public enum DataPlaneRollbackKind
{
    /// <summary>An operator on the node or the control plane asked for it (<c>rolled_back</c>).</summary>
    RolledBack = 0,

    /// <summary>The node's bake failed and it went back by itself (<c>reverted</c>).</summary>
    Reverted = 1,
}
