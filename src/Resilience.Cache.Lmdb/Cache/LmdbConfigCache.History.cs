using System.Text;
using LightningDB;

namespace Resilience;

/// <summary>
/// The LMDB cache's history (<see cref="IConfigHistoryStore"/>): keys of its own in the cache's database, written in one
/// write transaction (atomic and durable as every commit): <c>history/index</c> (the index, sealed when the cache
/// encrypts) and one <c>history/payload/&lt;hash&gt;</c> per kept configuration (the cache entry's own bytes). They live in
/// the main database, not a named one, so that the data file's pre-check walks their pages as it walks the cache's.
/// </summary>
/// <remarks>
/// A configuration served with the history on is written once (<see cref="SaveWithHistoryAsync"/>): its entry under its
/// history key, and under <c>config</c> a reference to it (<c>resilience-lmdb-ref/1 &lt;hash&gt;</c>, sealed when the cache
/// encrypts), the index beside them, in one transaction. A load follows the reference. A library from before this layout
/// reads such a <c>config</c> as no cache (logged) and starts from the next tier.
/// </remarks>
internal sealed partial class LmdbConfigCache : IConfigHistoryStore
{
    private const string PayloadKeyPrefix = "history/payload/";

    /// <summary>More than a sealed value adds to its plaintext (header, nonce, tag: 36 bytes).</summary>
    private const int SealOverheadBound = 64;
    private static readonly byte[] HistoryIndexKey = "history/index"u8.ToArray();
    private static readonly byte[] PayloadKeyPrefixBytes = Encoding.ASCII.GetBytes(PayloadKeyPrefix);

    /// <summary>What <c>config</c> holds when it names a history entry instead of holding the bytes: this, then the hash.</summary>
    private static readonly byte[] ReferencePrefix = "resilience-lmdb-ref/1 "u8.ToArray();

    /// <summary>More than a reference can take, sealed or not: a larger <c>config</c> value is an entry, never parsed as one.</summary>
    private const int MaxReferenceBytes = 256;

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
        var sealedIndex = Seal(index.ToArray());
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
            DeleteStalePayloads(tx, db, keep, alsoKeep: null);
        }, written);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The cache and the history in one write transaction, the payload stored once: the entry under its history key,
    /// <c>config</c> naming it, and the index. One commit instead of two, and 10 MB written once instead of twice.
    /// </summary>
    public ValueTask SaveWithHistoryAsync(ConfigSnapshot served, ReadOnlyMemory<byte> index, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(keep);
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsHash(served.Hash))
        {
            throw new ArgumentException($"'{served.Hash}' is not a configuration hash", nameof(served));
        }

        var value = Seal(CacheEnvelope.Encode(served, _timeProvider.GetUtcNow()));
        var reference = Seal([.. ReferencePrefix, .. Encoding.ASCII.GetBytes(served.Hash)]);
        var sealedIndex = Seal(index.ToArray());
        var written = (long)value.Length + reference.Length + sealedIndex.Length;
        ReopenIfWritableAgain();
        Write(tx =>
        {
            var db = tx.OpenDatabase();
            Check(tx.Put(db, FormatKey, FormatTagBytes), written);
            Check(tx.Put(db, PayloadKey(served.Hash), value), written);
            Check(tx.Put(db, ConfigKey, reference), written);
            Check(tx.Put(db, HistoryIndexKey, sealedIndex), written);
            DeleteStalePayloads(tx, db, keep, served.Hash);
        }, written);
        Volatile.Write(ref _savedHash, served.Hash);
        return ValueTask.CompletedTask;
    }

    /// <summary>The history entry <c>config</c> names, or <see langword="null"/> when it holds an entry itself (or nothing, or something unreadable).</summary>
    /// <param name="stored">The value of <c>config</c>.</param>
    /// <param name="migratedFrom">The earlier key or form the reference was stored in, if any (key migration).</param>
    /// <exception cref="InvalidDataException">The value is a reference, but not to a hash.</exception>
    private string? ReferencedHash(ReadOnlySpan<byte> stored, out string? migratedFrom)
    {
        migratedFrom = null;
        if (stored.Length > MaxReferenceBytes)
        {
            return null;
        }

        byte[] opened;
        try
        {
            opened = Open(stored.ToArray(), out migratedFrom);
        }
        catch (InvalidDataException)
        {
            return null;
        }

        if (!opened.AsSpan().StartsWith(ReferencePrefix))
        {
            return null;
        }

        var hash = Encoding.ASCII.GetString(opened.AsSpan(ReferencePrefix.Length));
        return IsHash(hash) ? hash : throw new InvalidDataException("the cache's reference to its history entry is damaged");
    }

    /// <summary>The configuration <c>config</c> names (a reference): its history entry, checked to be that configuration.</summary>
    /// <exception cref="InvalidDataException">The entry is missing, damaged or holds another configuration.</exception>
    private ConfigDocument LoadReferenced(string hash, string? referenceMigratedFrom)
    {
        if (ReadValue(PayloadKey(hash), _maxEntryBytes, logAbsent: false) is not { } stored)
        {
            throw new InvalidDataException($"the cache names history entry {hash}, which is missing or unreadable");
        }

        var document = CacheEnvelope.Decode(Open(stored, out var migratedFrom), _path, verifyHash: false, migratedFrom ?? referenceMigratedFrom);
        return document.ExpectedHash == hash ? document : throw new InvalidDataException($"the cache names history entry {hash}, which holds configuration {document.ExpectedHash}");
    }

    /// <summary>Deletes the payloads the index no longer names, never the one <c>config</c> names (or <paramref name="alsoKeep"/>).</summary>
    private void DeleteStalePayloads(LightningTransaction tx, LightningDatabase db, IReadOnlyCollection<string> keep, string? alsoKeep)
    {
        var (code, _, current) = tx.Get(db, ConfigKey);
        var referenced = code == MDBResultCode.Success ? ReferencedHashOrNull(current.AsSpan()) : null;
        foreach (var stale in PayloadKeys(tx, db))
        {
            var hash = Encoding.ASCII.GetString(stale.AsSpan(PayloadKeyPrefixBytes.Length));
            if (!keep.Contains(hash) && hash != alsoKeep && hash != referenced)
            {
                Delete(tx, db, stale);
            }
        }
    }

    private string? ReferencedHashOrNull(ReadOnlySpan<byte> stored)
    {
        try
        {
            return ReferencedHash(stored, out _);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private byte[] Seal(byte[] plaintext) => _encryption is null ? plaintext : _encryption.Seal(plaintext);

    /// <summary>The payload to keep: the config key's bytes when it holds this configuration (no second encoding), else its own entry.</summary>
    private byte[] PayloadOf(LightningTransaction tx, LightningDatabase db, ConfigSnapshot added)
    {
        if (Volatile.Read(ref _savedHash) == added.Hash)
        {
            var (code, _, current) = tx.Get(db, ConfigKey);

            // A reference is not the entry (its entry is under its own key, which the caller found missing): encode anew.
            if (code == MDBResultCode.Success && current.AsSpan().Length > MaxReferenceBytes)
            {
                return current.CopyToNewArray();
            }
        }

        return Seal(CacheEnvelope.Encode(added, _timeProvider.GetUtcNow()));
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
