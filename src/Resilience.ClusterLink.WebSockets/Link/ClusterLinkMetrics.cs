using System.Diagnostics.Metrics;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>
/// The link's instruments on the <c>Resilience.DataPlane</c> meter. Attempts and reconnects carry the
/// <c>endpoint</c> tag (scheme, host, port and path: never user information), and a gauge says which endpoint is connected.
/// </summary>
internal sealed class ClusterLinkMetrics : IDisposable
{
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _connectAttempts;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _framesRejected;
    private readonly Histogram<double> _pushToApply;
    private readonly Counter<long> _deltas;
    private string? _connectedEndpoint;

    public ClusterLinkMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(DataPlaneTelemetry.MeterName) ?? (_ownedMeter = new Meter(DataPlaneTelemetry.MeterName));
        _connectAttempts = meter.CreateCounter<long>("resilience.link.connect_attempts", "{attempt}", "Connection attempts to the control plane, by outcome (success, failure).");
        _reconnects = meter.CreateCounter<long>("resilience.link.reconnects", "{reconnect}", "Established connections that ended and were followed by a reconnect.");
        _framesRejected = meter.CreateCounter<long>("resilience.link.frames_rejected", "{message}", "Messages from the control plane refused as too big or malformed, by reason; each ends its connection.");
        _pushToApply = DurationHistogram.Create(meter, "resilience.link.push_to_apply.duration", "Time from the arrival of a pushed configuration to the end of its apply, by outcome.");
        _deltas = meter.CreateCounter<long>("resilience.link.config_deltas", "{message}", "Deltas received, by outcome: patched (the document was made and hash-checked) or the reason the whole configuration was asked for.");
        meter.CreateObservableGauge("resilience.link.connected_endpoint", ObserveConnected, "{connection}", "1 for the control-plane endpoint the link is connected to (endpoint tag); nothing while disconnected.");
    }

    public void RecordConnectAttempt(Uri endpoint, bool success) =>
        _connectAttempts.Add(1, new KeyValuePair<string, object?>("outcome", success ? "success" : "failure"), new KeyValuePair<string, object?>("endpoint", ClusterLinkEndpoint.Display(endpoint)));

    public void RecordReconnect(Uri endpoint) => _reconnects.Add(1, new KeyValuePair<string, object?>("endpoint", ClusterLinkEndpoint.Display(endpoint)));

    /// <summary>Sets the endpoint the gauge reports as connected, or none.</summary>
    public void SetConnected(Uri? endpoint) => Volatile.Write(ref _connectedEndpoint, endpoint is null ? null : ClusterLinkEndpoint.Display(endpoint));

    public void RecordFrameRejected(string reason) => _framesRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RecordPushToApply(TimeSpan elapsed, ApplyOutcome outcome) =>
        _pushToApply.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome.ToString()));

    public void RecordDelta(string outcome) => _deltas.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => _ownedMeter?.Dispose();

    private IEnumerable<Measurement<int>> ObserveConnected() =>
        Volatile.Read(ref _connectedEndpoint) is { } endpoint ? [new Measurement<int>(1, new KeyValuePair<string, object?>("endpoint", endpoint))] : [];
}
