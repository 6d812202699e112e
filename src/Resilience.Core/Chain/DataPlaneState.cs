namespace Resilience;

/// <summary>An immutable picture of the chain: what is served, from where, and how the link is doing.</summary>
public sealed record DataPlaneState
{
    /// <summary>Gets the tier of the served configuration; <see cref="ConfigOrigin.None"/> when nothing is served.</summary>
    public ConfigOrigin ServingTier { get; init; }

    /// <summary>Gets a value indicating whether a configuration is served.</summary>
    public bool IsReady => ServingTier != ConfigOrigin.None;

    /// <summary>Gets a value indicating whether start-up has finished walking the chain.</summary>
    public bool StartupCompleted { get; init; }

    /// <summary>Gets the link's state.</summary>
    public ClusterLinkState Link { get; init; } = ClusterLinkState.NotConfigured;

    /// <summary>Gets the licence this node holds, or <see langword="null"/> when it received none.</summary>
    public LicenseState? License { get; init; }

    /// <summary>Gets the result of the last configuration handed to the pipeline, if any.</summary>
    public ApplyResult? LastApplyResult { get; init; }

    /// <summary>
    /// Gets the hash of the served configuration when the control plane sent it as a staged rollout's candidate and has
    /// not named it the fleet's stable configuration yet: this node serves it, but does not export it to the fallback
    /// store. <see langword="null"/> otherwise.
    /// </summary>
    public string? RolloutCandidateHash { get; init; }

    /// <summary>Gets the hash the control plane last named as the fleet's stable configuration, or <see langword="null"/> (none said, or a control plane that does not stage rollouts).</summary>
    public string? ControlPlaneStableHash { get; init; }

    /// <summary>
    /// Gets the rollback or revert that stands: the node serves its <see cref="ConfigRollbackState.ToHash"/> and refuses
    /// its <see cref="ConfigRollbackState.FromHash"/> from the control plane, until the control plane or an operator applies
    /// another configuration; <see langword="null"/> when none stands.
    /// </summary>
    public ConfigRollbackState? Rollback { get; init; }

    /// <summary>Gets the bake of the served configuration (<c>Resilience:Bake</c>); <see cref="ConfigBakeStatus.None"/> when it is not baked.</summary>
    public ConfigBakeState Bake { get; init; } = ConfigBakeState.NotBaking;

    /// <summary>
    /// Gets the local files this node cannot write now (a read-only or unwritable data directory, a full disk): the cache
    /// (a restart would not find the served configuration), the node id (held in memory: it changes on restart), the
    /// licence. Empty when every write succeeds. What is served is not affected.
    /// </summary>
    public IReadOnlyList<UnwrittenFile> UnwrittenFiles { get; init; } = [];
}
