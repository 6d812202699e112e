namespace Resilience.ControlPlane;

/// <summary>What the control plane knows about one data plane.</summary>
public sealed record DataPlaneInfo
{
    /// <summary>Gets the node id the data plane sent in hello.</summary>
    public required string NodeId { get; init; }

    /// <summary>Gets its host name.</summary>
    public string? Hostname { get; init; }

    /// <summary>Gets its version.</summary>
    public string? Version { get; init; }

    /// <summary>Gets its labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the subject of its client certificate.</summary>
    public string? CertificateSubject { get; init; }

    /// <summary>Gets the remote address of its connection.</summary>
    public string? RemoteAddress { get; init; }

    /// <summary>Gets a value indicating whether it is connected now.</summary>
    public bool IsConnected { get; init; }

    /// <summary>Gets when its current (or last) connection was established.</summary>
    public DateTimeOffset ConnectedAt { get; init; }

    /// <summary>Gets when the control plane last heard from it.</summary>
    public DateTimeOffset LastSeen { get; init; }

    /// <summary>Gets the hash of the configuration it last reported serving.</summary>
    public string? ConfigHash { get; init; }

    /// <summary>Gets the tier it last reported serving from (<c>ControlPlane</c>, <c>Cache</c>, <c>FallbackStore</c>, <c>Declarative</c>, <c>Manual</c>), when it reports one.</summary>
    public string? ServingTier { get; init; }

    /// <summary>Gets how its configuration compares with the latest published one.</summary>
    public DataPlaneSyncStatus SyncStatus { get; init; }

    /// <summary>Gets the errors of its last rejected apply, if the last apply was rejected.</summary>
    public string? LastApplyError { get; init; }

    /// <summary>Gets how many telemetry batches the control plane received from it.</summary>
    public long TelemetryBatches { get; init; }

    /// <summary>Gets how many usage records the control plane received from it.</summary>
    public long TelemetryRecords { get; init; }

    /// <summary>Gets how many usage records it reported dropped (its buffer was full) since it started.</summary>
    public long TelemetryDropped { get; init; }

    /// <summary>Gets when its last telemetry batch arrived.</summary>
    public DateTimeOffset? LastTelemetryAt { get; init; }

    /// <summary>Gets the control-plane replica it is (or was last) connected to, with a backplane; <see langword="null"/> without one.</summary>
    public string? ReplicaId { get; init; }

    /// <summary>Gets what it announced it can do beyond the protocol's base (<c>history</c>: it rolls back on request and reports reverts).</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = [];

    /// <summary>Gets its health as its last heartbeat reported it; <see langword="null"/> before one arrived or from an older node.</summary>
    public DataPlaneHealth? Health { get; init; }

    /// <summary>Gets the last rollback or revert it reported, if any.</summary>
    public DataPlaneRollback? LastRollback { get; init; }

    /// <summary>Gets the hash of the configuration its last rejected apply was about.</summary>
    internal string? RejectedHash { get; init; }

    /// <summary>Gets the hash it rolled back or reverted from and refuses, until it applies another configuration of ours; never pushed to it meanwhile.</summary>
    internal string? RolledBackHash { get; init; }
}
