using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>
/// The node's configuration history: which configurations were served, how each ended, the standing rollbacks (each
/// refuses its hash) and the hashes reverted once, kept in the cache's <see cref="IConfigHistoryStore"/>. The data
/// plane calls it under its write gate, one call at a time; readers take <see cref="Index"/> with one volatile read.
/// A store that fails costs the history write or read (logged), never an apply.
/// </summary>
internal sealed class ConfigHistory
{
    private IConfigHistoryStore? _store;
    private readonly int _depth;
    private readonly string _description;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Action? _onWriteFailed;
    private HistoryIndex _index = HistoryIndex.Empty;
    private bool _loaded;

    /// <param name="store">Where the history is kept, or <see langword="null"/> when it is off.</param>
    /// <param name="description">The store, for logs (a path).</param>
    /// <param name="depth">How many entries are kept.</param>
    /// <param name="timeProvider">The clock of the entries and of the store's time limit.</param>
    /// <param name="logger">The log.</param>
    /// <param name="onWriteFailed">Counts a failed write.</param>
    public ConfigHistory(IConfigHistoryStore? store, string description, int depth, TimeProvider timeProvider, ILogger logger, Action? onWriteFailed = null)
    {
        _store = depth > 0 ? store : null;
        _description = description;
        _depth = depth;
        _timeProvider = timeProvider;
        _logger = logger;
        _onWriteFailed = onWriteFailed;
    }

    /// <summary>Gets a value indicating whether the node keeps a history (a depth above 0 and a cache that keeps one).</summary>
    public bool IsEnabled => Volatile.Read(ref _store) is not null;

    /// <summary>Gets what the history holds now.</summary>
    public HistoryIndex Index => Volatile.Read(ref _index);

    /// <summary>Reads the stored index on the first call; later calls return at once. A damaged index starts the history empty.</summary>
    public async ValueTask LoadAsync(CancellationToken cancellationToken)
    {
        if (_loaded || Volatile.Read(ref _store) is not { } store)
        {
            return;
        }

        _loaded = true;
        ReadOnlyMemory<byte>? stored;
        try
        {
            stored = await BoundedAsync(store.ReadHistoryIndexAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.HistoryReadFailed(_logger, _description, ex);
            return;
        }

        if (stored is not { } bytes)
        {
            return;
        }

        HistoryIndex index;
        try
        {
            index = HistoryIndexFormat.Decode(bytes.Span);
        }
        catch (InvalidDataException ex)
        {
            Log.HistoryIndexDamaged(_logger, _description, ex.Message);
            return;
        }

        // A lowered depth takes effect at once; the payloads of the dropped entries go with the next write.
        index = index with { Entries = index.Entries.Take(_depth).ToArray() };
        Volatile.Write(ref _index, index);
        Log.HistoryLoaded(_logger, index.Entries.Count, _description);
    }

    /// <summary>
    /// Records that <paramref name="served"/> is served now: a new newest entry, the previous one closed with
    /// <paramref name="end"/>. A restart serving its cache (the newest entry's hash, from the cache) adds nothing.
    /// </summary>
    /// <param name="served">The configuration served now (its cache write is done).</param>
    /// <param name="end">How the previous configuration ended.</param>
    /// <param name="rollback">The rollback or revert that served it, which then stands; <see langword="null"/> for any other apply.</param>
    /// <param name="endsRollbacks">Whether it ends the standing rollbacks (the control plane or an operator applied it).</param>
    /// <param name="cache">Whether <paramref name="served"/> also goes to the cache: then the store writes both at once (<see cref="IConfigHistoryStore.SaveWithHistoryAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Whether the store cached <paramref name="served"/>; when <see langword="false"/> and it should be cached, the caller saves it alone.</returns>
    public async ValueTask<bool> RecordAsync(ConfigSnapshot served, ConfigHistoryEnd end, ConfigRollbackState? rollback, bool endsRollbacks, bool cache, CancellationToken cancellationToken)
    {
        if (!IsEnabled || !TierRules.IsKeptInHistory(served.Origin))
        {
            return false;
        }

        var index = Index;
        var newest = index.Entries.Count > 0 ? index.Entries[0] : null;
        if (served.Origin == ConfigOrigin.Cache && newest is { End: ConfigHistoryEnd.Serving } && newest.Hash == served.Hash)
        {
            return false;
        }

        var now = _timeProvider.GetUtcNow();
        var entries = new List<ConfigHistoryEntry>(_depth + 1)
        {
            new()
            {
                Hash = served.Hash,
                Version = served.Version,
                Origin = served.Origin,
                AppliedAt = now,
                End = ConfigHistoryEnd.Serving,
                Size = served.Payload.Length,
            },
        };
        foreach (var entry in index.Entries)
        {
            entries.Add(entry.End == ConfigHistoryEnd.Serving
                ? entry with { End = end, EndedAt = now, EndReason = rollback?.Reason, EndActor = rollback?.Actor }
                : entry);
        }

        var refused = endsRollbacks ? [] : index.Refused;
        var reverted = index.Reverted;
        if (rollback is not null)
        {
            refused = [rollback, .. refused.Where(r => r.FromHash != rollback.FromHash).Take(HistoryDefaults.MaxRefusals - 1)];
            if (rollback.Kind == ConfigRollbackKind.Reverted)
            {
                reverted = [rollback.FromHash, .. reverted.Where(h => h != rollback.FromHash).Take(HistoryDefaults.MaxReverted - 1)];
            }
        }

        return await WriteAsync(new HistoryIndex(entries.Take(_depth).ToArray(), refused, reverted), served, cache, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes a rollback stand (or, with <see langword="null"/>, ends every standing one) in memory at once, at the swap: a
    /// push that arrives before the history is written is refused (or accepted) already. <see cref="RecordAsync"/> or
    /// <see cref="EndRollbacksAsync"/> then writes it.
    /// </summary>
    public void Stand(ConfigRollbackState? rollback)
    {
        if (!IsEnabled)
        {
            return;
        }

        var index = Index;
        IReadOnlyList<ConfigRollbackState> refused = rollback is null
            ? []
            : [rollback, .. index.Refused.Where(r => r.FromHash != rollback.FromHash).Take(HistoryDefaults.MaxRefusals - 1)];
        Volatile.Write(ref _index, index with { Refused = refused });
    }

    /// <summary>Ends the standing rollbacks (the control plane confirmed another configuration without a swap).</summary>
    public async ValueTask EndRollbacksAsync(CancellationToken cancellationToken)
    {
        var index = Index;
        if (IsEnabled)
        {
            await WriteAsync(index with { Refused = [] }, null, cache: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Loads the payload of an entry; <see langword="null"/> when the store has none or a damaged one (logged).</summary>
    public async ValueTask<ConfigDocument?> LoadPayloadAsync(string hash, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _store) is not { } store)
        {
            return null;
        }

        try
        {
            return await BoundedAsync(store.LoadHistoryEntryAsync(hash, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.HistoryReadFailed(_logger, _description, ex);
            return null;
        }
    }

    /// <summary>Drops the entries of a hash whose payload is missing or damaged (never the one served): it is never offered again.</summary>
    public async ValueTask DropAsync(string hash, CancellationToken cancellationToken)
    {
        var index = Index;
        var kept = index.Entries.Where(e => e.Hash != hash || e.End == ConfigHistoryEnd.Serving).ToArray();
        Log.HistoryEntryDropped(_logger, hash, _description);
        if (kept.Length != index.Entries.Count)
        {
            await WriteAsync(index with { Entries = kept }, null, cache: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <returns>Whether the store wrote <paramref name="added"/> to the cache too (only asked with <paramref name="cache"/>).</returns>
    private async ValueTask<bool> WriteAsync(HistoryIndex index, ConfigSnapshot? added, bool cache, CancellationToken cancellationToken)
    {
        // In memory first: the node goes on with what it knows; a restart finds the last index the store kept.
        Volatile.Write(ref _index, index);
        try
        {
            if (Volatile.Read(ref _store) is not { } store)
            {
                return false;
            }

            var encoded = HistoryIndexFormat.Encode(index);
            if (cache && added is not null)
            {
                await BoundedAsync(store.SaveWithHistoryAsync(added, encoded, index.Hashes, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;
            }

            await BoundedAsync(store.WriteHistoryAsync(encoded, added, index.Hashes, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Written on no caller's token (the data plane's persistence step): even a cancellation is the store's failure.
            _onWriteFailed?.Invoke();
            Log.HistoryWriteFailed(_logger, _description, ex);
        }

        return false;
    }

    /// <summary>
    /// Waits for a store call at most <see cref="HistoryDefaults.StoreTimeout"/>: the data plane's writes wait behind it.
    /// A store that does not answer in time is left alone for the rest of the process (history off), never called again
    /// while it may still be running.
    /// </summary>
    private async ValueTask<T> BoundedAsync<T>(ValueTask<T> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call.AsTask().WaitAsync(HistoryDefaults.StoreTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            TurnOff();
            throw;
        }
    }

    private async ValueTask BoundedAsync(ValueTask call, CancellationToken cancellationToken)
    {
        try
        {
            await call.AsTask().WaitAsync(HistoryDefaults.StoreTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            TurnOff();
            throw;
        }
    }

    private void TurnOff()
    {
        Volatile.Write(ref _store, null);
        Log.HistoryOff(_logger, $"the history store {_description} did not answer within {HistoryDefaults.StoreTimeout}; off until the node restarts");
    }
}
