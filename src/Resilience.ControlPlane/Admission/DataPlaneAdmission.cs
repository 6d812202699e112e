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
/// rate is a <see cref="ConcurrencyLimiter"/> whose permits are spent, not given back, and returned on a timer of the
/// injected clock: its <c>TokenBucketRateLimiter</c> measures elapsed time with <c>Stopwatch</c> even when replenished by
/// hand, so it cannot run on a <see cref="TimeProvider"/> (and be tested on a fake clock).
/// </summary>
internal sealed class DataPlaneAdmission : IDisposable
{
    private readonly DataPlaneAdmissionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrencyLimiter _rate;
    private readonly System.Collections.Concurrent.ConcurrentQueue<RateLimitLease> _spent = new();
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
        // A whole number of tokens per period, and the period that makes the rate exact: 500/s is 50 every 100 ms,
        // 15/s one every 66.7 ms, 1/s one every second.
        var perPeriod = Math.Max(1, (int)(options.PerSecond * DataPlaneAdmissionDefaults.ReplenishmentPeriod.TotalSeconds));
        var period = TimeSpan.FromSeconds(perPeriod / (double)options.PerSecond);
        _rate = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = perPeriod,
            QueueLimit = options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxConcurrent,
            QueueLimit = options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _replenish = time.CreateTimer(static s => ((DataPlaneAdmission)s!).Replenish(), this, period, period);
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
            var token = await _rate.AcquireAsync(1, linked.Token).ConfigureAwait(false);
            if (!token.IsAcquired)
            {
                token.Dispose();
                return Refuse();
            }

            _spent.Enqueue(token); // given back by the next replenishment

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
        while (_spent.TryDequeue(out var token))
        {
            token.Dispose();
        }

        _rate.Dispose();
        _concurrency.Dispose();
        _ownedMeter?.Dispose();
    }

    /// <summary>Gives back the permits spent since the last period (not those taken while doing so: at most one period's worth a period).</summary>
    private void Replenish()
    {
        for (var spent = _spent.Count; spent > 0 && _spent.TryDequeue(out var token); spent--)
        {
            token.Dispose();
        }
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
            // Never further out than the cap: past it, the refused are all told the cap (their own jitter spreads them).
            var next = (_nextRetryAt > backlogDrained ? _nextRetryAt : backlogDrained) + slot;
            _nextRetryAt = next < now + _options.MaxRetryAfter ? next : now + _options.MaxRetryAfter;
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
