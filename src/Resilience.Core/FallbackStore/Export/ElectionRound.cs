using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>
/// One exporter's side of the election, round by round: it rewrites <c>&lt;version&gt;/election/&lt;node id&gt;</c>, lists
/// and reads the fresh registrations, applies <see cref="ExporterElection"/>, claims the lead when it is the candidate
/// and nobody holds it, and, while its claim stands, runs the leader's <see cref="ConfigUpload"/> inside the same round.
/// A round is bounded by the grace (<see cref="RoundDeadline"/>); a round that fails or overruns gives up the lead.
/// </summary>
internal sealed class ElectionRound
{
    private readonly IFallbackStore _store;
    private readonly string _nodeId;
    private readonly string _hostname;
    private readonly string _version;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _grace;
    private readonly TimeSpan _freshness;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ExportMetrics _metrics;
    private readonly ConfigUpload _upload;
    private readonly string _ownKey;

    private DateTimeOffset _firstRegistered;
    private DateTimeOffset? _lastRegistered;
    private DateTimeOffset? _establishedSince;
    private DateTimeOffset? _claimStandsAfter;
    private long _claimTerm;
    private long _rounds;
    private bool _registered;
    private volatile bool _isLeader;

    public ElectionRound(IFallbackStore store, FallbackConfigExporterOptions options, TimeProvider timeProvider, ILogger logger, ExportMetrics metrics, ConfigUpload upload)
    {
        _store = store;
        _nodeId = options.NodeId!;
        _hostname = options.Hostname;
        _version = options.NodeVersion!;
        _interval = options.ElectionInterval;
        _grace = options.ElectionGrace;
        _freshness = options.ElectionInterval + options.ElectionGrace;
        _timeProvider = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _upload = upload;
        _ownKey = FallbackStoreKeys.Election(_version, _nodeId);
    }

    /// <summary>Gets a value indicating whether this node leads (as of its last round).</summary>
    public bool IsLeader => _isLeader;

    /// <summary>Notes when this process first registers: earlier registrations are earlier candidates.</summary>
    public void Begin() => _firstRegistered = _timeProvider.GetUtcNow();

    /// <summary>
    /// One round, bounded by the grace: register, list, read the fresh registrations, decide, and upload when
    /// this node leads and an export is due. Returns when the next round is due.
    /// </summary>
    public async Task<DateTimeOffset> RunAsync(CancellationToken stopping)
    {
        var started = _timeProvider.GetUtcNow();
        if (_lastRegistered is { } last && started - last > _freshness)
        {
            // Frozen or cut off for longer than the freshness: others may have seen us stale and claimed the lead.
            _establishedSince = null;
            _claimStandsAfter = null;
        }

        using var deadline = new RoundDeadline(_timeProvider, _grace, stopping);
        var token = deadline.Token;
        var step = "register";
        try
        {
            await RegisterAsync(started, deadline).ConfigureAwait(false);

            step = "list";
            var listStarted = _timeProvider.GetUtcNow();
            var listing = await _store.ListAsync(FallbackStoreKeys.ElectionPrefix(_version), token).ConfigureAwait(false);
            deadline.ThrowIfOverrun();

            // "Now" by the store's clock: our own registration was written a moment ago. Only if the store
            // does not show it yet do we fall back to our clock.
            var storeNow = listing.FirstOrDefault(i => i.Key == _ownKey)?.LastModified ?? _timeProvider.GetUtcNow();

            step = "read";
            var registrations = new List<ElectionRegistration>();
            foreach (var info in listing)
            {
                if (info.LastModified < storeNow - _freshness)
                {
                    continue;
                }

                if (info.Key == _ownKey)
                {
                    registrations.Add(new ElectionRegistration(_nodeId, _firstRegistered, info.LastModified, _claimTerm));
                    continue;
                }

                var stored = await _store.GetAsync(info.Key, ExportConstants.MaxRegistrationBytes, token).ConfigureAwait(false);
                deadline.ThrowIfOverrun();
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
                    var term = await NewTermAsync(listing, registrations, token).ConfigureAwait(false);
                    deadline.ThrowIfOverrun();
                    _claimTerm = term;
                    _claimStandsAfter = null;
                    await RegisterAsync(_timeProvider.GetUtcNow(), deadline).ConfigureAwait(false);
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
                exportNext = await _upload.UploadIfDueAsync(deadline).ConfigureAwait(false);
            }

            return NextRound(now, leader, leads, registrations, storeNow, exportNext);
        }
        catch (Exception) when (deadline.Expired && !stopping.IsCancellationRequested)
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

    /// <summary>Ends this node's part when the loop stops. A stop is not a demotion: no "the leader is now ..." line naming this node (event 3101).</summary>
    public void End()
    {
        if (_isLeader)
        {
            Log.ExporterStopped(_logger, _nodeId);
        }

        _isLeader = false;
        _metrics.SetLeader(false);
    }

    /// <summary>Withdraws this node's registration so another exporter takes over at its next round (best effort, on a graceful stop).</summary>
    public async Task ResignAsync(CancellationToken cancellationToken)
    {
        if (!_registered)
        {
            return;
        }

        try
        {
            await _store.DeleteAsync(_ownKey, cancellationToken).ConfigureAwait(false);
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
    private async Task RegisterAsync(DateTimeOffset writeStarted, RoundDeadline deadline)
    {
        var content = ElectionRegistration.Serialize(_nodeId, _hostname, _firstRegistered, _claimTerm);
        var metadata = new Dictionary<string, string> { [ExportConstants.ExporterNodeIdMetadataKey] = _nodeId };
        await _store.PutAsync(_ownKey, content, metadata, deadline.Token).ConfigureAwait(false);
        _registered = true;
        deadline.ThrowIfOverrun();
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
    private async Task<long> NewTermAsync(IReadOnlyList<StoredObjectInfo> listing, List<ElectionRegistration> fresh, CancellationToken token)
    {
        var highest = fresh.Count == 0 ? 0 : fresh.Max(r => r.LeadTerm);
        var read = fresh.Select(r => FallbackStoreKeys.Election(_version, r.NodeId)).ToHashSet(StringComparer.Ordinal);
        foreach (var info in listing)
        {
            if (info.Key == _ownKey || read.Contains(info.Key))
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

    private void SetLeader(bool leads, string? leader, string? pauseReason = null)
    {
        if (leads && !_isLeader)
        {
            // What the store holds may have changed while another node led: read it again before any upload.
            _upload.Debounce.StoredHash = null;
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
        _metrics.SetLeader(leads);
    }

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
