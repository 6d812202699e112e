using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>
/// Exports validated configurations to the fallback store when this node is the elected exporter, taking part in
/// the exporter election under <c>&lt;prefix&gt;/&lt;version&gt;/election/</c>. Usable on either plane: a data plane
/// with <see cref="FallbackStoreOptions.Export"/> on runs one over its served configuration; a control plane creates
/// one per data-plane version, calls <see cref="Offer"/> with every configuration it publishes, runs
/// <see cref="RunAsync"/> while it runs and <see cref="ResignAsync"/> on a graceful stop.
/// </summary>
/// <remarks>
/// <para>Every <see cref="FallbackStoreOptions.ElectionInterval"/> the node rewrites
/// <c>&lt;version&gt;/election/&lt;node id&gt;</c>, lists the registrations and applies <see cref="ExporterElection"/>:
/// the lead is held by a claim (a term in the registration). The incumbent keeps it while its registration is
/// fresh; when no fresh claim exists, the candidate (first registered, and registered for one interval itself)
/// claims with a higher term than any in the store, and acts on its claim only once the claim has stood for the
/// grace and a later listing still shows it winning. A node whose registration may have gone stale (a freeze, a
/// store outage) confirms its claim the same way before it exports again.</para>
/// <para>A round is bounded by <see cref="FallbackStoreOptions.ElectionGrace"/>: the registration, the listing,
/// the hash check and the upload all happen inside one round, and a round that overruns the grace gives up
/// the lead for that round (a stalled call that returns late never leads to an upload). Before it uploads,
/// the leader reads the stored configuration and skips the upload when the store already holds that hash; on
/// an <see cref="IConditionalFallbackStore"/> it writes only if the object is still the version it read.</para>
/// <para>The leader uploads the latest offered configuration to <c>&lt;version&gt;/config.json</c> once it has
/// been stable for <see cref="FallbackStoreOptions.ExportDelay"/> (each new offer restarts the wait).</para>
/// </remarks>
public sealed class FallbackConfigExporter : IDisposable
{
    private readonly IFallbackStore _store;
    private readonly string _nodeId;
    private readonly string _hostname;
    private readonly string _version;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _grace;
    private readonly TimeSpan _freshness;
    private readonly TimeSpan _exportDelay;
    private readonly long _maxConfigBytes;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ExportMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly Func<ExportCandidate?>? _candidateSource;
    private readonly object _candidateLock = new();

    private ExportCandidate? _candidate;
    private DateTimeOffset _candidateChangedAt;
    private DateTimeOffset _firstRegistered;
    private DateTimeOffset _exportRetryAt;
    private DateTimeOffset? _lastRegistered;
    private DateTimeOffset? _establishedSince;
    private DateTimeOffset? _claimStandsAfter;
    private long _claimTerm;
    private bool _registered;
    private bool _isLeader;
    private string? _leader;
    private string? _storedHash;
    private long _rounds;
    private long _exports;
    private long _idleUntilTicks;
    private ExporterStatus _status = ExporterStatus.Initial;
    private TaskCompletionSource _wake = NewSignal();
    private TaskCompletionSource<ExporterStatus> _nextStatus = NewSignal<ExporterStatus>();

    /// <summary>Creates an exporter.</summary>
    /// <param name="store">The fallback store (from an <see cref="IFallbackStoreFactory"/>, or your own).</param>
    /// <param name="options">Who this exporter is in the election, its timings and its meter.</param>
    /// <param name="timeProvider">The clock for rounds and the debounce.</param>
    /// <param name="logger">The logger (event ids 3100-3199).</param>
    /// <param name="meterFactory">Creates the exporter's meter; <see langword="null"/> for a meter of its own, disposed with the exporter.</param>
    /// <exception cref="OptionsValidationException">The options are invalid, or the grace is shorter than the store's retry budget (<see cref="IRetryingFallbackStore"/>).</exception>
    public FallbackConfigExporter(IFallbackStore store, FallbackConfigExporterOptions options, TimeProvider timeProvider, ILogger logger, IMeterFactory? meterFactory = null)
        : this(store, Validated(options), timeProvider, logger, new ExportMetrics(meterFactory, options.MeterName, null), candidateSource: null)
    {
        _ownsMetrics = true;
    }

    /// <summary>Creates an exporter that shares its instruments (the data plane's) and may pull its candidate.</summary>
    /// <param name="store">The fallback store.</param>
    /// <param name="options">Identity and timings (already validated).</param>
    /// <param name="timeProvider">The clock for rounds and the debounce.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="metrics">The instruments; the caller owns them.</param>
    /// <param name="candidateSource">Optional pull source of the configuration to export, read on every round and every <see cref="Wake"/>.</param>
    /// <exception cref="OptionsValidationException">The grace is shorter than the store's retry budget (<see cref="IRetryingFallbackStore"/>).</exception>
    internal FallbackConfigExporter(
        IFallbackStore store,
        FallbackConfigExporterOptions options,
        TimeProvider timeProvider,
        ILogger logger,
        ExportMetrics metrics,
        Func<ExportCandidate?>? candidateSource)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrEmpty(options.NodeId);
        ArgumentException.ThrowIfNullOrEmpty(options.NodeVersion);
        ElectionGraceCheck.ThrowIfShorterThanRetryBudget(store, options.ElectionGrace);
        _store = store;
        _nodeId = options.NodeId;
        _hostname = options.Hostname;
        _version = options.NodeVersion;
        _interval = options.ElectionInterval;
        _grace = options.ElectionGrace;
        _freshness = options.ElectionInterval + options.ElectionGrace;
        _exportDelay = options.ExportDelay;
        _maxConfigBytes = options.MaxConfigBytes;
        _timeProvider = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _candidateSource = candidateSource;
    }

    /// <summary>Gets a value indicating whether this node is the active exporter (as of its last round).</summary>
    public bool IsLeader => Volatile.Read(ref _status).IsLeader;

    /// <summary>Gets when the idle loop next wakes by itself, or <see langword="null"/> while it works (tests use it to settle a fake clock).</summary>
    internal DateTimeOffset? IdleUntil => Volatile.Read(ref _idleUntilTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>Gets what the loop has done so far.</summary>
    internal ExporterStatus Status => Volatile.Read(ref _status);

    /// <summary>Offers a validated configuration for export (the latest offer wins); the leader uploads it once it has been stable for the export delay.</summary>
    /// <param name="json">The configuration as UTF-8 JSON, exactly as the data planes serve it (its SHA-256 is the configuration hash); it must not change after the call.</param>
    /// <param name="signature">The control plane's signature of <paramref name="json"/> (<see cref="ConfigSignature"/>), when configurations are signed; exported so importers can check it.</param>
    public void Offer(ReadOnlyMemory<byte> json, string? signature = null)
    {
        SetCandidate(new ExportCandidate(json, ConfigHash.Compute(json.Span), signature));
        Wake();
    }

    /// <summary>Makes the loop re-read its candidate source now.</summary>
    internal void Wake()
    {
        Volatile.Write(ref _idleUntilTicks, 0);
        Interlocked.Exchange(ref _wake, NewSignal()).TrySetResult();
    }

    /// <summary>Disposes the instruments this exporter created (a meter of its own when no meter factory was given).</summary>
    public void Dispose()
    {
        if (_ownsMetrics)
        {
            _metrics.Dispose();
        }
    }

    /// <summary>Runs the election and export loop until cancelled. Store failures never end it.</summary>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <returns>A task that completes (cancelled) when the loop stops.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Log.ExporterStarted(_logger, _store.Description, _version, _nodeId, _interval, _grace, _exportDelay);
        _firstRegistered = _timeProvider.GetUtcNow();
        var nextRound = _firstRegistered;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var wake = Volatile.Read(ref _wake);
                PullCandidate();

                // An export is never made on an earlier round's result: when one is due, a fresh round decides and uploads.
                var exportDue = _isLeader ? ExportDueAt() : null;
                var now = _timeProvider.GetUtcNow();
                if (now >= nextRound || exportDue <= now)
                {
                    nextRound = await RoundAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var due = exportDue is { } d && d < nextRound ? d : nextRound;
                using var waitCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var timer = Task.Delay(due - now, _timeProvider, waitCancel.Token);

                // Published after the timer exists: a test that sees this status and advances the clock fires it.
                PublishStatus();
                Volatile.Write(ref _idleUntilTicks, due.UtcTicks);
                if (wake.Task.IsCompleted)
                {
                    Volatile.Write(ref _idleUntilTicks, 0);
                }

                await Task.WhenAny(timer, wake.Task).ConfigureAwait(false);
                Volatile.Write(ref _idleUntilTicks, 0);
                await waitCancel.CancelAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            // A stop is not a demotion: no "the leader is now ..." line naming this node (event 3101).
            if (_isLeader)
            {
                Log.ExporterStopped(_logger, _nodeId);
            }

            _isLeader = false;
            _metrics.SetLeader(false);
            PublishStatus();
        }
    }

    /// <summary>Withdraws this node's registration so another exporter takes over at its next round (best effort, on a graceful stop).</summary>
    /// <param name="cancellationToken">Bounds the delete.</param>
    /// <returns>A task that completes when the registration is gone or the delete failed.</returns>
    public async Task ResignAsync(CancellationToken cancellationToken)
    {
        if (!_registered)
        {
            return;
        }

        try
        {
            await _store.DeleteAsync(FallbackStoreKeys.Election(_version, _nodeId), cancellationToken).ConfigureAwait(false);
            _registered = false;
            _claimTerm = 0;
            Log.ExporterResigned(_logger, _nodeId, _store.Description);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _metrics.RecordStoreFailure("resign");
            Log.ExporterResignFailed(_logger, _store.Description, ex);
        }
    }

    /// <summary>Waits until the published status satisfies a condition (tests).</summary>
    internal async Task<ExporterStatus> WaitForStatusAsync(Func<ExporterStatus, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _nextStatus);
            var status = Status;
            if (condition(status))
            {
                return status;
            }

            await signal.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One round, bounded by the grace: register, list, read the fresh registrations, decide, and upload when
    /// this node leads and an export is due. Returns when the next round is due.
    /// </summary>
    private async Task<DateTimeOffset> RoundAsync(CancellationToken stopping)
    {
        var started = _timeProvider.GetUtcNow();
        if (_lastRegistered is { } last && started - last > _freshness)
        {
            // Frozen or cut off for longer than the freshness: others may have seen us stale and claimed the lead.
            _establishedSince = null;
            _claimStandsAfter = null;
        }

        using var deadline = new CancellationTokenSource(_grace, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, deadline.Token);
        var token = linked.Token;
        var step = "register";
        try
        {
            var ownKey = FallbackStoreKeys.Election(_version, _nodeId);
            await RegisterAsync(started, started, deadline, token).ConfigureAwait(false);

            step = "list";
            var listStarted = _timeProvider.GetUtcNow();
            var listing = await _store.ListAsync(FallbackStoreKeys.ElectionPrefix(_version), token).ConfigureAwait(false);
            ThrowIfOverrun(started, deadline);

            // "Now" by the store's clock: our own registration was written a moment ago. Only if the store
            // does not show it yet do we fall back to our clock.
            var storeNow = listing.FirstOrDefault(i => i.Key == ownKey)?.LastModified ?? _timeProvider.GetUtcNow();

            step = "read";
            var registrations = new List<ElectionRegistration>();
            foreach (var info in listing)
            {
                if (info.LastModified < storeNow - _freshness)
                {
                    continue;
                }

                if (info.Key == ownKey)
                {
                    registrations.Add(new ElectionRegistration(_nodeId, _firstRegistered, info.LastModified, _claimTerm));
                    continue;
                }

                var stored = await _store.GetAsync(info.Key, ExportConstants.MaxRegistrationBytes, token).ConfigureAwait(false);
                ThrowIfOverrun(started, deadline);
                if (stored is not null && ElectionRegistration.TryParse(stored.Content.Span, stored.LastModified) is { } registration)
                {
                    registrations.Add(registration);
                }
            }

            step = "decide";
            var now = _timeProvider.GetUtcNow();
            var leads = false;
            string? leader;
            var claim = ExporterElection.ChooseClaim(registrations, storeNow, _freshness);
            if (claim is not null && claim.NodeId != _nodeId)
            {
                if (_claimTerm > 0)
                {
                    Log.LeadClaimWithdrawn(_logger, _nodeId, _claimTerm, claim.NodeId, claim.LeadTerm);
                    _claimTerm = 0;
                    _claimStandsAfter = null;
                }

                leader = claim.NodeId;
            }
            else if (claim is not null)
            {
                // Our claim wins; it counts once it has stood for the grace before this listing began, so that
                // any rival that decided to claim before it could see ours has written its claim by now.
                leader = _nodeId;
                leads = _claimStandsAfter is { } stands && listStarted >= stands;
            }
            else
            {
                leader = null;
                var established = _establishedSince is { } since && now - since >= _interval;
                if (established && ExporterElection.ChooseCandidate(registrations, storeNow, _freshness) == _nodeId)
                {
                    step = "claim";
                    var term = await NewTermAsync(listing, registrations, ownKey, token).ConfigureAwait(false);
                    ThrowIfOverrun(started, deadline);
                    _claimTerm = term;
                    _claimStandsAfter = null;
                    await RegisterAsync(_timeProvider.GetUtcNow(), started, deadline, token).ConfigureAwait(false);
                    Log.LeadClaimed(_logger, _nodeId, term, _grace);
                    leader = _nodeId;
                }
            }

            _rounds++;
            Log.ElectionRound(_logger, _rounds, registrations.Count, leader, leads);
            SetLeader(leads, leader);

            DateTimeOffset? exportNext = null;
            if (leads)
            {
                step = "export";
                exportNext = await ExportIfDueAsync(started, deadline, token).ConfigureAwait(false);
            }

            return NextRound(now, leader, leads, registrations, storeNow, exportNext);
        }
        catch (Exception) when (deadline.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            // A round longer than the grace may have run on a picture others no longer share: do not act on it.
            _metrics.RecordStoreFailure($"election-{step}-timeout");
            Log.ElectionRoundOverran(_logger, _store.Description, _grace, step);
            _rounds++;
            _establishedSince = null;
            _claimStandsAfter = null;
            SetLeader(false, null, "an election round took longer than the grace");
            return _timeProvider.GetUtcNow() + _interval;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // Without a complete picture this node must not export: two leaders are worse than a late export.
            _metrics.RecordStoreFailure($"election-{step}");
            Log.ElectionRoundFailed(_logger, _store.Description, step, ex);
            _rounds++;
            _establishedSince = null;
            SetLeader(false, null, "an election round failed");
            return _timeProvider.GetUtcNow() + _interval;
        }
    }

    private DateTimeOffset NextRound(DateTimeOffset now, string? leader, bool leads, List<ElectionRegistration> registrations, DateTimeOffset storeNow, DateTimeOffset? exportNext)
    {
        var next = now + _interval;
        if (leader == _nodeId && !leads && _claimStandsAfter is { } stands)
        {
            // Act on the claim as soon as it has stood for the grace.
            next = Earliest(next, stands);
        }
        else if (leader is null && _establishedSince is { } since)
        {
            next = Earliest(next, since + _interval);
        }
        else if (leader is not null && leader != _nodeId && registrations.Find(r => r.NodeId == leader) is { } current)
        {
            // Check again the moment the leader's registration would go stale (store clock, mapped to ours).
            next = Earliest(next, now + (current.LastModified + _freshness - storeNow) + TimeSpan.FromMilliseconds(1));
        }

        if (exportNext is { } export)
        {
            next = Earliest(next, export);
        }

        var soonest = now + (_interval / 10);
        return next < soonest ? soonest : next;
    }

    /// <summary>Writes this node's registration (with its claim, if any) and notes when, for the staleness and establishment checks.</summary>
    private async Task RegisterAsync(DateTimeOffset writeStarted, DateTimeOffset roundStarted, CancellationTokenSource deadline, CancellationToken token)
    {
        var content = ElectionRegistration.Serialize(_nodeId, _hostname, _firstRegistered, _claimTerm);
        var metadata = new Dictionary<string, string> { [ExportConstants.ExporterNodeIdMetadataKey] = _nodeId };
        await _store.PutAsync(FallbackStoreKeys.Election(_version, _nodeId), content, metadata, token).ConfigureAwait(false);
        _registered = true;
        ThrowIfOverrun(roundStarted, deadline);
        _lastRegistered = writeStarted;
        _establishedSince ??= writeStarted;
        if (_claimTerm > 0 && _claimStandsAfter is null)
        {
            _claimStandsAfter = _timeProvider.GetUtcNow() + _grace;
        }
    }

    /// <summary>
    /// The term for a new claim: above every term in the store (stale registrations included, so a claim that
    /// comes back from a stalled or frozen node loses) and at least this node's clock in Unix milliseconds, so a
    /// stale registration that cannot be read (a writer killed mid-upload) cannot hold a higher term unless it
    /// was made later, by a clock ahead of ours.
    /// </summary>
    private async Task<long> NewTermAsync(IReadOnlyList<StoredObjectInfo> listing, List<ElectionRegistration> fresh, string ownKey, CancellationToken token)
    {
        var highest = fresh.Count == 0 ? 0 : fresh.Max(r => r.LeadTerm);
        var read = fresh.Select(r => FallbackStoreKeys.Election(_version, r.NodeId)).ToHashSet(StringComparer.Ordinal);
        foreach (var info in listing)
        {
            if (info.Key == ownKey || read.Contains(info.Key))
            {
                continue;
            }

            try
            {
                var stored = await _store.GetAsync(info.Key, ExportConstants.MaxRegistrationBytes, token).ConfigureAwait(false);
                if (stored is not null && ElectionRegistration.TryParse(stored.Content.Span, stored.LastModified) is { } registration && registration.LeadTerm > highest)
                {
                    highest = registration.LeadTerm;
                }
            }
            catch (FallbackStoreException) when (!token.IsCancellationRequested)
            {
                // A stale registration that cannot be read must not stop the election: the clock floor covers it.
                _metrics.RecordStoreFailure("election-read");
            }
        }

        return Math.Max(highest + 1, _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
    }

    /// <summary>When the candidate should be uploaded, or <see langword="null"/> when nothing is pending.</summary>
    private DateTimeOffset? ExportDueAt()
    {
        ExportCandidate? candidate;
        DateTimeOffset changedAt;
        lock (_candidateLock)
        {
            candidate = _candidate;
            changedAt = _candidateChangedAt;
        }

        if (candidate is null || candidate.Hash == _storedHash)
        {
            return null;
        }

        var due = changedAt + _exportDelay;
        return _exportRetryAt > due ? _exportRetryAt : due;
    }

    /// <summary>
    /// Inside a round this node leads: reads what the store holds and uploads the candidate when it is due and
    /// differs. Returns when to look again, or <see langword="null"/> when nothing is pending.
    /// </summary>
    private async Task<DateTimeOffset?> ExportIfDueAsync(DateTimeOffset started, CancellationTokenSource deadline, CancellationToken token)
    {
        var due = ExportDueAt();
        var now = _timeProvider.GetUtcNow();
        if (due is null || now < due)
        {
            return due;
        }

        ExportCandidate candidate;
        lock (_candidateLock)
        {
            candidate = _candidate!;
        }

        var key = FallbackStoreKeys.Config(_version);
        using var activity = DataPlaneActivities.StartStoreOperation(DataPlaneActivities.Export, _store.Description, key);
        activity?.SetTag(DataPlaneActivities.HashTag, candidate.Hash);
        StoredObject? stored;
        try
        {
            stored = await _store.GetAsync(key, _maxConfigBytes, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!deadline.IsCancellationRequested && (ex is not OperationCanceledException || !token.IsCancellationRequested))
        {
            _metrics.RecordStoreFailure("export-read");
            activity.Failed(ex);
            Log.ExportedHashUnknown(_logger, _store.Description, candidate.Hash, ex);
            _exportRetryAt = now + _interval;
            return _exportRetryAt;
        }

        ThrowIfOverrun(started, deadline);
        var storedHash = stored is null ? null : ConfigHash.Compute(stored.Content.Span);
        if (storedHash == candidate.Hash)
        {
            _storedHash = storedHash;
            Log.ExportUnchanged(_logger, candidate.Hash);
            activity?.SetTag(DataPlaneActivities.ExportResultTag, "unchanged");
            return null;
        }

        var metadata = new Dictionary<string, string>
        {
            [ExportConstants.ExporterNodeIdMetadataKey] = _nodeId,
            [ExportConstants.ConfigHashMetadataKey] = candidate.Hash,
        };
        if (candidate.Signature is { } signature)
        {
            metadata[FallbackImporter.SignatureMetadataKey] = signature;
        }

        // Last check before the write: a node frozen since the read must not upload on what it read then.
        ThrowIfOverrun(started, deadline);
        try
        {
            if (_store is IConditionalFallbackStore conditional)
            {
                if (!await conditional.TryPutAsync(key, candidate.Payload, metadata, stored?.Version, token).ConfigureAwait(false))
                {
                    // Someone else wrote the object since we read it: not an error; read it again next round.
                    Log.ExportRaced(_logger, _store.Description, candidate.Hash);
                    activity?.SetTag(DataPlaneActivities.ExportResultTag, "raced");
                    _storedHash = null;
                    _exportRetryAt = now;
                    return now + (_interval / 10);
                }
            }
            else
            {
                await _store.PutAsync(key, candidate.Payload, metadata, token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!deadline.IsCancellationRequested && (ex is not OperationCanceledException || !token.IsCancellationRequested))
        {
            _metrics.RecordStoreFailure("export");
            activity.Failed(ex);
            Log.ExportFailed(_logger, candidate.Hash, _store.Description, ex);
            _exportRetryAt = now + _interval;
            return _exportRetryAt;
        }

        _storedHash = candidate.Hash;
        _exports++;
        _metrics.RecordExport();
        activity?.SetTag(DataPlaneActivities.ExportResultTag, "uploaded");
        Log.ConfigExported(_logger, candidate.Hash, _store.Description, key);
        return null;
    }

    private void ThrowIfOverrun(DateTimeOffset started, CancellationTokenSource deadline)
    {
        if (_timeProvider.GetUtcNow() - started > _grace)
        {
            // The store call returned, but too late (it ignored the deadline): treat it as the deadline firing.
            deadline.Cancel();
        }

        deadline.Token.ThrowIfCancellationRequested();
    }

    private static FallbackConfigExporterOptions Validated(FallbackConfigExporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new FallbackConfigExporterOptionsValidator().Validate(Options.DefaultName, options);
        return result.Failed ? throw new OptionsValidationException(Options.DefaultName, typeof(FallbackConfigExporterOptions), result.Failures) : options;
    }

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private void PullCandidate()
    {
        if (_candidateSource?.Invoke() is { } candidate)
        {
            SetCandidate(candidate);
        }
    }

    private void SetCandidate(ExportCandidate candidate)
    {
        lock (_candidateLock)
        {
            if (_candidate?.Hash == candidate.Hash)
            {
                return;
            }

            _candidate = candidate;
            _candidateChangedAt = _timeProvider.GetUtcNow();
        }
    }

    private void SetLeader(bool leads, string? leader, string? pauseReason = null)
    {
        if (leads && !_isLeader)
        {
            // What the store holds may have changed while another node led: read it again before any upload.
            _storedHash = null;
            Log.ExporterElected(_logger, _nodeId, _store.Description, _version);
        }
        else if (!leads && _isLeader)
        {
            if (leader is not null && leader != _nodeId)
            {
                Log.ExporterDemoted(_logger, _nodeId, leader);
            }
            else
            {
                Log.ExporterPaused(_logger, _nodeId, pauseReason ?? "its claim to the lead must stand for the grace again");
            }
        }

        _isLeader = leads;
        _leader = leader;
        _metrics.SetLeader(leads);
    }

    private void PublishStatus()
    {
        var status = new ExporterStatus(_rounds, _isLeader, _leader, _storedHash, _exports);
        Volatile.Write(ref _status, status);
        Interlocked.Exchange(ref _nextStatus, NewSignal<ExporterStatus>()).TrySetResult(status);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource<T> NewSignal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
