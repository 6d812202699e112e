namespace Resilience;

/// <summary>
/// The export debounce: the latest offered configuration (the latest offer wins), when it last changed, what the store
/// is believed to hold, and when a failed upload may be retried. An upload is due once the candidate differs from the
/// stored hash and has been stable for the export delay.
/// </summary>
internal sealed class ExportDebounce
{
    private readonly object _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _delay;
    private ExportCandidate? _candidate;
    private DateTimeOffset _changedAt;
    private DateTimeOffset _retryAt;

    public ExportDebounce(TimeProvider timeProvider, TimeSpan delay)
    {
        _timeProvider = timeProvider;
        _delay = delay;
    }

    /// <summary>Gets or sets the hash of the configuration the store is believed to hold (only the exporter loop touches it).</summary>
    public string? StoredHash { get; set; }

    /// <summary>Gets the latest candidate.</summary>
    public ExportCandidate? Candidate
    {
        get
        {
            lock (_lock)
            {
                return _candidate;
            }
        }
    }

    /// <summary>Takes a candidate; the same hash again does not restart the wait.</summary>
    public void Offer(ExportCandidate candidate)
    {
        lock (_lock)
        {
            if (_candidate?.Hash == candidate.Hash)
            {
                return;
            }

            _candidate = candidate;
            _changedAt = _timeProvider.GetUtcNow();
        }
    }

    /// <summary>When the candidate should be uploaded, or <see langword="null"/> when nothing is pending.</summary>
    public DateTimeOffset? DueAt()
    {
        ExportCandidate? candidate;
        DateTimeOffset changedAt;
        lock (_lock)
        {
            candidate = _candidate;
            changedAt = _changedAt;
        }

        if (candidate is null || candidate.Hash == StoredHash)
        {
            return null;
        }

        var due = changedAt + _delay;
        return _retryAt > due ? _retryAt : due;
    }

    /// <summary>Holds uploads back until <paramref name="at"/> (after a failed read or upload).</summary>
    public void RetryAt(DateTimeOffset at) => _retryAt = at;
}
