namespace Resilience.ControlPlane;

/// <summary>
/// A backplane that also holds staged rollouts (<see cref="RolloutPlan"/>), so that every replica reports the one
/// rollout, the nodes of every replica take part in it, and it goes on when the replica that started it dies. The
/// rollout itself is an opaque JSON document the control plane reads and writes with compare-and-set; one replica
/// at a time moves it on, holding a lease. <c>Resilience.ControlPlane.Redis</c> implements it; a backplane that does
/// not cannot run rollouts (a publish with a plan is refused).
/// </summary>
public interface IControlPlaneRolloutBackplane
{
    /// <summary>Reads the current rollout.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored document, or <see langword="null"/> when none is stored.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<BackplaneRolloutState?> GetRolloutAsync(CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="state"/> only when the stored document's version is <paramref name="expectedVersion"/> (0: none stored), atomically.</summary>
    /// <param name="state">The new document; its version is above <paramref name="expectedVersion"/>.</param>
    /// <param name="expectedVersion">The version it replaces.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="false"/> when another write came first (nothing stored).</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<bool> TrySetRolloutAsync(BackplaneRolloutState state, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Takes the lease of the replica that moves rollouts on, or renews it when <paramref name="replicaId"/> holds it.</summary>
    /// <param name="replicaId">The replica asking.</param>
    /// <param name="duration">How long the lease lasts without a renewal.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when <paramref name="replicaId"/> holds the lease now.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<bool> TryHoldRolloutLeaseAsync(string replicaId, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Stores one replica's report on its nodes in a rollout (an opaque JSON document), replacing its previous one.</summary>
    /// <param name="rolloutId">The rollout.</param>
    /// <param name="replicaId">The reporting replica.</param>
    /// <param name="report">The report.</param>
    /// <param name="timeToLive">How long it counts: a replica that stops reporting drops out after it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the report is stored.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask ReportRolloutNodesAsync(string rolloutId, string replicaId, ReadOnlyMemory<byte> report, TimeSpan timeToLive, CancellationToken cancellationToken);

    /// <summary>Reads every replica's live report on its nodes in a rollout.</summary>
    /// <param name="rolloutId">The rollout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The reports.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<IReadOnlyList<ReadOnlyMemory<byte>>> GetRolloutNodeReportsAsync(string rolloutId, CancellationToken cancellationToken);

    /// <summary>Stores the configuration the current rollout goes back to (the stable one when it started), for replicas that did not see it published.</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when it is stored.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask SetRolloutBaselineAsync(BackplaneConfig config, CancellationToken cancellationToken);

    /// <summary>Reads the configuration the current rollout goes back to.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The configuration, or <see langword="null"/>.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<BackplaneConfig?> GetRolloutBaselineAsync(CancellationToken cancellationToken);
}
