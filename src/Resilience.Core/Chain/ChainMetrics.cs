using System.Diagnostics.Metrics;

namespace Resilience;

/// <summary>
/// The chain's instruments on the <c>Resilience.DataPlane</c> meter. Names and units are part of
/// the public contract (see docs/metrics.md).
/// </summary>
internal sealed class ChainMetrics : IDisposable
{
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _applies;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _cacheWriteFailures;
    private readonly Counter<long> _storeFailures;
    private readonly Histogram<double> _applyDuration;
    private readonly Counter<long> _rollbacks;
    private readonly Counter<long> _historyWriteFailures;

    public ChainMetrics(IMeterFactory? meterFactory, Func<DataPlaneState> state, Func<ConfigSnapshot?> current, TimeProvider timeProvider, Func<int>? historyEntries = null)
    {
        Meter meter;
        if (meterFactory is null)
        {
            meter = _ownedMeter = new Meter(DataPlaneResilienceDefaults.MeterName);
        }
        else
        {
            meter = meterFactory.Create(DataPlaneResilienceDefaults.MeterName);
        }

        Meter = meter;
        _applies = meter.CreateCounter<long>("resilience.config.applies", "{config}", "Configurations handed to the apply pipeline, by origin and outcome.");
        _rejections = meter.CreateCounter<long>("resilience.config.rejections", "{config}", "Configurations rejected, by origin and reason.");
        _cacheWriteFailures = meter.CreateCounter<long>("resilience.cache.write_failures", "{write}", "Cache writes that failed.");
        _storeFailures = meter.CreateCounter<long>("resilience.fallback_store.failures", "{operation}", "Fallback store operations that failed, by operation.");
        _applyDuration = DurationHistogram.Create(meter, "resilience.config.apply.duration", "Time from receipt to the end of the apply pipeline.");
        _rollbacks = meter.CreateCounter<long>("resilience.config.rollbacks", "{rollback}", "Configurations served again from the history, by kind (rolled_back: asked for; reverted: a failed bake).");
        _historyWriteFailures = meter.CreateCounter<long>("resilience.history.write_failures", "{write}", "History writes that failed (the configuration is still served).");
        meter.CreateObservableGauge("resilience.config.serving_tier", () => (int)state().ServingTier, "{tier}",
            "Tier of the served configuration: 0 none, 1 declarative, 2 fallback store, 3 cache, 4 control plane, 5 manual, 6 rollback.");
        meter.CreateObservableGauge("resilience.config.bake", () => (int)state().Bake.Status, "{status}",
            "Bake of the served configuration: 0 none, 1 baking, 2 passed, 3 undecided, 4 reverted, 5 failed.");
        if (historyEntries is not null)
        {
            meter.CreateObservableGauge("resilience.history.entries", historyEntries, "{config}", "Configurations kept in the history.");
        }
        meter.CreateObservableGauge("resilience.config.age", () => Age(current(), timeProvider), "s",
            "Age of the served configuration (since the control plane produced it, else since this node received it).");
        meter.CreateObservableGauge("resilience.link.status", () => (int)state().Link.Status, "{status}",
            "Link status: 0 not configured, 1 connecting, 2 connected, 3 disconnected.");
    }

    public Meter Meter { get; }

    public void RecordApply(ApplyResult result, TimeSpan duration)
    {
        var origin = new KeyValuePair<string, object?>("origin", result.Origin.ToString());
        _applies.Add(1, origin, new KeyValuePair<string, object?>("outcome", result.Outcome.ToString()));
        _applyDuration.Record(duration.TotalSeconds, origin);
        if (result.Outcome == ApplyOutcome.Rejected)
        {
            _rejections.Add(1, origin, new KeyValuePair<string, object?>("reason", result.Reason.ToString()));
        }
    }

    public void RecordCacheWriteFailure() => _cacheWriteFailures.Add(1);

    public void RecordHistoryWriteFailure() => _historyWriteFailures.Add(1);

    public void RecordRollback(ConfigRollbackKind kind) =>
        _rollbacks.Add(1, new KeyValuePair<string, object?>("kind", kind == ConfigRollbackKind.Reverted ? "reverted" : "rolled_back"));

    public void RecordStoreFailure(string operation) => _storeFailures.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void Dispose() => _ownedMeter?.Dispose();

    private static Measurement<double>[] Age(ConfigSnapshot? snapshot, TimeProvider timeProvider)
    {
        if (snapshot is null)
        {
            return [];
        }

        var since = snapshot.Timestamp ?? snapshot.ReceivedAt;
        return [new Measurement<double>((timeProvider.GetUtcNow() - since).TotalSeconds)];
    }
}
