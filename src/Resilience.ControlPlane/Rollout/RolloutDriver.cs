using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience.ControlPlane;

/// <summary>
/// Moves rollouts on: every <see cref="RolloutOptions.EvaluationInterval"/>, and soon after a node reports, it reads the
/// rollout (from the backplane, with replicas), writes this replica's node reports, and, on the replica that holds
/// the lead, reads every node's report, takes one step of <see cref="RolloutEngine"/> and writes it. With a backplane
/// the lead is a lease: when the replica that drives a rollout dies, another takes it over. When the backplane cannot
/// be reached nothing moves (the rollout is paused and says so) and nodes keep serving.
/// </summary>
internal sealed class RolloutDriver : IHostedService, IAsyncDisposable, IDisposable
{
    /// <summary>Reports arrive with every heartbeat: rounds they trigger are at least this far apart.</summary>
    private static readonly TimeSpan MinSpacing = TimeSpan.FromMilliseconds(100);

    private readonly RolloutCoordinator _coordinator;
    private readonly RolloutOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _reportedVersion = -1;
    private string? _reportedRollout;
    private bool _leading;

    public RolloutDriver(RolloutCoordinator coordinator, IOptions<RolloutOptions> options, TimeProvider time, ILogger<RolloutDriver> logger)
    {
        _coordinator = coordinator;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _coordinator.Changed += Wake;
        _coordinator.Tracker.Reported += WakeForReport;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Unsubscribe();
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
    }

    public void Dispose()
    {
        Unsubscribe();
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
        }
    }

    /// <summary>Takes one round now (tests on a fake clock call it directly).</summary>
    internal async Task RoundAsync(CancellationToken cancellationToken)
    {
        var store = _coordinator.Store;
        var targets = _coordinator.Targets;
        var record = await store.GetAsync(cancellationToken).ConfigureAwait(false);
        if (record is null && store.IsShared && targets.Rollout is { } known)
        {
            // The backplane lost its data (a Redis restarted without persistence): what this replica knows goes back.
            record = await RestoreAsync(known, cancellationToken).ConfigureAwait(false);
        }

        if (record is null)
        {
            Available();
            return;
        }

        targets.SetRollout(record);
        if (store.IsShared)
        {
            await ShareAsync(record, cancellationToken).ConfigureAwait(false);
        }

        Available();
        if (!record.IsActive || !await LeadAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var now = _time.GetUtcNow();
        RolloutRecord next;
        List<RolloutEvent> events;
        if (targets.Latest is { } latest && latest.RolloutId != record.Id && latest.Sequence > record.Candidate.Sequence)
        {
            // A newer publish took over (everyone at once, or a rollout whose record this replica has not read yet).
            next = RolloutEngine.Supersede(record, $"superseded by the publish of {latest.Hash}", now);
            events = [new RolloutEvent(RolloutEventKind.Superseded, record.CurrentWave, latest.Hash)];
        }
        else
        {
            var reports = await _coordinator.CollectReportsAsync(record, tolerateUnavailable: false, cancellationToken).ConfigureAwait(false);
            (next, events) = RolloutEngine.Advance(record, reports, _coordinator.Fleet(), now);
        }

        if (ReferenceEquals(next, record))
        {
            return;
        }

        next = next with { Version = record.Version + 1 };
        if (await store.TryWriteAsync(next, record.Version, cancellationToken).ConfigureAwait(false))
        {
            targets.SetRollout(next);
            _coordinator.Announce(next, events);
        }
    }

    private async Task RunAsync(CancellationToken token)
    {
        var last = DateTimeOffset.MinValue;
        Task<bool>? woken = null;
        while (!token.IsCancellationRequested)
        {
            try
            {
                woken ??= _wake.Reader.WaitToReadAsync(token).AsTask();
                var due = last + _options.EvaluationInterval - _time.GetUtcNow();
                if (due > TimeSpan.Zero)
                {
                    using var delay = CancellationTokenSource.CreateLinkedTokenSource(token);
                    await Task.WhenAny(Task.Delay(due, _time, delay.Token), woken).ConfigureAwait(false);
                    await delay.CancelAsync().ConfigureAwait(false);
                }

                if (woken.IsCompleted)
                {
                    woken = null;
                    _wake.Reader.TryRead(out _);
                    var spacing = last + MinSpacing - _time.GetUtcNow();
                    if (spacing > TimeSpan.Zero)
                    {
                        await Task.Delay(spacing, _time, token).ConfigureAwait(false);
                    }
                }

                last = _time.GetUtcNow();
                await RoundAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (ControlPlaneBackplaneException ex)
            {
                if (!_coordinator.BackplaneUnavailable)
                {
                    _coordinator.BackplaneUnavailable = true;
                    RolloutLog.BackplaneUnavailable(_logger, _coordinator.Targets.Rollout?.Id, ex.Message);
                }

                _leading = false;
            }
            catch (Exception ex)
            {
                // A bug here must not stop rollouts for good, nor the host: logged, retried at the next interval.
                RolloutLog.DriverFailed(_logger, ex);
            }
        }
    }

    private async ValueTask<RolloutRecord?> RestoreAsync(RolloutRecord known, CancellationToken token)
    {
        var store = _coordinator.Store;
        if (known.Stable is { } baseline && _coordinator.Targets.Stable is { } stable && stable.Hash == baseline.Hash)
        {
            await store.SaveBaselineAsync(ConfigPublisher.ToShared(stable), token).ConfigureAwait(false);
        }

        if (await store.TryWriteAsync(known, 0, token).ConfigureAwait(false))
        {
            RolloutLog.Restored(_logger, known.Id, known.Version);
            return known;
        }

        return await store.GetAsync(token).ConfigureAwait(false);
    }

    private async ValueTask ShareAsync(RolloutRecord record, CancellationToken token)
    {
        var store = _coordinator.Store;
        var targets = _coordinator.Targets;

        // A replica that did not see the rollout published (it started later) learns what it goes back to.
        if (record.Stable is { } baseline && targets.Stable?.Hash != baseline.Hash && record.IsActive
            && await store.GetBaselineAsync(token).ConfigureAwait(false) is { } shared && shared.Hash == baseline.Hash
            && ConfigPublisher.FromShared(shared, out _) is { } config)
        {
            targets.SetBaseline(config);
        }

        var version = _coordinator.Tracker.Version;
        if (version != _reportedVersion || record.Id != _reportedRollout)
        {
            var reports = _coordinator.Tracker.Reports(record, _coordinator.ReplicaId);
            await store.ReportAsync(record.Id, reports.Values, token).ConfigureAwait(false);
            (_reportedVersion, _reportedRollout) = (version, record.Id);
        }
    }

    private async ValueTask<bool> LeadAsync(CancellationToken token)
    {
        var replica = _coordinator.ReplicaId ?? "control-plane";
        var leading = await _coordinator.Store.TryLeadAsync(replica, _options.LeaseDuration, token).ConfigureAwait(false);
        if (leading && !_leading && _coordinator.Store.IsShared)
        {
            RolloutLog.Leading(_logger, replica);
        }

        _leading = leading;
        return leading;
    }

    private void Available()
    {
        if (_coordinator.BackplaneUnavailable)
        {
            _coordinator.BackplaneUnavailable = false;
            RolloutLog.BackplaneAvailable(_logger, _coordinator.Targets.Rollout?.Id);
        }
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>A node's report matters only while a rollout decides something.</summary>
    private void WakeForReport()
    {
        if (_coordinator.Targets.Rollout is { IsActive: true })
        {
            Wake();
        }
    }

    private void Unsubscribe()
    {
        _coordinator.Changed -= Wake;
        _coordinator.Tracker.Reported -= WakeForReport;
    }
}
