using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience.ControlPlane;

/// <summary>
/// Keeps this replica in step with the fleet: at start it reads the fleet's latest configuration (bounded by
/// <see cref="ControlPlaneBackplaneOptions.StartupTimeout"/>), then adopts every newer one it is notified of or finds on
/// its reconcile timer, writes its own back when the backplane lost it, and exchanges registry reports.
/// </summary>
internal sealed class BackplaneReplicaService : IHostedService, IAsyncDisposable, IDisposable
{
    private readonly IControlPlaneBackplane _backplane;
    private readonly ConfigPublisher _publisher;
    private readonly FleetDataPlaneRegistry _registry;
    private readonly ControlPlaneBackplaneOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BackplaneMetrics _metrics;
    private readonly string _replicaId;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private IAsyncDisposable? _subscription;
    private Task? _loop;
    private int _available;

    public BackplaneReplicaService(
        IControlPlaneBackplane backplane,
        ConfigPublisher publisher,
        FleetDataPlaneRegistry registry,
        ReplicaIdentity identity,
        IOptions<ControlPlaneBackplaneOptions> options,
        TimeProvider time,
        ILogger<BackplaneReplicaService> logger,
        BackplaneMetrics metrics)
    {
        _backplane = backplane;
        _publisher = publisher;
        _registry = registry;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _replicaId = identity.Id;
        _metrics.Observe(() => Volatile.Read(ref _available) == 1, () => _publisher.Latest?.Sequence ?? 0);
    }

    /// <summary>Gets a value indicating whether the last backplane round succeeded.</summary>
    internal bool IsAvailable => Volatile.Read(ref _available) == 1;

    /// <summary>Gets this replica's id.</summary>
    internal string ReplicaId => _replicaId;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = false;
        using (var timeout = new CancellationTokenSource(_options.StartupTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, _stopping.Token))
        {
            try
            {
                await RoundAsync(reconcile: true, registry: true, linked.Token).ConfigureAwait(false);
                started = true;
                BackplaneLog.ReplicaStarted(_logger, _replicaId, _publisher.Latest?.Hash, _publisher.Latest?.Sequence ?? 0);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // No tier's failure holds start-up: the replica serves what it has (nothing, after a restart) and keeps trying.
                var why = ex is OperationCanceledException ? "timed out" : ex.Message;
                BackplaneLog.StartedWithoutFleetConfig(_logger, _replicaId, _options.StartupTimeout, why);
            }
        }

        _loop = Task.Run(() => RunAsync(started, _stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await DropSubscriptionAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await DropSubscriptionAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>A container disposed synchronously stops the loop without waiting for it.</summary>
    public void Dispose()
    {
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
        }
    }

    /// <summary>A publish notification: reconcile now unless this replica already serves that revision.</summary>
    internal void OnChanged(long revision)
    {
        if (revision == 0 || revision > (_publisher.Latest?.Sequence ?? 0))
        {
            _wake.Writer.TryWrite(true);
        }
    }

    private async Task RunAsync(bool started, CancellationToken token)
    {
        var retry = _options.ReconcileInterval < BackplaneDefaults.RetryDelay ? _options.ReconcileInterval : BackplaneDefaults.RetryDelay;
        var now = _time.GetUtcNow();
        var nextReconcile = now + (started ? _options.ReconcileInterval : retry);
        var nextRegistry = now + (started ? _options.RegistryInterval : retry);
        Task<bool>? woken = null;
        while (!token.IsCancellationRequested)
        {
            var wait = (nextReconcile < nextRegistry ? nextReconcile : nextRegistry) - _time.GetUtcNow();
            woken ??= _wake.Reader.WaitToReadAsync(token).AsTask();
            if (wait > TimeSpan.Zero)
            {
                using var delay = CancellationTokenSource.CreateLinkedTokenSource(token);
                var timer = Task.Delay(wait, _time, delay.Token);
                await Task.WhenAny(timer, woken).ConfigureAwait(false);
                await delay.CancelAsync().ConfigureAwait(false);
            }

            if (token.IsCancellationRequested)
            {
                return;
            }

            var notified = woken.IsCompleted && _wake.Reader.TryRead(out _);
            if (woken.IsCompleted)
            {
                woken = null;
            }

            now = _time.GetUtcNow();
            var reconcile = notified || now >= nextReconcile;
            var registry = now >= nextRegistry;
            try
            {
                await RoundAsync(reconcile, registry, token).ConfigureAwait(false);
                if (reconcile)
                {
                    nextReconcile = _time.GetUtcNow() + _options.ReconcileInterval;
                }

                if (registry)
                {
                    nextRegistry = _time.GetUtcNow() + _options.RegistryInterval;
                }
            }
            catch (Exception) when (!token.IsCancellationRequested)
            {
                // Logged once per outage in RoundAsync; retried soon, and at once when the backplane says it reconnected.
                var soon = _time.GetUtcNow() + retry;
                nextReconcile = nextReconcile < soon ? nextReconcile : soon;
                nextRegistry = nextRegistry < soon ? nextRegistry : soon;
            }
        }
    }

    private async Task RoundAsync(bool reconcile, bool registry, CancellationToken token)
    {
        var operation = "subscribe";
        try
        {
            if (_subscription is null)
            {
                _subscription = await _backplane.SubscribeAsync(OnChanged, token).ConfigureAwait(false);
            }

            if (reconcile)
            {
                operation = "reconcile";
                await ReconcileAsync(token).ConfigureAwait(false);
            }

            if (registry)
            {
                operation = "registry";
                await SyncRegistryAsync(token).ConfigureAwait(false);
            }

            if (Interlocked.Exchange(ref _available, 1) == 0 && _loop is not null)
            {
                BackplaneLog.BackplaneAvailable(_logger, _replicaId, _publisher.Latest?.Hash, _publisher.Latest?.Sequence ?? 0);
            }
        }
        catch (Exception ex) when (!token.IsCancellationRequested)
        {
            _metrics.RecordError(operation);
            if (Interlocked.Exchange(ref _available, 0) == 1 || _loop is null)
            {
                BackplaneLog.BackplaneUnavailable(_logger, operation, ex.Message, _publisher.Latest?.Hash);
            }

            throw;
        }
    }

    private async Task ReconcileAsync(CancellationToken token)
    {
        using var activity = BackplaneActivities.StartReceive(0);
        var stored = await _backplane.GetLatestAsync(token).ConfigureAwait(false);
        var local = _publisher.LatestShared;
        if (stored is not null && stored.IsNewerThan(local))
        {
            activity?.SetTag(BackplaneActivities.RevisionTag, stored.Revision);
            activity?.SetTag(BackplaneActivities.HashTag, stored.Hash);
            var adopted = _publisher.Adopt(stored, received: true) is not null;
            activity?.SetTag(BackplaneActivities.OutcomeTag, adopted ? "adopted" : "refused");
            if (!adopted)
            {
                activity?.SetStatus(ActivityStatusCode.Error, "the stored configuration does not match its hash");
            }

            return;
        }

        if (local is not null && local.IsNewerThan(stored))
        {
            // The backplane lost its data (a restart without persistence) or holds an older one: this replica's
            // is the newest it knows, so it goes back, keeping its revision; a newer one from another replica wins.
            var restored = await _backplane.RestoreAsync(local, token).ConfigureAwait(false);
            activity?.SetTag(BackplaneActivities.OutcomeTag, restored ? "restored" : "unchanged");
            if (restored)
            {
                _metrics.RecordRestored();
                BackplaneLog.ConfigRestored(_logger, stored?.Hash, local.Hash, local.Revision);
            }

            return;
        }

        activity?.SetTag(BackplaneActivities.OutcomeTag, "unchanged");
    }

    private async Task SyncRegistryAsync(CancellationToken token)
    {
        var local = _registry.Local();
        await _backplane.ReportDataPlanesAsync(_replicaId, local, _options.RegistryInterval * BackplaneDefaults.ReportLifetimeIntervals, token).ConfigureAwait(false);
        var fleet = await _backplane.GetDataPlanesAsync(token).ConfigureAwait(false);
        _registry.SetFleet(fleet);
        BackplaneLog.RegistrySynced(_logger, _replicaId, local.Count, fleet.Count);
    }

    private async Task DropSubscriptionAsync()
    {
        if (Interlocked.Exchange(ref _subscription, null) is { } subscription)
        {
            try
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The backplane may be gone; the subscription dies with its connection.
                BackplaneLog.BackplaneUnavailable(_logger, "unsubscribe", ex.Message, _publisher.Latest?.Hash);
            }
        }
    }
}
