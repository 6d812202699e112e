using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience.ControlPlane;

/// <summary>
/// Starts rollouts for the publisher and carries out the operators' actions (<see cref="IConfigRollouts"/>): each is a
/// step of <see cref="RolloutEngine"/> written to the <see cref="IRolloutStore"/> against the version it read, then
/// shown to this replica's nodes through <see cref="ConfigTargets"/>. The <see cref="RolloutDriver"/> moves rollouts on.
/// </summary>
internal sealed class RolloutCoordinator : IConfigRollouts
{
    private const int WriteAttempts = 5;

    private readonly ConfigTargets _targets;
    private readonly IRolloutStore _store;
    private readonly IDataPlaneRegistry _registry;
    private readonly RolloutNodeTracker _tracker;
    private readonly RolloutOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RolloutMetrics _metrics;
    private int _backplaneUnavailable;

    public RolloutCoordinator(
        ConfigTargets targets,
        IRolloutStore store,
        IDataPlaneRegistry registry,
        RolloutNodeTracker tracker,
        IOptions<RolloutOptions> options,
        TimeProvider time,
        ILogger<RolloutCoordinator> logger,
        RolloutMetrics metrics,
        ReplicaIdentity? replica = null)
    {
        _targets = targets;
        _store = store;
        _registry = registry;
        _tracker = tracker;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        ReplicaId = replica?.Id;
        _metrics.Observe(() => _targets.Rollout is { } r ? (int)r.PublicPhase : -1, () => _targets.Rollout?.CurrentWave ?? -1);
    }

    /// <summary>Raised when a rollout changed here and the driver should look at it now.</summary>
    public event Action? Changed;

    /// <summary>Gets this replica's id with a backplane, else <see langword="null"/>.</summary>
    public string? ReplicaId { get; }

    /// <summary>Gets or sets a value indicating whether the last round with the store failed (the rollout cannot move on).</summary>
    public bool BackplaneUnavailable
    {
        get => Volatile.Read(ref _backplaneUnavailable) == 1;
        set => Volatile.Write(ref _backplaneUnavailable, value ? 1 : 0);
    }

    internal IRolloutStore Store => _store;

    internal ConfigTargets Targets => _targets;

    internal RolloutNodeTracker Tracker => _tracker;

    /// <summary>A rollout id: the start of the configuration's hash and a random suffix (a hash may be rolled out twice).</summary>
    public static string NewRolloutId(string hash) => $"{hash[..8]}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}";

    /// <exception cref="RolloutInProgressException">A rollout runs and publishes are refused meanwhile.</exception>
    /// <exception cref="NotSupportedException">A plan was given and the backplane cannot hold rollouts.</exception>
    public void ThrowIfPublishRefused(string hash, bool withPlan)
    {
        if (withPlan && !_store.SupportsRollouts)
        {
            throw new NotSupportedException("this control plane's backplane cannot hold rollouts (it does not implement IControlPlaneRolloutBackplane): publish without a plan, or use Resilience.ControlPlane.Redis");
        }

        if (_options.WhenRunning == RolloutConflictBehavior.Refuse && _targets.Rollout is { IsActive: true } running && _targets.Latest?.RolloutId == running.Id)
        {
            RolloutLog.PublishRefused(_logger, hash, running.Id);
            throw new RolloutInProgressException($"rollout {running.Id} of {running.Candidate.Hash} is {running.PublicPhase}; finish, abort or roll it back before publishing again (DataPlaneHub:Rollouts:WhenRunning is Refuse)")
            {
                RolloutId = running.Id,
            };
        }
    }

    /// <summary>Plans a rollout of a just-published candidate over the connected fleet, stores it and starts its first wave.</summary>
    public async ValueTask StartAsync(PublishedConfig candidate, WavePlan[] waves, string? actor, CancellationToken cancellationToken)
    {
        var stable = _targets.Stable;
        if (_store.IsShared && stable is not null)
        {
            await _store.SaveBaselineAsync(ConfigPublisher.ToShared(stable), cancellationToken).ConfigureAwait(false);
        }

        // The replica that starts a rollout drives it when no other replica does (another takes over if it dies).
        await _store.TryLeadAsync(ReplicaId ?? "control-plane", _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < WriteAttempts; attempt++)
        {
            var current = await _store.GetAsync(cancellationToken).ConfigureAwait(false);
            var (record, events) = RolloutEngine.Start(
                candidate.RolloutId!,
                RolloutConfigRef.Of(candidate),
                stable is null ? null : RolloutConfigRef.Of(stable),
                waves,
                Fleet(),
                actor,
                _time.GetUtcNow());
            record = record with { Version = (current?.Version ?? 0) + 1 };
            if (!await _store.TryWriteAsync(record, current?.Version ?? 0, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            if (current is { IsActive: true } replaced && replaced.Id != record.Id)
            {
                var superseded = RolloutEngine.Supersede(replaced, $"superseded by rollout {record.Id}", record.StartedAt);
                Announce(superseded, [new RolloutEvent(RolloutEventKind.Superseded, replaced.CurrentWave, candidate.Hash)]);
            }

            RolloutLog.Started(_logger, record.Id, candidate.Hash, candidate.Version, string.Join("; ", record.Waves.Select((w, i) => $"{w.Name} ({w.Describe()}): {record.Assignments.Count(a => a.Value == i)} node(s)")), stable?.Hash);
            _targets.SetRollout(record);
            Announce(record, events);
            Changed?.Invoke();
            return;
        }

        throw new ControlPlaneBackplaneException($"rollout {candidate.RolloutId} could not be stored: other writes kept coming first");
    }

    public async ValueTask<RolloutStatus?> GetCurrentAsync(CancellationToken cancellationToken = default)
    {
        var record = _targets.Rollout;
        var unavailable = BackplaneUnavailable;
        if (_store.IsShared)
        {
            try
            {
                record = await _store.GetAsync(cancellationToken).ConfigureAwait(false) ?? record;
                if (record is not null)
                {
                    _targets.SetRollout(record);
                }
            }
            catch (ControlPlaneBackplaneException) when (record is not null)
            {
                // What this replica last saw, marked as such.
                unavailable = true;
            }
        }

        if (record is null)
        {
            return null;
        }

        var reports = await CollectReportsAsync(record, tolerateUnavailable: true, cancellationToken).ConfigureAwait(false);
        return RolloutStatusBuilder.Build(record, reports, _time.GetUtcNow(), unavailable);
    }

    public ValueTask<RolloutStatus> PauseAsync(string? reason = null, string? actor = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(record => (RolloutEngine.Pause(record, reason, actor), [new RolloutEvent(RolloutEventKind.Paused, record.CurrentWave, reason, actor ?? "operator")]), cancellationToken);

    public ValueTask<RolloutStatus> ResumeAsync(string? actor = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(record => (RolloutEngine.Resume(record, actor), [new RolloutEvent(RolloutEventKind.Resumed, record.CurrentWave, null, actor ?? "operator")]), cancellationToken);

    public ValueTask<RolloutStatus> PromoteAsync(string? actor = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(record => RolloutEngine.Promote(record, actor, _time.GetUtcNow()), cancellationToken);

    public ValueTask<RolloutStatus> AbortAsync(string? reason = null, string? actor = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(record => RolloutEngine.Halt(record, RolloutPhase.Aborted, reason ?? $"aborted by {actor ?? "an operator"}", actor ?? "operator", _time.GetUtcNow()), cancellationToken);

    public ValueTask<RolloutStatus> RollBackAsync(string? reason = null, string? actor = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(
            record =>
            {
                var why = reason ?? $"rolled back by {actor ?? "an operator"}";
                return record.Phase == RolloutRecordPhase.Completed
                    ? RolloutEngine.RollBackCompleted(record, why, actor, _time.GetUtcNow())
                    : RolloutEngine.Halt(record, RolloutPhase.RolledBack, why, actor ?? "operator", _time.GetUtcNow());
            },
            cancellationToken);

    /// <summary>Logs, counts and traces what a step did.</summary>
    internal void Announce(RolloutRecord record, IEnumerable<RolloutEvent> events)
    {
        foreach (var change in events)
        {
            _metrics.Record(record, change);
            RolloutActivities.Record(record, change);
            var wave = change.Wave >= 0 && change.Wave < record.Waves.Length ? record.Waves[change.Wave] : null;
            switch (change.Kind)
            {
                case RolloutEventKind.WaveStarted:
                    RolloutLog.WaveStarted(_logger, record.Id, wave!.Name, record.Assignments.Count(a => a.Value == change.Wave), record.Candidate.Hash);
                    break;
                case RolloutEventKind.BakeStarted:
                    RolloutLog.BakeStarted(_logger, record.Id, wave!.Name, wave.BakeTime);
                    break;
                case RolloutEventKind.WavePassed:
                    RolloutLog.WavePassed(_logger, record.Id, wave!.Name);
                    break;
                case RolloutEventKind.Completed:
                    RolloutLog.Completed(_logger, record.Id, record.Candidate.Hash);
                    break;
                case RolloutEventKind.Halted when record.FleetWide:
                    RolloutLog.CompletedRolledBack(_logger, record.Id, record.Candidate.Hash, change.Actor, change.Detail ?? "rolled back", record.Stable?.Hash);
                    break;
                case RolloutEventKind.Halted:
                    RolloutLog.Halted(_logger, record.Id, change.Detail ?? "halted", record.Candidate.Hash, record.Stable?.Hash);
                    break;
                case RolloutEventKind.Aborted:
                    RolloutLog.Aborted(_logger, record.Id, change.Actor, change.Detail ?? "aborted", record.Candidate.Hash);
                    break;
                case RolloutEventKind.RollbackCompleted:
                    RolloutLog.RollbackCompleted(_logger, record.Id, record.PublicPhase, change.Detail, record.Candidate.Hash);
                    break;
                case RolloutEventKind.Paused:
                    RolloutLog.Paused(_logger, record.Id, change.Actor, change.Detail);
                    break;
                case RolloutEventKind.Resumed:
                    RolloutLog.Resumed(_logger, record.Id, change.Actor);
                    break;
                case RolloutEventKind.Promoted:
                    RolloutLog.Promoted(_logger, record.Id, wave!.Name, change.Actor);
                    break;
                case RolloutEventKind.Superseded:
                    RolloutLog.Superseded(_logger, record.Id, record.Candidate.Hash, change.Detail ?? "a newer configuration");
                    break;
            }
        }
    }

    /// <summary>Every node's report: this replica's own, and with a backplane the other replicas' (a connected report beats a closed one; then the newer).</summary>
    internal async ValueTask<Dictionary<string, RolloutNodeReport>> CollectReportsAsync(RolloutRecord record, bool tolerateUnavailable, CancellationToken cancellationToken)
    {
        var reports = _tracker.Reports(record, ReplicaId);
        if (!_store.IsShared)
        {
            return reports;
        }

        IReadOnlyList<RolloutNodeReport> fleet;
        try
        {
            fleet = await _store.GetReportsAsync(record.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (ControlPlaneBackplaneException) when (tolerateUnavailable)
        {
            return reports;
        }

        foreach (var remote in fleet)
        {
            if (remote.ReplicaId == ReplicaId)
            {
                continue;
            }

            if (!reports.TryGetValue(remote.NodeId, out var local) || Fresher(remote, local))
            {
                reports[remote.NodeId] = remote;
            }
        }

        return reports;
    }

    /// <summary>The connected fleet, as wave selection sees it.</summary>
    internal List<FleetNode> Fleet() => _registry.GetAll().Where(i => i.IsConnected).Select(i => new FleetNode(i.NodeId, i.Labels)).ToList();

    private static bool Fresher(RolloutNodeReport a, RolloutNodeReport b) =>
        a.IsConnected != b.IsConnected ? a.IsConnected : a.UpdatedAt > b.UpdatedAt;

    private async ValueTask<RolloutStatus> ChangeAsync(Func<RolloutRecord, (RolloutRecord Record, List<RolloutEvent> Events)> action, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < WriteAttempts; attempt++)
        {
            var current = await _store.GetAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new RolloutOperationException("no rollout was started");
            if (_targets.Latest is { } latest && latest.RolloutId != current.Id && latest.Sequence > current.Candidate.Sequence)
            {
                throw new RolloutOperationException($"rollout {current.Id} was superseded by the publish of {latest.Hash}");
            }

            var (next, events) = action(current);
            next = next with { Version = current.Version + 1 };
            if (await _store.TryWriteAsync(next, current.Version, cancellationToken).ConfigureAwait(false))
            {
                _targets.SetRollout(next);
                Announce(next, events);
                Changed?.Invoke();
                var reports = await CollectReportsAsync(next, tolerateUnavailable: true, cancellationToken).ConfigureAwait(false);
                return RolloutStatusBuilder.Build(next, reports, _time.GetUtcNow(), backplaneUnavailable: false);
            }
        }

        throw new ControlPlaneBackplaneException("the rollout could not be changed: other writes kept coming first");
    }
}
