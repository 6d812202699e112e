using System.Diagnostics.Metrics;

namespace Resilience.ControlPlane;

/// <summary>The hub's instruments on the <c>Resilience.ControlPlane</c> meter (docs/metrics.md).</summary>
internal sealed class ControlPlaneMetrics : IDisposable
{
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _telemetryDropped;
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
