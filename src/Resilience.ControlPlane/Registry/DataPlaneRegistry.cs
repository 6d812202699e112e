using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Resilience.ControlPlane;

/// <summary>The registry: entries updated by the hub's sessions, snapshots for the host with the sync status computed against the latest publish.</summary>
internal sealed class DataPlaneRegistry : IDataPlaneRegistry
{
    private readonly ConcurrentDictionary<string, DataPlaneInfo> _entries = new(StringComparer.Ordinal);
    private readonly ConfigTargets _targets;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _retention;

    public DataPlaneRegistry(ConfigTargets targets, TimeProvider timeProvider, IOptions<DataPlaneHubOptions> options)
    {
        _targets = targets;
        _timeProvider = timeProvider;
        _retention = options.Value.RegistryRetention;
    }

    public IReadOnlyList<DataPlaneInfo> GetAll()
    {
        Prune();
        return _entries.Values.Select(WithStatus).OrderBy(i => i.NodeId, StringComparer.Ordinal).ToArray();
    }

    public DataPlaneInfo? Find(string nodeId)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        Prune();
        return _entries.TryGetValue(nodeId, out var info) ? WithStatus(info) : null;
    }

    internal void Update(string nodeId, Func<DataPlaneInfo?, DataPlaneInfo> change) =>
        _entries.AddOrUpdate(nodeId, _ => change(null), (_, existing) => change(existing));

    /// <summary>In sync means serving what the node should serve: the latest publish, or during a rollout its wave's configuration.</summary>
    private DataPlaneInfo WithStatus(DataPlaneInfo info)
    {
        var target = _targets.For(info.NodeId, info.Labels);
        var status = target is null ? DataPlaneSyncStatus.Unknown
            : info.ConfigHash == target.Hash ? DataPlaneSyncStatus.InSync
            : info.RolledBackHash == target.Hash ? RollbackStatus(info)
            : info.RejectedHash == target.Hash ? DataPlaneSyncStatus.Rejected
            : DataPlaneSyncStatus.OutOfSync;
        return info with { SyncStatus = status };
    }

    /// <summary>The status of a node that went back from the latest configuration: rolled back on request, or reverted by itself.</summary>
    internal static DataPlaneSyncStatus RollbackStatus(DataPlaneInfo info) =>
        info.LastRollback?.Kind == DataPlaneRollbackKind.Reverted ? DataPlaneSyncStatus.Reverted : DataPlaneSyncStatus.RolledBack;

    private void Prune()
    {
        var cutoff = _timeProvider.GetUtcNow() - _retention;
        foreach (var (id, info) in _entries)
        {
            if (!info.IsConnected && info.LastSeen < cutoff)
            {
                _entries.TryRemove(new KeyValuePair<string, DataPlaneInfo>(id, info));
            }
        }
    }
}
