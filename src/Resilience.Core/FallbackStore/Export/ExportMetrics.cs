using System.Diagnostics.Metrics;

namespace Resilience;

/// <summary>
/// The exporter's instruments: uploads of the configuration object, a leader gauge (1 on the active
/// exporter, else 0) and store failures (shared with the chain's counter on the data plane).
/// </summary>
internal sealed class ExportMetrics : IDisposable
{
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _exports;
    private readonly Action<string> _recordStoreFailure;
    private volatile bool _isLeader;

    /// <summary>Creates the instruments.</summary>
    /// <param name="meterFactory">The host's meter factory, or <see langword="null"/> for a meter of our own.</param>
    /// <param name="meterName">The meter: <c>Resilience.DataPlane</c> on a data-plane node.</param>
    /// <param name="recordStoreFailure">Records a failed store operation; <see langword="null"/> creates <c>resilience.fallback_store.failures</c> on this meter.</param>
    public ExportMetrics(IMeterFactory? meterFactory, string meterName, Action<string>? recordStoreFailure)
    {
        var meter = meterFactory is null ? _ownedMeter = new Meter(meterName) : meterFactory.Create(meterName);
        _exports = meter.CreateCounter<long>("resilience.fallback_store.exports", "{upload}", "Configurations uploaded to the fallback store by this node.");
        meter.CreateObservableGauge("resilience.fallback_store.exporter.leader", () => _isLeader ? 1 : 0, "{leader}",
            "1 while this node is the elected exporter, else 0.");
        if (recordStoreFailure is null)
        {
            var failures = meter.CreateCounter<long>("resilience.fallback_store.failures", "{operation}", "Fallback store operations that failed, by operation.");
            recordStoreFailure = operation => failures.Add(1, new KeyValuePair<string, object?>("operation", operation));
        }

        _recordStoreFailure = recordStoreFailure;
    }

    public void RecordExport() => _exports.Add(1);

    public void RecordStoreFailure(string operation) => _recordStoreFailure(operation);

    public void SetLeader(bool isLeader) => _isLeader = isLeader;

    public void Dispose() => _ownedMeter?.Dispose();
}
