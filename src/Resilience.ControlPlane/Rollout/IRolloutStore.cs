namespace Resilience.ControlPlane;

/// <summary>
/// Where the rollout's state lives: in this process for a single control plane (<see cref="LocalRolloutStore"/>), in the
/// backplane for replicas (<c>BackplaneRolloutStore</c>), so any replica reports a rollout and takes it over.
/// </summary>
internal interface IRolloutStore
{
    /// <summary>Gets a value indicating whether other replicas share this store (reports must be written to it).</summary>
    bool IsShared { get; }

    /// <summary>Gets a value indicating whether rollouts can run on it (not with a backplane that cannot hold them).</summary>
    bool SupportsRollouts => true;

    /// <summary>Reads the current rollout record.</summary>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<RolloutRecord?> GetAsync(CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="record"/> when the stored one still has <paramref name="expectedVersion"/> (0: none stored).</summary>
    /// <returns><see langword="false"/> when another write came first.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<bool> TryWriteAsync(RolloutRecord record, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Writes this replica's node reports for a rollout.</summary>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask ReportAsync(string rolloutId, IReadOnlyCollection<RolloutNodeReport> reports, CancellationToken cancellationToken);

    /// <summary>Reads every replica's node reports for a rollout (empty for a store no other replica shares).</summary>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<IReadOnlyList<RolloutNodeReport>> GetReportsAsync(string rolloutId, CancellationToken cancellationToken);

    /// <summary>Takes or renews the role of the replica that moves rollouts on; a single control plane always holds it.</summary>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<bool> TryLeadAsync(string replicaId, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Keeps the configuration a rollout goes back to, for replicas that did not see it published.</summary>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask SaveBaselineAsync(BackplaneConfig baseline, CancellationToken cancellationToken);

    /// <summary>Reads the configuration the current rollout goes back to.</summary>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<BackplaneConfig?> GetBaselineAsync(CancellationToken cancellationToken);
}
