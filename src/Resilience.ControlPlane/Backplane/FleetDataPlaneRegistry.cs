namespace Resilience.ControlPlane;

/// <summary>
/// The registry with a backplane: this replica's data planes (live) merged with the other replicas' last reports
/// (at most <see cref="ControlPlaneBackplaneOptions.RegistryInterval"/> old). A node that moved shows where it is now.
/// </summary>
internal sealed class FleetDataPlaneRegistry : IDataPlaneRegistry
{
    private readonly DataPlaneRegistry _local;
    private readonly ConfigTargets _targets;
    private readonly string _replicaId;
    private IReadOnlyDictionary<string, DataPlaneInfo> _remote = new Dictionary<string, DataPlaneInfo>(StringComparer.Ordinal);

    public FleetDataPlaneRegistry(DataPlaneRegistry local, ConfigTargets targets, ReplicaIdentity identity)
    {
        _local = local;
        _targets = targets;
        _replicaId = identity.Id;
    }

    public IReadOnlyList<DataPlaneInfo> GetAll()
    {
        var merged = new Dictionary<string, DataPlaneInfo>(Volatile.Read(ref _remote).Count, StringComparer.Ordinal);
        foreach (var remote in Volatile.Read(ref _remote).Values)
        {
            merged[remote.NodeId] = WithStatus(remote);
        }

        foreach (var local in Local())
        {
            merged[local.NodeId] = merged.TryGetValue(local.NodeId, out var remote) ? Fresher(local, remote) : local;
        }

        return merged.Values.OrderBy(i => i.NodeId, StringComparer.Ordinal).ToArray();
    }

    public DataPlaneInfo? Find(string nodeId)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        var local = _local.Find(nodeId) is { } found ? found with { ReplicaId = _replicaId } : null;
        if (!Volatile.Read(ref _remote).TryGetValue(nodeId, out var remote))
        {
            return local;
        }

        remote = WithStatus(remote);
        return local is null ? remote : Fresher(local, remote);
    }

    /// <summary>Gets this replica's own data planes, as it reports them to the fleet.</summary>
    internal IReadOnlyList<DataPlaneInfo> Local() => _local.GetAll().Select(i => i with { ReplicaId = _replicaId }).ToArray();

    /// <summary>Replaces the other replicas' entries with what the backplane holds now.</summary>
    internal void SetFleet(IReadOnlyList<DataPlaneInfo> fleet)
    {
        var remote = new Dictionary<string, DataPlaneInfo>(StringComparer.Ordinal);
        foreach (var info in fleet)
        {
            if (info.ReplicaId == _replicaId)
            {
                continue;
            }

            // A node that moved is in two reports for a while: the newer connection is where it is.
            remote[info.NodeId] = remote.TryGetValue(info.NodeId, out var other) ? Fresher(info, other) : info;
        }

        Volatile.Write(ref _remote, remote);
    }

    /// <summary>A live connection beats a closed one; between two of a kind the later one wins.</summary>
    internal static DataPlaneInfo Fresher(DataPlaneInfo a, DataPlaneInfo b) =>
        a.IsConnected != b.IsConnected ? (a.IsConnected ? a : b)
        : a.IsConnected ? (a.ConnectedAt >= b.ConnectedAt ? a : b)
        : (a.LastSeen >= b.LastSeen ? a : b);

    /// <summary>The other replica computed the status against its latest; recompute it against ours (the same, once it arrived).</summary>
    private DataPlaneInfo WithStatus(DataPlaneInfo info)
    {
        var latest = _targets.For(info.NodeId, info.Labels);
        var status = latest is null ? DataPlaneSyncStatus.Unknown
            : info.ConfigHash == latest.Hash ? DataPlaneSyncStatus.InSync
            : info.SyncStatus is DataPlaneSyncStatus.Rejected or DataPlaneSyncStatus.RolledBack or DataPlaneSyncStatus.Reverted ? info.SyncStatus
            : DataPlaneSyncStatus.OutOfSync;
        return info with { SyncStatus = status };
    }
}
