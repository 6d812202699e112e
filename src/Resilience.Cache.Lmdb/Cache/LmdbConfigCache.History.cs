using System.Text;
using LightningDB;

namespace Resilience;

/// <summary>
/// The LMDB cache's history (<see cref="IConfigHistoryStore"/>): keys of its own in the cache's database, written in one
/// write transaction (atomic and durable as every commit): <c>history/index</c> (the index, sealed when the cache
/// encrypts) and one <c>history/payload/&lt;hash&gt;</c> per kept configuration (the cache entry's own bytes). They live in
/// the main database, not a named one, so that the data file's pre-check walks their pages as it walks the cache's.
/// </summary>
internal sealed partial class LmdbConfigCache : IConfigHistoryStore
{
    private const string PayloadKeyPrefix = "history/payload/";

    /// <summary>More than a sealed value adds to its plaintext (header, nonce, tag: 36 bytes).</summary>
    private const int SealOverheadBound = 64;
    private static readonly byte[] HistoryIndexKey = "history/index"u8.ToArray();
    private static readonly byte[] PayloadKeyPrefixBytes = Encoding.ASCII.GetBytes(PayloadKeyPrefix);

    // The hash the config key holds since this process's last SaveAsync: its bytes are the payload the history keeps.
    private string? _savedHash;

    public ValueTask<ReadOnlyMemory<byte>?> ReadHistoryIndexAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (ReadValue(HistoryIndexKey, IConfigHistoryStore.MaxIndexBytes + SealOverheadBound, logAbsent: false) is not { } stored)
        {
            return ValueTask.FromResult<ReadOnlyMemory<byte>?>(null);
        }

        try
        {
            return ValueTask.FromResult<ReadOnlyMemory<byte>?>(Open(stored));
        }
        catch (InvalidDataException ex)
        {
            LmdbLog.Unusable(_logger, _path, $"history index: {ex.Message}");
            return ValueTask.FromResult<ReadOnlyMemory<byte>?>(null);
        }
    }

    public ValueTask<ConfigDocument?> LoadHistoryEntryAsync(string hash, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsHash(hash) || ReadValue(PayloadKey(hash), _maxEntryBytes, logAbsent: false) is not { } stored)
        {
            return ValueTask.FromResult<ConfigDocument?>(null);
        }

        try
        {
            var document = CacheEnvelope.Decode(Open(stored), $"{_path} (history)", verifyHash: false);
            return ValueTask.FromResult<ConfigDocument?>(document.ExpectedHash == hash ? document : throw new InvalidDataException($"the entry holds configuration {document.ExpectedHash}, not {hash}"));
        }
        catch (InvalidDataException ex)
        {
            LmdbLog.Unusable(_logger, _path, $"history entry {hash}: {ex.Message}");
            return ValueTask.FromResult<ConfigDocument?>(null);
        }
    }

    public ValueTask WriteHistoryAsync(ReadOnlyMemory<byte> index, ConfigSnapshot? added, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keep);
        cancellationToken.ThrowIfCancellationRequested();
        var sealedIndex = _encryption is null ? index.ToArray() : _encryption.Seal(index.Span);
        var written = (long)sealedIndex.Length;
        Write(tx =>
        {
            var db = tx.OpenDatabase();
            if (added is not null && IsHash(added.Hash))
            {
                var key = PayloadKey(added.Hash);
                var (existing, _, _) = tx.Get(db, key);
                if (existing == MDBResultCode.NotFound)
                {
                    var payload = PayloadOf(tx, db, added);
                    written += payload.Length;
                    Check(tx.Put(db, key, payload), written);
                }
            }

            Check(tx.Put(db, HistoryIndexKey, sealedIndex), written);
            foreach (var stale in PayloadKeys(tx, db).Where(k => !keep.Contains(Encoding.ASCII.GetString(k.AsSpan(PayloadKeyPrefixBytes.Length)))).ToArray())
            {
                Delete(tx, db, stale);
            }
        }, written);
        return ValueTask.CompletedTask;
    }

    /// <summary>The payload to keep: the config key's bytes when it holds this configuration (no second encoding), else its own entry.</summary>
    private byte[] PayloadOf(LightningTransaction tx, LightningDatabase db, ConfigSnapshot added)
    {
        if (Volatile.Read(ref _savedHash) == added.Hash)
        {
            var (code, _, current) = tx.Get(db, ConfigKey);
            if (code == MDBResultCode.Success)
            {
                return current.CopyToNewArray();
            }
        }

        var entry = CacheEnvelope.Encode(added, _timeProvider.GetUtcNow());
        return _encryption is null ? entry : _encryption.Seal(entry);
    }

    private static List<byte[]> PayloadKeys(LightningTransaction tx, LightningDatabase db)
    {
        var keys = new List<byte[]>();
        using var cursor = tx.CreateCursor(db);
        var code = cursor.SetRange(PayloadKeyPrefixBytes);
        while (code == MDBResultCode.Success)
        {
            var (current, key, _) = cursor.GetCurrent();
            if (current != MDBResultCode.Success || !key.AsSpan().StartsWith(PayloadKeyPrefixBytes))
            {
                break;
            }

            keys.Add(key.CopyToNewArray());
            (code, _, _) = cursor.Next();
        }

        return keys;
    }

    private static byte[] PayloadKey(string hash) => Encoding.ASCII.GetBytes(PayloadKeyPrefix + hash);

    /// <summary>64 lowercase hex characters: the only hashes a key is made of.</summary>
    private static bool IsHash(string? hash) =>
        hash is { Length: 64 } && hash.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
