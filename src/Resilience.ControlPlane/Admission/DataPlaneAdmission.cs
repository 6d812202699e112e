using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane;

/// <summary>
/// Admits new data-plane sessions before their WebSocket upgrade (<see cref="DataPlaneAdmissionOptions"/>): a token
/// bucket bounds the rate, a concurrency limiter bounds the sessions between their upgrade and their first
/// configuration sent, and both queue a request for at most <see cref="DataPlaneAdmissionOptions.QueueTimeout"/>. A
/// refused request gets a <c>Retry-After</c> that spreads the refused over the time the backlog needs at the admission
/// rate, so they do not all come back in the same second. The limiters are System.Threading.RateLimiting's; the
/// bucket is refilled on the injected clock.
/// </summary>
internal sealed class DataPlaneAdmission : IDisposable
{
    private readonly DataPlaneAdmissionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TokenBucketRateLimiter _rate;
    private readonly ConcurrencyLimiter _concurrency;
    private readonly ITimer _replenish;
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _decisions;
    private readonly object _gate = new();
    private DateTimeOffset _nextRetryAt;
    private DateTimeOffset _lastRefusalLog;
    private long _refusedSinceLog;

    public DataPlaneAdmission(DataPlaneAdmissionOptions options, TimeProvider time, ILogger logger, IMeterFactory? meterFactory)
    {
        _options = options;
        _time = time;
        _logger = logger;
        var perPeriod = Math.Max(1, (int)Math.Ceiling(options.PerSecond * DataPlaneAdmissionDefaults.ReplenishmentPeriod.TotalSeconds));
        _rate = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perPeriod,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = DataPlaneAdmissionDefaults.ReplenishmentPeriod,
            AutoReplenishment = false,
            QueueLimit = options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxConcurrent,
            QueueLimit = options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _replenish = time.CreateTimer(static s => ((TokenBucketRateLimiter)s!).TryReplenish(), _rate, DataPlaneAdmissionDefaults.ReplenishmentPeriod, DataPlaneAdmissionDefaults.ReplenishmentPeriod);
        var meter = meterFactory?.Create(ControlPlaneTelemetry.MeterName) ?? (_ownedMeter = new Meter(ControlPlaneTelemetry.MeterName));
        _decisions = meter.CreateCounter<long>(
            "resilience.control_plane.admissions",
            "{session}",
            "New data-plane sessions by admission outcome: admitted, or refused with 503 and Retry-After before the upgrade.");
        meter.CreateObservableGauge(
            "resilience.control_plane.admissions.waiting",
            () => (_concurrency.GetStatistics()?.CurrentQueuedCount ?? 0) + (_rate.GetStatistics()?.CurrentQueuedCount ?? 0),
            "{request}",
            "Upgrade requests waiting for admission.");
    }

    /// <summary>Gets the sessions admitted and not yet past their first configuration send (diagnostics and tests).</summary>
    public long InProgress => _options.MaxConcurrent - (_concurrency.GetStatistics()?.CurrentAvailablePermits ?? _options.MaxConcurrent);

    /// <summary>
    /// Waits (bounded) for a turn. Admitted: the lease, to be released when the session's first configuration is sent
    /// or the session ends. Refused: the <c>Retry-After</c> to answer with.
    /// </summary>
    public async ValueTask<(IDisposable? Lease, TimeSpan RetryAfter)> AdmitAsync(CancellationToken requestAborted)
    {
        using var timeout = new CancellationTokenSource(_options.QueueTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, timeout.Token);
        RateLimitLease? concurrency = null;
        try
        {
            using (var token = await _rate.AcquireAsync(1, linked.Token).ConfigureAwait(false))
            {
                if (!token.IsAcquired)
                {
                    return Refuse();
                }
            }

            concurrency = await _concurrency.AcquireAsync(1, linked.Token).ConfigureAwait(false);
            if (!concurrency.IsAcquired)
            {
                concurrency.Dispose();
                return Refuse();
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !requestAborted.IsCancellationRequested)
        {
            concurrency?.Dispose();
            return Refuse();
        }

        _decisions.Add(1, new KeyValuePair<string, object?>("outcome", "admitted"));
        return (concurrency, TimeSpan.Zero);
    }

    public void Dispose()
    {
        _replenish.Dispose();
        _rate.Dispose();
        _concurrency.Dispose();
        _ownedMeter?.Dispose();
    }

    /// <summary>The next refused request's Retry-After: after the backlog the queues hold now, one admission slot later than the previous refusal.</summary>
    private (IDisposable?, TimeSpan) Refuse()
    {
        var waiting = (_concurrency.GetStatistics()?.CurrentQueuedCount ?? 0) + (_rate.GetStatistics()?.CurrentQueuedCount ?? 0);
        var slot = TimeSpan.FromSeconds(1.0 / _options.PerSecond);
        TimeSpan retryAfter;
        long refused = 0;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var backlogDrained = now + (slot * waiting);
            _nextRetryAt = (_nextRetryAt > backlogDrained ? _nextRetryAt : backlogDrained) + slot;
            var wanted = _nextRetryAt - now;
            retryAfter = TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling(wanted.TotalSeconds), 1, _options.MaxRetryAfter.TotalSeconds));
            _refusedSinceLog++;
            if (now - _lastRefusalLog >= DataPlaneAdmissionDefaults.RefusalLogInterval)
            {
                refused = _refusedSinceLog;
                _refusedSinceLog = 0;
                _lastRefusalLog = now;
            }
        }

        _decisions.Add(1, new KeyValuePair<string, object?>("outcome", "refused"));
        if (refused > 0)
        {
            Log.AdmissionRefused(_logger, refused, waiting, retryAfter, _options.MaxConcurrent, _options.PerSecond);
        }

        return (null, retryAfter);
    }
}
