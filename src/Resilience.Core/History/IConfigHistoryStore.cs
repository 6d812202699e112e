namespace Resilience;

/// <summary>
/// A cache that also keeps this node's configuration history. The node's own caches implement it (the
/// <c>config.json.gz</c> file, LMDB); a cache of your own opts in by implementing it on the type given to
/// <c>UseCache&lt;T&gt;()</c>. Without it the node keeps no history (it says so once at start-up): no rollback, no
/// self-revert, nothing else changes.
/// </summary>
/// <remarks>
/// <para>The node decides what the history holds and encodes its index (an opaque byte string with its own checksum,
/// at most <see cref="MaxIndexBytes"/>); the store keeps bytes with the cache's guarantees: the index as given, and one
/// payload per configuration hash, written atomically and crash-safely, checked on read, and sealed with
/// <see cref="CacheEncryption"/> when the cache encrypts. Encode payloads as cache entries (<see cref="CacheEnvelope"/>).</para>
/// <para>The node calls one method at a time, never concurrently with the cache's <see cref="IConfigCache.SaveAsync"/>.
/// Damaged bytes are never an exception: return what was read (the node checks the index) or <see langword="null"/>
/// (a payload), and log why. An exception is logged by the node and costs the history write or read, nothing else.</para>
/// </remarks>
public interface IConfigHistoryStore
{
    /// <summary>The largest index the node writes or reads: 1 MiB (the node refuses a larger one as damaged).</summary>
    const int MaxIndexBytes = 1024 * 1024;

    /// <summary>Reads the index the last <see cref="WriteHistoryAsync"/> stored.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The index bytes (opened, when sealed), or <see langword="null"/> when there is none or it cannot be read.</returns>
    ValueTask<ReadOnlyMemory<byte>?> ReadHistoryIndexAsync(CancellationToken cancellationToken);

    /// <summary>Loads the payload of one configuration of the history, checked as the cache checks its own entry.</summary>
    /// <param name="hash">The configuration's hash (64 lowercase hex characters; refuse anything else).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The document as <see cref="CacheEnvelope.Decode"/> returns it (with <see cref="ConfigDocument.ExpectedHash"/>), or <see langword="null"/> when it is absent or damaged.</returns>
    ValueTask<ConfigDocument?> LoadHistoryEntryAsync(string hash, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a new index and the payloads it names. The payload of <paramref name="added"/> is stored (if it is not
    /// already) before the index, so a crash leaves the old index or the new one, each with its payloads; payloads of
    /// hashes not in <paramref name="keep"/> may then be deleted.
    /// </summary>
    /// <param name="index">The index to store as is.</param>
    /// <param name="added">The configuration just served (after its cache write, when it has one), or <see langword="null"/> when only the index changes.</param>
    /// <param name="keep">Every hash the index names.</param>
    /// <param name="cancellationToken">Cancels the write; the old index then stays.</param>
    /// <returns>A task that completes when the index and its payloads are durable.</returns>
    ValueTask WriteHistoryAsync(ReadOnlyMemory<byte> index, ConfigSnapshot? added, IReadOnlyCollection<string> keep, CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="served"/> the cached configuration (what the cache's <c>SaveAsync</c> does) and stores the
    /// index that names it as the newest entry. The node calls this instead of the two writes when the configuration it
    /// just served goes to both, so that a store can write the payload once and commit once: the LMDB cache does both in
    /// one transaction, its cache key naming the history's copy of the payload; the file cache fsyncs its two directories
    /// once, after the last rename. A store that cannot do better saves the cache, then calls
    /// <see cref="WriteHistoryAsync"/> (a crash between them leaves the new cache with the old index: an older history).
    /// When this throws, the node saves the cache alone.
    /// </summary>
    /// <param name="served">The configuration just served, to cache and to keep.</param>
    /// <param name="index">The index to store as is.</param>
    /// <param name="keep">Every hash the index names (<paramref name="served"/>'s among them).</param>
    /// <param name="cancellationToken">Cancels the write; the old cache and index then stay.</param>
    /// <returns>A task that completes when the cache, the index and the payload are durable.</returns>
    ValueTask SaveWithHistoryAsync(ConfigSnapshot served, ReadOnlyMemory<byte> index, IReadOnlyCollection<string> keep, CancellationToken cancellationToken);
}
