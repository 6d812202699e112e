using System.Diagnostics.Metrics;

namespace Resilience.ControlPlane;

/// <summary>The hub's instruments on the <c>Resilience.ControlPlane</c> meter (docs/metrics.md).</summary>
internal sealed class ControlPlaneMetrics : IDisposable
{
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _telemetryDropped;

    public ControlPlaneMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(DataPlaneHubDefaults.MeterName) ?? (_ownedMeter = new Meter(DataPlaneHubDefaults.MeterName));
        _telemetryDropped = meter.CreateCounter<long>(
            "resilience.control_plane.telemetry.dropped",
            "{batch}",
            "Telemetry batches dropped because the data plane's queue for slow handlers and sinks was full.");
    }

    public void RecordTelemetryDropped() => _telemetryDropped.Add(1);

    public void Dispose() => _ownedMeter?.Dispose();
}
