using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Resilience;

/// <summary>
/// Holds the served snapshot and runs the one apply pipeline every tier goes through:
/// prepare (limits, decompress, convert, hash) -> refused after a rollback? -> same-hash check -> signature -> host
/// validator -> swap -> cache write -> history. A rollback reads its payload from the history and goes the same way.
/// Readers do one volatile read; writers take a short lock only to swap.
/// </summary>
internal sealed class DataPlane : IDataPlane, IClusterLinkContext, ILicensedServing, IBakeReporting, IDisposable
{
    /// <summary>Who a rollback names when its caller names nobody.</summary>
    internal const string DefaultActor = "operator";

    /// <summary>Who a revert names.</summary>
    internal const string SelfRevertActor = "self-revert";

    private readonly ConfigPreparer _preparer;
    private readonly ConfigValidators _validators;
    private readonly ConfigSignatureCheck? _signatureCheck;
    private readonly IConfigCache? _cache;
    private readonly ConfigHistory _history;
    private readonly IRequestOutcomes? _outcomes;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly object _swapLock = new();

    // One writer of the cache and the history at a time: the cache write, the history's entry and its first read.
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly NodeIdentityProvider _identity;
    private volatile bool _historyLoaded;
    private readonly LocalWriteStatus? _writes;

    private ConfigSnapshot? _current;
    private ServedView _published = new(null);
    private bool _servingStopped;
    private ConfigOrigin _appliedTier;
    private long _currentTicket;
    private long _arrivals;
    private DataPlaneState _state = new();
    private TaskCompletionSource<ConfigSnapshot> _nextChange = NewSignal<ConfigSnapshot>();
    private TaskCompletionSource<DataPlaneState> _nextState = NewSignal<DataPlaneState>();
    private ReplaceableToken _stateToken = new();

    /// <summary>Created by the container: the cache comes guarded (<see cref="CacheTier"/>: a broken one is left out) and keeps the history when it can.</summary>
    public DataPlane(
        ConfigPreparer preparer,
        ConfigValidators validators,
        CacheTier tiers,
        NodeIdentityProvider identity,
        TimeProvider timeProvider,
        ILogger<DataPlane> logger,
        ConfigSignatureCheck signatureCheck,
        IOptions<HistoryOptions> history,
        IRequestOutcomes? outcomes = null,
        IMeterFactory? meterFactory = null,
        LocalWriteStatus? writes = null)
        : this(preparer, validators, tiers.Cache, identity, timeProvider, logger, meterFactory, signatureCheck, history.Value.Depth, outcomes, writes)
    {
    }

    /// <summary>For tests: one validator, or several (<see cref="ConfigValidators"/>).</summary>
    internal DataPlane(
        ConfigPreparer preparer,
        IDataPlaneConfigValidator validator,
        IConfigCache? cache,
        NodeIdentityProvider identity,
        TimeProvider timeProvider,
        ILogger<DataPlane> logger,
        IMeterFactory? meterFactory,
        ConfigSignatureCheck? signatureCheck = null,
        int historyDepth = 0,
        IRequestOutcomes? outcomes = null,
        LocalWriteStatus? writes = null)
        : this(preparer, new ConfigValidators([validator]), cache, identity, timeProvider, logger, meterFactory, signatureCheck, historyDepth, outcomes, writes)
    {
    }

    internal DataPlane(
        ConfigPreparer preparer,
        ConfigValidators validators,
        IConfigCache? cache,
        NodeIdentityProvider identity,
        TimeProvider timeProvider,
        ILogger<DataPlane> logger,
        IMeterFactory? meterFactory,
        ConfigSignatureCheck? signatureCheck = null,
        int historyDepth = 0,
        IRequestOutcomes? outcomes = null,
        LocalWriteStatus? writes = null)
    {
        _signatureCheck = signatureCheck;
        _writes = writes;
        _preparer = preparer;
        _validators = validators;
        _cache = cache;
        _identity = identity;
        _timeProvider = timeProvider;
        _logger = logger;
        _outcomes = outcomes;
        Metrics = new ChainMetrics(meterFactory, () => State, () => Current, timeProvider, () => History.Count);
        _history = CreateHistory(cache, historyDepth, timeProvider, logger, Metrics.RecordHistoryWriteFailure);
        if (writes is not null)
        {
            // What cannot be written (cache, node id, licence, ...) is part of the state operators read.
            writes.Changed += OnWritesChanged;
            _state = _state with { UnwrittenFiles = writes.Current };
        }
    }

    /// <summary>Gets what readers see: the served snapshot, or null while serving is stopped (an expired licence).</summary>
    public ConfigSnapshot? Current => Volatile.Read(ref _published).Snapshot;

    /// <summary>Gets the last applied snapshot, whether or not serving is stopped (its hash goes to the control plane).</summary>
    internal ConfigSnapshot? Served => Volatile.Read(ref _current);

    ConfigSnapshot? IClusterLinkContext.Current => Served;

    public DataPlaneState State => Volatile.Read(ref _state);

    public NodeIdentity Node => _identity.Identity;

    public IReadOnlyList<ConfigHistoryEntry> History => _history.Index.Entries;

    public bool KeepsHistory => _history.IsEnabled;

    public ConfigRollbackState? Rollback => State.Rollback;

    public DataPlaneHealthSummary Health
    {
        get
        {
            var state = State;
            return new(state.IsReady, _outcomes?.Requests ?? 0, _outcomes?.FailedRequests ?? 0, state.Bake.Status, state.Bake.Hash);
        }
    }

    internal ChainMetrics Metrics { get; }

    /// <summary>Gets the request counters the bake reads, if the usage records are counted.</summary>
    internal IRequestOutcomes? Outcomes => _outcomes;

    /// <summary>The token of what readers see now: it fires when that is replaced (never a disposed source, see <see cref="ServedView"/>).</summary>
    public IChangeToken GetChangeToken() => Volatile.Read(ref _published).ChangeToken;

    public IChangeToken GetStateChangeToken() => Volatile.Read(ref _stateToken).ChangeToken;

    public async ValueTask<ConfigSnapshot> WaitForChangeAsync(ConfigSnapshot? known, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Read the signal before the value: a swap in between completes the signal we hold.
            var signal = Volatile.Read(ref _nextChange);
            var current = Current;
            if (current is not null && !ReferenceEquals(current, known))
            {
                return current;
            }

            await signal.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask<ApplyResult> ApplyManualAsync(ReadOnlyMemory<byte> content, ConfigFormat format, CancellationToken cancellationToken) =>
        ApplyAsync(new ConfigDocument(content, format, ConfigOrigin.Manual) { Source = "manual apply" }, cancellationToken);

    public ValueTask<ApplyResult> ApplyAsync(ConfigDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);

        // The ticket is taken before the first await, so arrival order decides which apply is newest.
        var ticket = Interlocked.Increment(ref _arrivals);
        return ApplyAsync(document, ticket, null, cancellationToken);
    }

    public ValueTask<ApplyResult> RollbackAsync(string hash, string? reason, CancellationToken cancellationToken) =>
        RollbackAsync(hash, reason, null, cancellationToken);

    public ValueTask<ApplyResult> RollbackAsync(string hash, string? reason, string? actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hash);
        var ticket = Interlocked.Increment(ref _arrivals);
        return GoBackAsync(hash, reason, string.IsNullOrWhiteSpace(actor) ? DefaultActor : actor, ConfigRollbackKind.RolledBack, ticket, cancellationToken);
    }

    /// <summary>
    /// Goes back from <paramref name="bad"/> (a failed bake) to the configuration served before it, at most once per hash.
    /// Returns <see langword="null"/> with why when it cannot: something newer is served, nothing was served before it, or
    /// it was reverted once already.
    /// </summary>
    public async ValueTask<(ApplyResult? Result, string? WhyNot)> RevertAsync(ConfigSnapshot bad, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bad);
        var ticket = Interlocked.Increment(ref _arrivals);
        await LoadHistoryAsync().ConfigureAwait(false);
        if (!ReferenceEquals(Served, bad))
        {
            return (null, "another configuration is served now");
        }

        var index = _history.Index;
        if (index.Reverted.Contains(bad.Hash, StringComparer.Ordinal))
        {
            return (null, $"the node reverted {bad.Hash} once already and never reverts a configuration twice");
        }

        var at = index.Entries.ToList().FindIndex(e => e.Hash == bad.Hash && e.End == ConfigHistoryEnd.Serving);
        if (at < 0 || at + 1 >= index.Entries.Count)
        {
            return (null, _history.IsEnabled ? "the history holds no configuration served before it" : "the node keeps no history");
        }

        var result = await GoBackAsync(index.Entries[at + 1].Hash, reason, SelfRevertActor, ConfigRollbackKind.Reverted, ticket, cancellationToken).ConfigureAwait(false);
        return (result, null);
    }

    /// <summary>Shows the bake's state (the bake calls this; the chain knows nothing of bakes beyond it).</summary>
    public void ReportBake(ConfigBakeState bake)
    {
        ArgumentNullException.ThrowIfNull(bake);
        UpdateState(s => s with { Bake = bake });
    }

    public void ReportStableConfig(string? stableHash)
    {
        if (stableHash is null)
        {
            return;
        }

        UpdateState(s => s.ControlPlaneStableHash == stableHash && s.RolloutCandidateHash != stableHash
            ? s
            : s with { ControlPlaneStableHash = stableHash, RolloutCandidateHash = s.RolloutCandidateHash == stableHash ? null : s.RolloutCandidateHash });
    }

    public void ReportState(ClusterLinkState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Log.LinkStateChanged(_logger, state.Status, state.Attempts, state.LastError);
        UpdateState(s => s with { Link = state });
    }

    /// <summary>Records the licence's state and stops or resumes serving as it says.</summary>
    public void ReportLicense(LicenseState license)
    {
        ArgumentNullException.ThrowIfNull(license);
        UpdateState(s => s with { License = license });
        SetServingStopped(license.ServingStopped);
    }

    /// <summary>
    /// Stops serving (readers see null) or serves the last applied snapshot again. Readers still do one
    /// volatile read; the change token fires when what they see changes.
    /// </summary>
    private void SetServingStopped(bool stopped)
    {
        ServedView previous;
        TaskCompletionSource<ConfigSnapshot>? previousSignal = null;
        ConfigSnapshot? visible;
        lock (_swapLock)
        {
            if (_servingStopped == stopped)
            {
                return;
            }

            _servingStopped = stopped;
            visible = stopped ? null : _current;
            previous = Interlocked.Exchange(ref _published, new ServedView(visible));
            if (visible is not null)
            {
                previousSignal = Interlocked.Exchange(ref _nextChange, NewSignal<ConfigSnapshot>());
            }

            // The state tells the truth about what readers get: nothing served is no tier and not ready.
            SetState(_state with { ServingTier = stopped ? ConfigOrigin.None : _appliedTier });
        }

        Signal(previousSignal, previous, visible);
    }

    internal void MarkStartupCompleted() => UpdateState(s => s with { StartupCompleted = true });

    /// <summary>Waits until the state satisfies a condition.</summary>
    internal async Task WaitForStateAsync(Func<DataPlaneState, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _nextState);
            if (condition(State))
            {
                return;
            }

            await signal.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (_writes is not null)
        {
            _writes.Changed -= OnWritesChanged;
        }

        Metrics.Dispose();
        _writeGate.Dispose();
    }

    private async ValueTask<ApplyResult> ApplyAsync(ConfigDocument document, long ticket, RollbackIntent? rollback, CancellationToken cancellationToken)
    {
        using var activity = DataPlaneActivities.StartApply(document.Origin);
        if (rollback?.State is { } going)
        {
            activity.Rollback(going.Kind == ConfigRollbackKind.Reverted ? "reverted" : "rolled_back", going.FromHash, going.Actor);
        }
        var started = _timeProvider.GetTimestamp();
        string? hash = null;
        ApplyResult result;

        // The history is read once, before the first apply needs it. A push from the control plane needs its refusals
        // before anything else (a refused hash is not even validated); any other apply (the start-up's cache, a
        // declarative source, an operator) needs it only at the swap, so it is read meanwhile, beside the hash and the
        // validators: at a restart it is not on the way to the first served request.
        var historyRead = _historyLoaded || document.Origin == ConfigOrigin.ControlPlane ? null : Task.Run(() => LoadHistoryAsync().AsTask(), CancellationToken.None);
        try
        {
            if (historyRead is null)
            {
                await LoadHistoryAsync().ConfigureAwait(false);
            }

            var (payload, computedHash) = _preparer.Prepare(document);
            hash = computedHash;
            if (document.Origin == ConfigOrigin.ControlPlane && RefusalOf(hash) is { } refusal)
            {
                throw new ConfigRejectedException(
                    RejectionReason.RolledBack,
                    $"this node {(refusal.Kind == ConfigRollbackKind.Reverted ? "reverted" : "rolled back")} from {hash} ({refusal.Actor}: {refusal.Reason}) and refuses it until the control plane or an operator applies another configuration");
            }

            if (Served is { } served && served.Hash == hash)
            {
                await HistoryReadAsync(historyRead).ConfigureAwait(false);
                result = Unchanged(document, hash);
                if (EndsRollbacks(document.Origin) && State.Rollback is not null)
                {
                    EndRollbacks(Served);
                    await PersistAsync(null, null, false, CancellationToken.None).ConfigureAwait(false);
                }
            }
            else
            {
                _signatureCheck?.Check(document, payload.Span);
                var model = await ValidateAsync(document, payload, cancellationToken).ConfigureAwait(false);
                await HistoryReadAsync(historyRead).ConfigureAwait(false);
                var snapshot = new ConfigSnapshot(payload, hash, document.Origin, _timeProvider.GetUtcNow(), model)
                {
                    Version = document.Version,
                    Timestamp = document.Timestamp,
                    Signature = document.Signature,
                    RolloutId = document.Origin == ConfigOrigin.ControlPlane ? document.RolloutId : null,
                    RequestedBake = document.Origin == ConfigOrigin.ControlPlane ? document.RequestedBake : null,
                };
                result = TrySwap(snapshot, ticket);
                if (result.Outcome == ApplyOutcome.Applied)
                {
                    // The state says at once what the swap did to the standing rollbacks; the history records it next.
                    ShowRollback(snapshot, rollback?.State);

                    // Not the caller's token: a served configuration must reach the cache and the history even when the
                    // caller (a link being stopped, say) gives up, or a restart would not find it. A cached entry read
                    // from another form (kind, key) is written in the configured cache's own form.
                    if (await PersistAsync(snapshot, rollback, document.MigratedFrom is not null, CancellationToken.None).ConfigureAwait(false) && document.MigratedFrom is { } from)
                    {
                        Log.CacheMigrated(_logger, hash, from, document.Source, _cache!.Description);
                    }
                }
            }
        }
        catch (ConfigRejectedException ex)
        {
            result = new ApplyResult(ApplyOutcome.Rejected, document.Origin, hash, ex.Reason, ex.Errors, _timeProvider.GetUtcNow());
            Log.ConfigRejected(_logger, document.Origin, document.Source, ex.Reason, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever a step throws (out of memory on a hostile document, a stack too deep, a bug), the apply
            // ends as a typed rejection: the served configuration stays and the caller gets a result, not an exception.
            var reason = ex is OutOfMemoryException ? RejectionReason.TooLarge : RejectionReason.PipelineFailed;
            var message = $"the apply pipeline failed with {ex.GetType().Name}: {ex.Message}";
            result = new ApplyResult(ApplyOutcome.Rejected, document.Origin, hash, reason, [message], _timeProvider.GetUtcNow());
            Log.ApplyFailed(_logger, document.Origin, document.Source, reason, ex);
        }

        // A rejected apply leaves no read behind (its failure, were there one, is the history's to log).
        if (historyRead is not null)
        {
            await historyRead.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Metrics.RecordApply(result, _timeProvider.GetElapsedTime(started));
        activity.Completed(result);
        if (result.Outcome != ApplyOutcome.Superseded)
        {
            UpdateState(s => s with { LastApplyResult = result });
        }

        return result;
    }

    private async ValueTask<object?> ValidateAsync(ConfigDocument document, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        // Every registered validator runs; none replaces another (ConfigValidators).
        var verdict = await _validators.ValidateAsync(payload, cancellationToken).ConfigureAwait(false);
        if (verdict.Failure is { } failure)
        {
            throw new ConfigRejectedException(RejectionReason.ValidatorFailed, verdict.Errors, failure);
        }

        if (!verdict.IsValid)
        {
            throw new ConfigRejectedException(RejectionReason.ValidatorRejected, verdict.Errors);
        }

        return verdict.Model;
    }

    private ApplyResult Unchanged(ConfigDocument document, string hash)
    {
        Log.ConfigUnchanged(_logger, hash, document.Origin);

        // A live tier confirming what we serve makes it the serving tier, without a swap or a cache write; a control
        // plane that sends it again as a rollout's candidate (a restarted node serving it from its cache) says so too.
        if (IsLive(document.Origin))
        {
            UpdateState(s =>
            {
                _appliedTier = document.Origin;
                var candidate = CandidateHash(document.Origin == ConfigOrigin.ControlPlane ? document.RolloutId : null, hash, s);
                s = s with { RolloutCandidateHash = candidate };
                return _servingStopped ? s : s with { ServingTier = document.Origin };
            });
        }

        return new ApplyResult(ApplyOutcome.Unchanged, document.Origin, hash, RejectionReason.None, [], _timeProvider.GetUtcNow());
    }

    private ApplyResult TrySwap(ConfigSnapshot snapshot, long ticket)
    {
        ServedView? previous = null;
        TaskCompletionSource<ConfigSnapshot> previousSignal;
        lock (_swapLock)
        {
            var served = _current;
            if (ticket < _currentTicket || !CanReplace(served?.Origin ?? ConfigOrigin.None, snapshot.Origin))
            {
                Log.ConfigSuperseded(_logger, snapshot.Hash, snapshot.Origin);
                return new ApplyResult(ApplyOutcome.Superseded, snapshot.Origin, snapshot.Hash, RejectionReason.None, [], _timeProvider.GetUtcNow());
            }

            Volatile.Write(ref _current, snapshot);
            _currentTicket = ticket;
            _appliedTier = snapshot.Origin;
            if (!_servingStopped)
            {
                // The snapshot and its change token are swapped as one: a reader never pairs a snapshot with a later token.
                previous = Interlocked.Exchange(ref _published, new ServedView(snapshot));
            }

            previousSignal = Interlocked.Exchange(ref _nextChange, NewSignal<ConfigSnapshot>());
            SetState(_state with
            {
                ServingTier = _servingStopped ? ConfigOrigin.None : snapshot.Origin,
                RolloutCandidateHash = CandidateHash(snapshot.RolloutId, snapshot.Hash, _state),
            });
        }

        Log.ConfigApplied(_logger, snapshot.Hash, snapshot.Origin);

        // Signal outside the lock: change-token callbacks run synchronously and may read or apply.
        Signal(previousSignal, previous, snapshot);
        return new ApplyResult(ApplyOutcome.Applied, snapshot.Origin, snapshot.Hash, RejectionReason.None, [], _timeProvider.GetUtcNow());
    }

    private static bool CanReplace(ConfigOrigin served, ConfigOrigin incoming) => TierRules.CanReplace(served, incoming);

    /// <summary>A rollout's candidate stays one until the control plane names its hash stable.</summary>
    private static string? CandidateHash(string? rolloutId, string hash, DataPlaneState state) =>
        rolloutId is not null && hash != state.ControlPlaneStableHash ? hash : null;

    private static bool IsLive(ConfigOrigin origin) => TierRules.IsLive(origin);

    /// <summary>The history the cache keeps, when it keeps one (a cache of one's own opts in by implementing <see cref="IConfigHistoryStore"/>); says once why there is none.</summary>
    private static ConfigHistory CreateHistory(IConfigCache? cache, int depth, TimeProvider timeProvider, ILogger logger, Action onWriteFailed)
    {
        string description;
        try
        {
            description = cache?.Description ?? "(no cache)";
        }
        catch (Exception ex)
        {
            description = $"(description threw {ex.GetType().Name})";
        }

        var store = cache as IConfigHistoryStore;
        if (depth <= 0)
        {
            Log.HistoryOff(logger, "Resilience:History:Depth is 0");
        }
        else if (cache is null)
        {
            Log.HistoryOff(logger, "no cache is configured");
        }
        else if (store is null)
        {
            Log.HistoryOff(logger, $"the cache {description} ({cache.GetType().Name}) keeps none (a cache keeps history by implementing IConfigHistoryStore)");
        }

        return new ConfigHistory(store, description, depth, timeProvider, logger, onWriteFailed);
    }

    /// <summary>The control plane or an operator applying a configuration ends the standing rollbacks; a rollback or a start-up tier does not.</summary>
    private static bool EndsRollbacks(ConfigOrigin origin) => origin is ConfigOrigin.ControlPlane or ConfigOrigin.Manual;

    private ConfigRollbackState? RefusalOf(string hash)
    {
        foreach (var refusal in _history.Index.Refused)
        {
            if (refusal.FromHash == hash)
            {
                return refusal;
            }
        }

        return null;
    }

    /// <summary>The history read an apply started beside its hash and validators (none: it was read before).</summary>
    private static async ValueTask HistoryReadAsync(Task? historyRead)
    {
        if (historyRead is not null)
        {
            await historyRead.ConfigureAwait(false);
        }
    }

    /// <summary>Reads the history once (the chain's start; else the first apply that needs its refusals or a rollback its entries).</summary>
    internal async ValueTask LoadHistoryAsync()
    {
        if (_historyLoaded)
        {
            return;
        }

        await _writeGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            // Another caller read it while this one waited (the start-up reads it beside the cache, an apply may too).
            if (_historyLoaded)
            {
                return;
            }

            await _history.LoadAsync(CancellationToken.None).ConfigureAwait(false);
            _historyLoaded = true;
            if (_history.Index.Refused is [var standing, ..])
            {
                UpdateState(s => s with { Rollback = standing });
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Writes what was just served to the cache (when its tier is cached) and to the history, or (no snapshot) only ends
    /// the standing rollbacks. Only the newest snapshot is worth writing; a newer apply writes its own. A cached entry read
    /// from another form (<paramref name="migrated"/>: another cache kind or key) is written to the configured cache too.
    /// </summary>
    /// <returns>Whether the snapshot was written to the cache.</returns>
    private async ValueTask<bool> PersistAsync(ConfigSnapshot? snapshot, RollbackIntent? rollback, bool migrated, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (snapshot is null)
            {
                await _history.EndRollbacksAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }

            if (!ReferenceEquals(Served, snapshot))
            {
                return false;
            }

            // Cache and history in one write where the store can (LMDB: one transaction, the payload stored once); when the
            // history does not take the cache write (off, not kept, or its write failed), the cache is written alone.
            var toCache = _cache is not null && (TierRules.IsCached(snapshot.Origin) || migrated);
            if (await _history.RecordAsync(snapshot, rollback?.End ?? ConfigHistoryEnd.Replaced, rollback?.State, EndsRollbacks(snapshot.Origin), toCache, cancellationToken).ConfigureAwait(false))
            {
                _writes?.MarkWritten(LocalWriteStatus.Cache);
                return true;
            }

            return toCache && await WriteCacheAsync(_cache!, snapshot, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>A rollback that now stands, or the end of the standing ones (the control plane or an operator applied another configuration).</summary>
    private void ShowRollback(ConfigSnapshot served, ConfigRollbackState? rollback)
    {
        if (rollback is not null)
        {
            _history.Stand(rollback);
            UpdateState(s => s with { Rollback = rollback });
            Metrics.RecordRollback(rollback.Kind);
            Log.RolledBack(_logger, rollback.Kind, rollback.FromHash, rollback.ToHash, rollback.Actor, rollback.Reason);
        }
        else if (EndsRollbacks(served.Origin))
        {
            EndRollbacks(served);
        }
    }

    private void EndRollbacks(ConfigSnapshot? served)
    {
        _history.Stand(null);
        if (State.Rollback is not null)
        {
            UpdateState(s => s with { Rollback = null });
            Log.RollbacksEnded(_logger, served?.Origin ?? ConfigOrigin.None, served?.Hash ?? "(none)");
        }
    }

    /// <returns>Whether the snapshot is in the cache now.</returns>
    private async ValueTask<bool> WriteCacheAsync(IConfigCache cache, ConfigSnapshot snapshot, CancellationToken cancellationToken)
    {
        try
        {
            await cache.SaveAsync(snapshot, cancellationToken).ConfigureAwait(false);
            _writes?.MarkWritten(LocalWriteStatus.Cache);
            return true;
        }
        catch (Exception ex)
        {
            // The write runs on no caller's token: even a cancellation here is the cache's own failure.
            Metrics.RecordCacheWriteFailure();
            Log.CacheWriteFailed(_logger, cache.Description, ex);
            _writes?.MarkNotWritten(LocalWriteStatus.Cache, cache.Description, $"{ex.Message}; the served configuration is not in the cache, so a restart would not find it");
            return false;
        }
    }

    private void OnWritesChanged() => UpdateState(s => s with { UnwrittenFiles = _writes!.Current });

    /// <summary>
    /// Serves a history entry again through the pipeline: its payload is read from the history and applied as a
    /// <see cref="ConfigOrigin.Rollback"/> document (signature and validator included); the configuration gone back from
    /// ends as <paramref name="kind"/> and is refused from the control plane while the rollback stands.
    /// </summary>
    private async ValueTask<ApplyResult> GoBackAsync(string requested, string? reason, string actor, ConfigRollbackKind kind, long ticket, CancellationToken cancellationToken)
    {
        var hash = requested.Trim().ToLowerInvariant();
        reason = HistoryIndexFormat.Clip(reason);
        actor = HistoryIndexFormat.Clip(actor)!;
        if (!HistoryIndexFormat.IsHash(hash))
        {
            return RefuseRollback(requested, actor, $"'{HistoryIndexFormat.Clip(requested)}' is not a configuration hash (64 hex characters)");
        }

        if (!_history.IsEnabled)
        {
            return RefuseRollback(hash, actor, "this node keeps no history (Resilience:History:Depth is 0, or its cache keeps none)");
        }

        await LoadHistoryAsync().ConfigureAwait(false);
        var from = Served;
        if (from?.Hash == hash)
        {
            return Finish(new ApplyResult(ApplyOutcome.Unchanged, ConfigOrigin.Rollback, hash, RejectionReason.None, [], _timeProvider.GetUtcNow()), _timeProvider.GetTimestamp());
        }

        if (_history.Index.Entries.FirstOrDefault(e => e.Hash == hash) is not { } entry)
        {
            return RefuseRollback(hash, actor, $"{hash} is not among the {_history.Index.Entries.Count} configurations of this node's history");
        }

        var stored = await _history.LoadPayloadAsync(hash, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            await DropFromHistoryAsync(hash).ConfigureAwait(false);
            return RefuseRollback(hash, actor, $"the history's copy of {hash} is missing or damaged; it was dropped");
        }

        var document = new ConfigDocument(stored.Content, stored.Format, ConfigOrigin.Rollback)
        {
            ExpectedHash = hash,
            Version = stored.Version ?? entry.Version,
            Timestamp = stored.Timestamp,
            Signature = stored.Signature,
            Source = $"history ({actor})",
        };
        var state = from is null ? null : new ConfigRollbackState
        {
            Kind = kind,
            FromHash = from.Hash,
            ToHash = hash,
            Reason = reason,
            Actor = actor,
            At = _timeProvider.GetUtcNow(),
        };
        var end = state is null ? ConfigHistoryEnd.Replaced : kind == ConfigRollbackKind.Reverted ? ConfigHistoryEnd.Reverted : ConfigHistoryEnd.RolledBack;
        var result = await ApplyAsync(document, ticket, new RollbackIntent(end, state), cancellationToken).ConfigureAwait(false);
        if (result.Outcome == ApplyOutcome.Rejected)
        {
            Log.RollbackRefused(_logger, hash, actor, result.Reason, string.Join("; ", result.Errors));
            if (result.Reason is RejectionReason.HashMismatch or RejectionReason.BadCompression or RejectionReason.InvalidJson)
            {
                // The stored payload is not the configuration its entry names: never offer it again.
                await DropFromHistoryAsync(hash).ConfigureAwait(false);
            }
        }

        return result;
    }

    private async ValueTask DropFromHistoryAsync(string hash)
    {
        await _writeGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await _history.DropAsync(hash, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private ApplyResult RefuseRollback(string hash, string actor, string why)
    {
        var started = _timeProvider.GetTimestamp();
        Log.RollbackRefused(_logger, hash, actor, RejectionReason.NotInHistory, why);
        return Finish(new ApplyResult(ApplyOutcome.Rejected, ConfigOrigin.Rollback, HistoryIndexFormat.IsHash(hash) ? hash : null, RejectionReason.NotInHistory, [why], _timeProvider.GetUtcNow()), started);
    }

    /// <summary>Counts and shows a result the pipeline did not produce itself (a rollback refused before it).</summary>
    private ApplyResult Finish(ApplyResult result, long started)
    {
        Metrics.RecordApply(result, _timeProvider.GetElapsedTime(started));
        UpdateState(s => s with { LastApplyResult = result });
        return result;
    }

    private void UpdateState(Func<DataPlaneState, DataPlaneState> change)
    {
        lock (_swapLock)
        {
            SetState(change(_state));
        }
    }

    private void SetState(DataPlaneState state)
    {
        Volatile.Write(ref _state, state);
        Interlocked.Exchange(ref _nextState, NewSignal<DataPlaneState>()).TrySetResult(state);

        // The state is written before its token is replaced, so a reader that takes the token and then the state
        // never misses a change. Fired on the pool: SetState runs under the swap lock and callbacks are the host's code.
        var replaced = Interlocked.Exchange(ref _stateToken, new ReplaceableToken());
        ThreadPool.UnsafeQueueUserWorkItem(static token => token.SignalReplaced(), replaced, preferLocal: false);
    }

    private static void Signal(TaskCompletionSource<ConfigSnapshot>? signal, ServedView? replaced, ConfigSnapshot? visible)
    {
        if (signal is not null && visible is not null)
        {
            signal.TrySetResult(visible);
        }

        replaced?.SignalReplaced();
    }

    private static TaskCompletionSource<T> NewSignal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What a rollback brings to the pipeline: how the configuration gone back from ends, and the rollback that then stands.</summary>
    private sealed record RollbackIntent(ConfigHistoryEnd End, ConfigRollbackState? State);

    /// <summary>
    /// What readers see (a snapshot, or nothing while serving is stopped) with the change token that fires
    /// when it is replaced, as YARP's <c>InMemoryConfigProvider</c> keeps a token on each config. The view is
    /// swapped with one exchange and its source is then cancelled, never disposed: a reader that took the
    /// token a moment before the swap still holds a live token, which has fired.
    /// </summary>
    /// <summary>A change token whose source is cancelled when it is replaced, never disposed (as <see cref="ServedView"/>).</summary>
    private sealed class ReplaceableToken
    {
        private readonly CancellationTokenSource _replaced = new();

        public ReplaceableToken() => ChangeToken = new CancellationChangeToken(_replaced.Token);

        public IChangeToken ChangeToken { get; }

        public void SignalReplaced() => _replaced.Cancel();
    }

    private sealed class ServedView
    {
        private readonly CancellationTokenSource _replaced = new();

        public ServedView(ConfigSnapshot? snapshot)
        {
            Snapshot = snapshot;
            ChangeToken = new CancellationChangeToken(_replaced.Token);
        }

        public ConfigSnapshot? Snapshot { get; }

        public IChangeToken ChangeToken { get; }

        public void SignalReplaced() => _replaced.Cancel();
    }
}
