using System.Diagnostics.Metrics;

namespace Resilience.ControlPlane;

/// <summary>The backplane's instruments on the <c>Resilience.ControlPlane</c> meter (docs/metrics.md).</summary>
internal sealed class BackplaneMetrics : IDisposable
{
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _publishes;
    private readonly Counter<long> _received;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _restored;
    private readonly Counter<long> _errors;
    private Func<bool> _available = static () => false;
    private Func<long> _revision = static () => 0;

    public BackplaneMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(ControlPlaneTelemetry.MeterName) ?? (_ownedMeter = new Meter(ControlPlaneTelemetry.MeterName));
        _publishes = meter.CreateCounter<long>("resilience.control_plane.backplane.publishes", "{publish}", "Publishes through the backplane, by outcome (ok, unavailable).");
        _received = meter.CreateCounter<long>("resilience.control_plane.backplane.received", "{config}", "Configurations another replica published that this replica now serves.");
        _refused = meter.CreateCounter<long>("resilience.control_plane.backplane.refused", "{config}", "Configurations read from the backplane that did not match their hash or size.");
        _restored = meter.CreateCounter<long>("resilience.control_plane.backplane.restored", "{config}", "Configurations written back because the backplane held an older one or none.");
        _errors = meter.CreateCounter<long>("resilience.control_plane.backplane.errors", "{error}", "Backplane calls that failed, by operation (reconcile, registry, subscribe).");
        meter.CreateObservableGauge("resilience.control_plane.backplane.available", () => _available() ? 1 : 0, "{backplane}", "1 while the last backplane round succeeded, else 0.");
        meter.CreateObservableGauge("resilience.control_plane.backplane.revision", () => _revision(), "{revision}", "The fleet revision this replica serves.");
    }

    /// <summary>Connects the gauges to the replica's state.</summary>
    public void Observe(Func<bool> available, Func<long> revision)
    {
        _available = available;
        _revision = revision;
    }

    public void RecordPublish(bool succeeded) => _publishes.Add(1, new KeyValuePair<string, object?>("outcome", succeeded ? "ok" : "unavailable"));

    public void RecordReceived() => _received.Add(1);

    public void RecordRefused() => _refused.Add(1);

    public void RecordRestored() => _restored.Add(1);

    public void RecordError(string operation) => _errors.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void Dispose() => _ownedMeter?.Dispose();
}
