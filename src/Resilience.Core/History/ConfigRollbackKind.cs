namespace Resilience;

/// <summary>What made a node go back to an earlier configuration (<see cref="ConfigRollbackState.Kind"/>).</summary>
public enum ConfigRollbackKind
{
    /// <summary>An operator or the control plane asked for it (<see cref="IDataPlane.RollbackAsync(string, string?, CancellationToken)"/>).</summary>
    RolledBack = 0,

    /// <summary>The node's bake failed and it went back by itself (<c>Resilience:Bake</c>).</summary>
    Reverted = 1,
}
