using System.Diagnostics.Metrics;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>The telemetry instruments on the <c>Resilience.DataPlane</c> meter.</summary>
internal sealed class TelemetryMetrics : IDisposable
{
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _sendFailures;

    public TelemetryMetrics(IMeterFactory? meterFactory, IUsageDrain buffer, Func<int> held)
    {
        var meter = Meter = meterFactory?.Create(DataPlaneTelemetry.MeterName) ?? (_ownedMeter = new Meter(DataPlaneTelemetry.MeterName));
        meter.CreateObservableCounter("resilience.telemetry.recorded", () => buffer.Recorded, "{record}", "Usage records recorded on the request path.");
        meter.CreateObservableCounter("resilience.telemetry.dropped", () => buffer.Dropped, "{record}", "Usage records dropped (the oldest, when the buffer was full).");
        meter.CreateObservableGauge("resilience.telemetry.buffered", () => buffer.Count + held(), "{record}", "Usage records waiting to be sent (buffered plus a batch held for resend).");
        _sent = meter.CreateCounter<long>("resilience.telemetry.sent", "{record}", "Usage records sent to the control plane.");
        _sendFailures = meter.CreateCounter<long>("resilience.telemetry.send_failures", "{batch}", "Telemetry batches whose send failed; each is kept and sent first after reconnect.");
    }

    public Meter Meter { get; }

    public void RecordSent(int records) => _sent.Add(records);

    public void RecordSendFailure() => _sendFailures.Add(1);

    public void Dispose() => _ownedMeter?.Dispose();
}
