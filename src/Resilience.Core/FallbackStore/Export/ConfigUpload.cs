using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>
/// The leader's upload step, run inside an election round: reads what the store holds, and uploads the debounced
/// candidate to <c>&lt;version&gt;/config.json</c> when it is due and the store does not hold that hash already (on an
/// <see cref="IConditionalFallbackStore"/>, only if the object is still the version it read).
/// </summary>
internal sealed class ConfigUpload
{
    private readonly IFallbackStore _store;
    private readonly string _nodeId;
    private readonly string _key;
    private readonly long _maxConfigBytes;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ExportMetrics _metrics;

    public ConfigUpload(IFallbackStore store, string nodeId, string version, long maxConfigBytes, TimeSpan interval, TimeProvider timeProvider, ILogger logger, ExportMetrics metrics, ExportDebounce debounce)
    {
        _store = store;
        _nodeId = nodeId;
        _key = FallbackStoreKeys.Config(version);
        _maxConfigBytes = maxConfigBytes;
        _interval = interval;
        _timeProvider = timeProvider;
        _logger = logger;
        _metrics = metrics;
        Debounce = debounce;
    }

    /// <summary>Gets the debounced candidate this step uploads.</summary>
    public ExportDebounce Debounce { get; }

    /// <summary>Uploads the candidate when it is due and differs from what the store holds. Returns when to look again, or <see langword="null"/> when nothing is pending.</summary>
    /// <exception cref="OperationCanceledException">The round ran out of time (<see cref="RoundDeadline"/>) or the exporter stops.</exception>
    public async Task<DateTimeOffset?> UploadIfDueAsync(RoundDeadline deadline)
    {
        var due = Debounce.DueAt();
        var now = _timeProvider.GetUtcNow();
        if (due is null || now < due)
        {
            return due;
        }

        var candidate = Debounce.Candidate!;
        var token = deadline.Token;
        using var activity = DataPlaneActivities.StartStoreOperation(DataPlaneActivities.Export, _store.Description, _key);
        activity?.SetTag(DataPlaneActivities.HashTag, candidate.Hash);
        StoredObject? stored;
        try
        {
            stored = await _store.GetAsync(_key, _maxConfigBytes, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!deadline.Expired && (ex is not OperationCanceledException || !token.IsCancellationRequested))
        {
            _metrics.RecordStoreFailure("export-read");
            activity.Failed(ex);
            Log.ExportedHashUnknown(_logger, _store.Description, candidate.Hash, ex);
            return RetryAfterInterval(now);
        }

        deadline.ThrowIfOverrun();
        var storedHash = stored is null ? null : ConfigHash.Compute(stored.Content.Span);
        if (storedHash == candidate.Hash)
        {
            Debounce.StoredHash = storedHash;
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
        deadline.ThrowIfOverrun();
        try
        {
            if (_store is IConditionalFallbackStore conditional)
            {
                if (!await conditional.TryPutAsync(_key, candidate.Payload, metadata, stored?.Version, token).ConfigureAwait(false))
                {
                    // Someone else wrote the object since we read it: not an error; read it again next round.
                    Log.ExportRaced(_logger, _store.Description, candidate.Hash);
                    activity?.SetTag(DataPlaneActivities.ExportResultTag, "raced");
                    Debounce.StoredHash = null;
                    Debounce.RetryAt(now);
                    return now + (_interval / 10);
                }
            }
            else
            {
                await _store.PutAsync(_key, candidate.Payload, metadata, token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!deadline.Expired && (ex is not OperationCanceledException || !token.IsCancellationRequested))
        {
            _metrics.RecordStoreFailure("export");
            activity.Failed(ex);
            Log.ExportFailed(_logger, candidate.Hash, _store.Description, ex);
            return RetryAfterInterval(now);
        }

        Debounce.StoredHash = candidate.Hash;
        _metrics.RecordExport();
        activity?.SetTag(DataPlaneActivities.ExportResultTag, "uploaded");
        Log.ConfigExported(_logger, candidate.Hash, _store.Description, _key);
        return null;
    }

    private DateTimeOffset RetryAfterInterval(DateTimeOffset now)
    {
        var retryAt = now + _interval;
        Debounce.RetryAt(retryAt);
        return retryAt;
    }
}
