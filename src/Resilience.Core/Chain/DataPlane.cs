using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Resilience;

/// <summary>
/// Holds the served snapshot and runs the one apply pipeline every tier goes through:
/// prepare (limits, decompress, convert, hash) -> same-hash check -> host validator -> swap -> cache write.
/// Readers do one volatile read; writers take a short lock only to swap.
/// </summary>
internal sealed class DataPlane : IDataPlane, IClusterLinkContext, ILicensedServing, IDisposable
{
    private readonly ConfigPreparer _preparer;
    private readonly ConfigValidators _validators;
    private readonly ConfigSignatureCheck? _signatureCheck;
    private readonly IConfigCache? _cache;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly object _swapLock = new();
    private readonly SemaphoreSlim _cacheWriteGate = new(1, 1);
    private readonly NodeIdentityProvider _identity;
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

    /// <summary>Created by the container: the cache comes guarded from <see cref="ChainTiers"/> (a broken one is left out).</summary>
    public DataPlane(
        ConfigPreparer preparer,
        ConfigValidators validators,
        ChainTiers tiers,
        NodeIdentityProvider identity,
        TimeProvider timeProvider,
        ILogger<DataPlane> logger,
        ConfigSignatureCheck signatureCheck,
        IMeterFactory? meterFactory = null,
        LocalWriteStatus? writes = null)
        : this(preparer, validators, tiers.Cache, identity, timeProvider, logger, meterFactory, signatureCheck, writes)
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
        LocalWriteStatus? writes = null)
        : this(preparer, new ConfigValidators([validator]), cache, identity, timeProvider, logger, meterFactory, signatureCheck, writes)
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
        Metrics = new ChainMetrics(meterFactory, () => State, () => Current, timeProvider);
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

    internal ChainMetrics Metrics { get; }

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
        return ApplyAsync(document, ticket, cancellationToken);
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
        _cacheWriteGate.Dispose();
    }

    private async ValueTask<ApplyResult> ApplyAsync(ConfigDocument document, long ticket, CancellationToken cancellationToken)
    {
        using var activity = DataPlaneActivities.StartApply(document.Origin);
        var started = _timeProvider.GetTimestamp();
        string? hash = null;
        ApplyResult result;
        try
        {
            var (payload, computedHash) = _preparer.Prepare(document);
            hash = computedHash;
            if (Served is { } served && served.Hash == hash)
            {
                result = Unchanged(document, hash);
            }
            else
            {
                _signatureCheck?.Check(document, payload.Span);
                var model = await ValidateAsync(document, payload, cancellationToken).ConfigureAwait(false);
                var snapshot = new ConfigSnapshot(payload, hash, document.Origin, _timeProvider.GetUtcNow(), model)
                {
                    Version = document.Version,
                    Timestamp = document.Timestamp,
                    Signature = document.Signature,
                    RolloutId = document.Origin == ConfigOrigin.ControlPlane ? document.RolloutId : null,
                };
                result = TrySwap(snapshot, ticket);
                if (result.Outcome == ApplyOutcome.Applied && (document.Origin != ConfigOrigin.Cache || document.MigratedFrom is not null))
                {
                    // Not the caller's token: a served configuration must reach the cache even when the
                    // caller (a link being stopped, say) gives up, or a restart would not find it. A cached entry read
                    // from another form (kind, key) is written in the configured cache's own form.
                    if (await WriteCacheAsync(snapshot, CancellationToken.None).ConfigureAwait(false) && document.MigratedFrom is { } from)
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

    private static bool CanReplace(ConfigOrigin served, ConfigOrigin incoming) => TierPrecedence.CanReplace(served, incoming);

    /// <summary>A rollout's candidate stays one until the control plane names its hash stable.</summary>
    private static string? CandidateHash(string? rolloutId, string hash, DataPlaneState state) =>
        rolloutId is not null && hash != state.ControlPlaneStableHash ? hash : null;

    private static bool IsLive(ConfigOrigin origin) => TierPrecedence.IsLive(origin);

    /// <returns>Whether the snapshot is in the cache now.</returns>
    private async ValueTask<bool> WriteCacheAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (_cache is null)
        {
            return false;
        }

        await _cacheWriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Only the newest snapshot is worth writing; a newer apply writes its own.
            if (!ReferenceEquals(Served, snapshot))
            {
                return false;
            }

            await _cache.SaveAsync(snapshot, cancellationToken).ConfigureAwait(false);
            _writes?.MarkWritten(LocalWriteStatus.Cache);
            return true;
        }
        catch (Exception ex)
        {
            // The write runs on no caller's token: even a cancellation here is the cache's own failure.
            Metrics.RecordCacheWriteFailure();
            Log.CacheWriteFailed(_logger, _cache.Description, ex);
            _writes?.MarkNotWritten(LocalWriteStatus.Cache, _cache.Description, $"{ex.Message}; the served configuration is not in the cache, so a restart would not find it");
            return false;
        }
        finally
        {
            _cacheWriteGate.Release();
        }
    }

    private void OnWritesChanged() => UpdateState(s => s with { UnwrittenFiles = _writes!.Current });

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
