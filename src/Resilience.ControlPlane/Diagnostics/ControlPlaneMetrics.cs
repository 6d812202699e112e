using System.Diagnostics.Metrics;

namespace Resilience.ControlPlane;

/// <summary>The hub's instruments on the <c>Resilience.ControlPlane</c> meter (docs/metrics.md).</summary>
internal sealed class ControlPlaneMetrics : IDisposable
{
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _telemetryDropped;
    private readonly Counter<long> _rollbacks;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _failedRequests;
    private Func<IReadOnlyList<DataPlaneInfo>> _dataPlanes = static () => [];
    private readonly Counter<long> _configsSent;
    private readonly Counter<long> _configBytesSent;
    private readonly Counter<long> _configRequests;

    public ControlPlaneMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(DataPlaneHubDefaults.MeterName) ?? (_ownedMeter = new Meter(DataPlaneHubDefaults.MeterName));
        _telemetryDropped = meter.CreateCounter<long>(
            "resilience.control_plane.telemetry.dropped",
            "{batch}",
            "Telemetry batches dropped because the data plane's queue for slow handlers and sinks was full.");
        _configsSent = meter.CreateCounter<long>("resilience.control_plane.configs.sent", "{message}", "Configurations written to data planes, by kind: full (the whole configuration) or delta (a patch of what the node serves).");
        _configBytesSent = meter.CreateCounter<long>("resilience.control_plane.configs.sent_bytes", "By", "Bytes of configuration messages written to data planes, by kind (full, delta).");
        _configRequests = meter.CreateCounter<long>("resilience.control_plane.configs.requested", "{message}", "Requests for the whole configuration from data planes that could not use a delta, by reason.");
        _rollbacks = meter.CreateCounter<long>(
            "resilience.control_plane.rollbacks",
            "{rollback}",
            "Rollbacks (rolled_back) and self-reverts (reverted) data planes reported, by kind.");
        _requests = meter.CreateCounter<long>(
            "resilience.control_plane.node.requests",
            "{request}",
            "Requests data planes reported in their heartbeats, by node.");
        _failedRequests = meter.CreateCounter<long>(
            "resilience.control_plane.node.failed_requests",
            "{request}",
            "Failed requests (5xx, proxy errors) data planes reported in their heartbeats, by node.");
        meter.CreateObservableGauge("resilience.control_plane.node.ready", () => PerNode(i => i.Health is { } h ? (h.Ready ? 1 : 0) : null), "{node}",
            "1 while a connected data plane's last heartbeat said it serves a configuration, by node.");
        meter.CreateObservableGauge("resilience.control_plane.node.bake", () => PerNode(i => i.Health is { } h ? BakeValue(h.Bake) : null), "{status}",
            "Bake of a connected data plane's served configuration (0 none, 1 baking, 2 passed, 3 undecided, 4 reverted, 5 failed), by node.");
    }

    /// <summary>Reads the registry for the per-node gauges (the hub hands it over).</summary>
    public void ObserveDataPlanes(Func<IReadOnlyList<DataPlaneInfo>> dataPlanes) => _dataPlanes = dataPlanes;

    public void RecordRollback(DataPlaneRollbackKind kind) =>
        _rollbacks.Add(1, new KeyValuePair<string, object?>("kind", kind == DataPlaneRollbackKind.Reverted ? "reverted" : "rolled_back"));

    public void RecordHealth(string nodeId, long requests, long failed)
    {
        var node = new KeyValuePair<string, object?>("node_id", nodeId);
        _requests.Add(requests, node);
        _failedRequests.Add(failed, node);
    }

    private static int BakeValue(string? bake) => bake switch
    {
        "baking" => 1,
        "passed" => 2,
        "undecided" => 3,
        "reverted" => 4,
        "failed" => 5,
        _ => 0,
    };

    private IEnumerable<Measurement<int>> PerNode(Func<DataPlaneInfo, int?> value)
    {
        foreach (var info in _dataPlanes())
        {
            if (info.IsConnected && value(info) is { } measured)
            {
                yield return new Measurement<int>(measured, new KeyValuePair<string, object?>("node_id", info.NodeId));
            }
        }
    }

    public void RecordTelemetryDropped() => _telemetryDropped.Add(1);

    public void RecordConfigSent(bool delta, int bytes)
    {
        var kind = new KeyValuePair<string, object?>("kind", delta ? "delta" : "full");
        _configsSent.Add(1, kind);
        _configBytesSent.Add(bytes, kind);
    }

    public void RecordConfigRequest(string? reason) => _configRequests.Add(1, new KeyValuePair<string, object?>("reason", reason ?? "unknown"));

    public void Dispose() => _ownedMeter?.Dispose();
}
