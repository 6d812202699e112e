namespace Resilience;

/// <summary>How a configuration of the history stopped being served (<see cref="ConfigHistoryEntry.End"/>).</summary>
public enum ConfigHistoryEnd
{
    /// <summary>It is served now.</summary>
    Serving = 0,

    /// <summary>Another configuration replaced it (a push, an operator's apply, a start-up tier).</summary>
    Replaced = 1,

    /// <summary>An operator or the control plane rolled back from it (<see cref="IDataPlane.RollbackAsync(string, string?, CancellationToken)"/>).</summary>
    RolledBack = 2,

    /// <summary>The node reverted it by itself: its bake failed (<c>Resilience:Bake</c>).</summary>
    Reverted = 3,
}
