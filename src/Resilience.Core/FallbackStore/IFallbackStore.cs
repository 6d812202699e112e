namespace Resilience;

/// <summary>
/// Tier 3: shared remote storage (S3, GCS, a directory) that backup nodes export configurations to
/// and new nodes import from; it also holds leader-election registrations.
/// </summary>
/// <remarks>
/// Keys are relative to the store's prefix (the path part of its URI) and use <c>/</c> separators;
/// <see cref="FallbackStoreKeys"/> builds them. Implementations retry transient failures themselves
/// within a bounded budget and throw <see cref="FallbackStoreException"/> for everything else.
/// </remarks>
public interface IFallbackStore
{
    /// <summary>Gets the store's URI (without credentials), for logs.</summary>
    string Description { get; }

    /// <summary>Reads an object.</summary>
    /// <param name="key">The key, relative to the store's prefix.</param>
    /// <param name="maxBytes">The largest object the caller accepts; a larger one is an error, not a truncation.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The object, or <see langword="null"/> when the key does not exist.</returns>
    ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Writes (creates or replaces) an object; readers see the old or the new content, never a mix.</summary>
    /// <param name="key">The key, relative to the store's prefix.</param>
    /// <param name="content">The bytes.</param>
    /// <param name="metadata">Metadata to store with the object (for example the uploader's node id); may be empty.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the object is stored.</returns>
    ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);

    /// <summary>Lists the objects whose keys start with a prefix.</summary>
    /// <param name="keyPrefix">The prefix, relative to the store's prefix.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>Every matching object (all pages).</returns>
    ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken);

    /// <summary>Deletes an object; deleting a missing key is not an error.</summary>
    /// <param name="key">The key, relative to the store's prefix.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>A task that completes when the object is gone.</returns>
    ValueTask DeleteAsync(string key, CancellationToken cancellationToken);
}
