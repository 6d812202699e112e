namespace Resilience.ControlPlane;

/// <summary>
/// Connects the replicas of one control plane (several processes behind a load balancer) so they serve one
/// configuration and one registry. Without a backplane a control plane is on its own, as before; with one
/// (for example <c>Resilience.ControlPlane.Redis</c>) every publish goes through it.
/// </summary>
/// <remarks>
/// Configurations are ordered by (<see cref="BackplaneConfig.Revision"/>, then <see cref="BackplaneConfig.Hash"/>
/// compared ordinally): every replica serves the greatest it has seen, so two publishes at the same moment on two
/// replicas end on one configuration everywhere. Implementations must be safe for concurrent use.
/// </remarks>
public interface IControlPlaneBackplane
{
    /// <summary>
    /// Makes <paramref name="config"/> the fleet's latest configuration, atomically: assigns it the revision one above
    /// both the stored one and <paramref name="config"/>'s <see cref="BackplaneConfig.Revision"/> (the revision the
    /// publishing replica serves), stores it, and notifies every subscribed replica.
    /// </summary>
    /// <param name="config">The configuration; its <see cref="BackplaneConfig.Revision"/> is the publishing replica's current one (0 for none).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The revision assigned.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached; nothing was stored.</exception>
    ValueTask<long> PublishAsync(BackplaneConfig config, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="config"/> back when the backplane holds an older one or none (it lost its data), keeping
    /// its revision, and notifies the replicas; does nothing when the stored one is the same or newer.
    /// </summary>
    /// <param name="config">A configuration a replica serves.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when it was written back.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<bool> RestoreAsync(BackplaneConfig config, CancellationToken cancellationToken);

    /// <summary>
    /// Reads one of the configurations published recently, by hash, so that a replica can send a data plane that moved
    /// to it from another replica a delta from the configuration it serves (docs/protocol.md, "Delta sync"). The
    /// default implementation keeps none and returns <see langword="null"/>: such a node then gets the whole configuration.
    /// </summary>
    /// <param name="hash">The configuration's hash.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The configuration, or <see langword="null"/> when it is not kept.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<BackplaneConfig?> GetRecentAsync(string hash, CancellationToken cancellationToken) => ValueTask.FromResult<BackplaneConfig?>(null);

    /// <summary>Reads the fleet's latest configuration.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored configuration, or <see langword="null"/> when none is stored.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<BackplaneConfig?> GetLatestAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Subscribes to publishes: <paramref name="onChanged"/> gets the revision a replica published, or 0 after the
    /// backplane reconnected (anything may have changed meanwhile). Notifications are hints and may be lost; the
    /// replica also reads <see cref="GetLatestAsync"/> on a timer. The subscription lasts until it is disposed.
    /// </summary>
    /// <param name="onChanged">Called on the backplane's thread; must return quickly.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The subscription.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<IAsyncDisposable> SubscribeAsync(Action<long> onChanged, CancellationToken cancellationToken);

    /// <summary>Stores the data planes connected to (or recently seen by) one replica, replacing its previous report.</summary>
    /// <param name="replicaId">The replica's id.</param>
    /// <param name="dataPlanes">Its data planes, each with <see cref="DataPlaneInfo.ReplicaId"/> set.</param>
    /// <param name="timeToLive">How long the report counts: a replica that stops reporting drops out of the fleet after it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the report is stored.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask ReportDataPlanesAsync(string replicaId, IReadOnlyList<DataPlaneInfo> dataPlanes, TimeSpan timeToLive, CancellationToken cancellationToken);

    /// <summary>Reads the data planes of every replica whose report is still live.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Every replica's data planes, with <see cref="DataPlaneInfo.ReplicaId"/> set; a node may appear under two replicas while it moves.</returns>
    /// <exception cref="ControlPlaneBackplaneException">The backplane cannot be reached.</exception>
    ValueTask<IReadOnlyList<DataPlaneInfo>> GetDataPlanesAsync(CancellationToken cancellationToken);
}
