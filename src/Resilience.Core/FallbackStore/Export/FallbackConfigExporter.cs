using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>
/// Exports validated configurations to the fallback store when this node is the elected exporter.
/// Usable on either plane: the data plane drives it from the served snapshot (<see cref="ConfigExportService"/>);
/// a control plane calls <see cref="Offer"/> with every configuration it publishes and runs <see cref="RunAsync"/>.
/// </summary>
/// <remarks>
/// <para>Every <see cref="FallbackStoreOptions.ElectionInterval"/> the node rewrites
/// <c>&lt;version&gt;/election/&lt;node id&gt;</c>, lists the registrations and picks the leader with
/// <see cref="ExporterElection"/>. A node leads only once its own registration is one interval old, so nodes
/// that start together see each other before anyone exports. A follower re-checks as soon as the leader's
/// registration would go stale, so a stopped leader is replaced within interval + grace of its last registration.</para>
/// <para>The leader uploads the latest offered configuration to <c>&lt;version&gt;/config.json</c> once it has
/// been stable for <see cref="FallbackStoreOptions.ExportDelay"/> (each new offer restarts the wait), and only
/// when its hash differs from what the store holds (read once when the node becomes leader).</para>
/// </remarks>
internal sealed class FallbackConfigExporter
{
    private readonly IFallbackStore _store;
    private readonly string _nodeId;
    private readonly string _hostname;
    private readonly string _version;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _freshness;
    private readonly TimeSpan _exportDelay;
    private readonly long _maxConfigBytes;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ExportMetrics _metrics;
    private readonly Func<ExportCandidate?>? _candidateSource;
    private readonly object _candidateLock = new();

    private ExportCandidate? _candidate;
    private DateTimeOffset _candidateChangedAt;
    private DateTimeOffset _firstRegistered;
    private DateTimeOffset _exportRetryAt;
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
    /// <param name="store">The fallback store.</param>
    /// <param name="nodeId">This node's id (registered in the election and written as the uploader's id).</param>
    /// <param name="hostname">This node's host name (informational, in the registration).</param>
    /// <param name="version">The node version that scopes the keys.</param>
    /// <param name="options">Interval, grace and export delay.</param>
    /// <param name="maxConfigBytes">The largest configuration read back from the store.</param>
    /// <param name="timeProvider">The clock for rounds and the debounce.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="metrics">The instruments.</param>
    /// <param name="candidateSource">Optional pull source of the configuration to export, read on every round and every <see cref="Wake"/>.</param>
    public FallbackConfigExporter(
        IFallbackStore store,
        string nodeId,
        string hostname,
        string version,
        FallbackStoreOptions options,
        long maxConfigBytes,
        TimeProvider timeProvider,
        ILogger logger,
        ExportMetrics metrics,
        Func<ExportCandidate?>? candidateSource = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _nodeId = nodeId;
        _hostname = hostname;
        _version = version;
        _interval = options.ElectionInterval;
        _freshness = options.ElectionInterval + options.ElectionGrace;
        _exportDelay = options.ExportDelay;
        _maxConfigBytes = maxConfigBytes;
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

    /// <summary>Offers a validated configuration for export (the latest offer wins); wakes the loop.</summary>
    /// <param name="payload">The configuration as UTF-8 JSON, exactly as served.</param>
    /// <param name="hash">Its <see cref="ConfigHash"/>.</param>
    /// <param name="signature">The control plane's signature of the payload (<see cref="ConfigSignature"/>), when configurations are signed.</param>
    public void Offer(ReadOnlyMemory<byte> payload, string hash, string? signature = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(hash);
        SetCandidate(new ExportCandidate(payload, hash, signature));
        Wake();
    }

    /// <summary>Makes the loop re-read its candidate source now.</summary>
    public void Wake()
    {
        Volatile.Write(ref _idleUntilTicks, 0);
        Interlocked.Exchange(ref _wake, NewSignal()).TrySetResult();
    }

    /// <summary>Runs the election and export loop until cancelled. Store failures never end it.</summary>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <returns>A task that completes (cancelled) when the loop stops.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Log.ExporterStarted(_logger, _store.Description, _version, _nodeId, _interval, _freshness - _interval, _exportDelay);
        _firstRegistered = _timeProvider.GetUtcNow();
        var nextRound = _firstRegistered;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var wake = Volatile.Read(ref _wake);
                PullCandidate();

                if (_timeProvider.GetUtcNow() >= nextRound)
                {
                    nextRound = await RoundAsync(cancellationToken).ConfigureAwait(false);
                }

                var exportDue = _isLeader ? await TryExportAsync(cancellationToken).ConfigureAwait(false) : null;
                var due = exportDue is { } d && d < nextRound ? d : nextRound;
                var delay = due - _timeProvider.GetUtcNow();
                if (delay <= TimeSpan.Zero)
                {
                    continue;
                }

                using var waitCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var timer = Task.Delay(delay, _timeProvider, waitCancel.Token);

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
            SetLeader(false, _leader);
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

    /// <summary>One round: register, list, read the fresh registrations, decide. Returns when the next round is due.</summary>
    private async Task<DateTimeOffset> RoundAsync(CancellationToken cancellationToken)
    {
        var ownKey = FallbackStoreKeys.Election(_version, _nodeId);
        var step = "register";
        var registrations = new List<ElectionRegistration>();
        DateTimeOffset storeNow;
        try
        {
            var content = ElectionRegistration.Serialize(_nodeId, _hostname, _firstRegistered);
            var metadata = new Dictionary<string, string> { [ExportConstants.ExporterNodeIdMetadataKey] = _nodeId };
            await _store.PutAsync(ownKey, content, metadata, cancellationToken).ConfigureAwait(false);
            _registered = true;

            step = "list";
            var listing = await _store.ListAsync(FallbackStoreKeys.ElectionPrefix(_version), cancellationToken).ConfigureAwait(false);

            // "Now" by the store's clock: our own registration was written a moment ago. Only if the store
            // does not show it yet do we fall back to our clock.
            storeNow = listing.FirstOrDefault(i => i.Key == ownKey)?.LastModified ?? _timeProvider.GetUtcNow();

            step = "read";
            foreach (var info in listing)
            {
                if (info.LastModified < storeNow - _freshness)
                {
                    continue;
                }

                if (info.Key == ownKey)
                {
                    registrations.Add(new ElectionRegistration(_nodeId, _firstRegistered, info.LastModified));
                    continue;
                }

                var stored = await _store.GetAsync(info.Key, ExportConstants.MaxRegistrationBytes, cancellationToken).ConfigureAwait(false);
                if (stored is not null && ElectionRegistration.TryParse(stored.Content.Span, stored.LastModified) is { } registration)
                {
                    registrations.Add(registration);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Without a complete picture this node must not export: two leaders are worse than a late export.
            _metrics.RecordStoreFailure($"election-{step}");
            Log.ElectionRoundFailed(_logger, _store.Description, step, ex);
            _rounds++;
            SetLeader(false, null);
            return _timeProvider.GetUtcNow() + _interval;
        }

        _rounds++;
        var leader = ExporterElection.ChooseLeader(registrations, storeNow, _freshness);
        var now = _timeProvider.GetUtcNow();
        var established = now - _firstRegistered >= _interval;
        var leads = leader == _nodeId && established;
        Log.ElectionRound(_logger, _rounds, registrations.Count, leader, leads);

        if (leads && !_isLeader)
        {
            await ReadStoredHashAsync(cancellationToken).ConfigureAwait(false);
        }

        SetLeader(leads, leader);

        var next = now + _interval;
        if (leader == _nodeId && !established)
        {
            // Lead as soon as the registration is one interval old.
            next = _firstRegistered + _interval;
        }
        else if (!leads && registrations.Find(r => r.NodeId == leader) is { } current)
        {
            // Check again the moment the leader's registration would go stale (store clock, mapped to ours).
            var staleAt = now + (current.LastModified + _freshness - storeNow) + TimeSpan.FromMilliseconds(1);
            var soonest = now + (_interval / 10);
            next = staleAt < soonest ? soonest : staleAt < next ? staleAt : next;
        }

        return next;
    }

    private async Task ReadStoredHashAsync(CancellationToken cancellationToken)
    {
        try
        {
            var stored = await _store.GetAsync(FallbackStoreKeys.Config(_version), _maxConfigBytes, cancellationToken).ConfigureAwait(false);
            _storedHash = stored is null ? null : ConfigHash.Compute(stored.Content.Span);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _metrics.RecordStoreFailure("export-read");
            Log.ExportedHashUnknown(_logger, _store.Description, ex);
            _storedHash = null;
        }
    }

    /// <summary>Uploads the candidate when it is due; returns when to look again, or <see langword="null"/> when nothing is pending.</summary>
    private async Task<DateTimeOffset?> TryExportAsync(CancellationToken cancellationToken)
    {
        ExportCandidate? candidate;
        DateTimeOffset changedAt;
        lock (_candidateLock)
        {
            candidate = _candidate;
            changedAt = _candidateChangedAt;
        }

        if (candidate is null)
        {
            return null;
        }

        if (candidate.Hash == _storedHash)
        {
            return null;
        }

        var now = _timeProvider.GetUtcNow();
        var due = changedAt + _exportDelay;
        if (_exportRetryAt > due)
        {
            due = _exportRetryAt;
        }

        if (now < due)
        {
            return due;
        }

        var key = FallbackStoreKeys.Config(_version);
        try
        {
            var metadata = new Dictionary<string, string>
            {
                [ExportConstants.ExporterNodeIdMetadataKey] = _nodeId,
                [ExportConstants.ConfigHashMetadataKey] = candidate.Hash,
            };
            if (candidate.Signature is { } signature)
            {
                metadata[FallbackImporter.SignatureMetadataKey] = signature;
            }

            await _store.PutAsync(key, candidate.Payload, metadata, cancellationToken).ConfigureAwait(false);
            _storedHash = candidate.Hash;
            _exports++;
            _metrics.RecordExport();
            Log.ConfigExported(_logger, candidate.Hash, _store.Description, key);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _metrics.RecordStoreFailure("export");
            Log.ExportFailed(_logger, candidate.Hash, _store.Description, ex);
            _exportRetryAt = now + _interval;
            return _exportRetryAt;
        }
    }

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

    private void SetLeader(bool leads, string? leader)
    {
        if (leads != _isLeader)
        {
            if (leads)
            {
                Log.ExporterElected(_logger, _nodeId, _store.Description, _version);
            }
            else
            {
                Log.ExporterDemoted(_logger, _nodeId, leader);
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
