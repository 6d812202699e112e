namespace Resilience;

/// <summary>
/// A fallback store that can write an object only when it is unchanged since it was read (a GCS
/// <c>ifGenerationMatch</c> precondition), so two exporters that both think they lead cannot both replace it.
/// </summary>
/// <remarks>
/// Optional: the exporter uses it when the store implements it, and otherwise relies on its election and
/// on re-reading the stored hash before it uploads.
/// </remarks>
public interface IConditionalFallbackStore : IFallbackStore
{
    /// <summary>Writes an object only when its current version is <paramref name="expectedVersion"/>.</summary>
    /// <param name="key">The key, relative to the store's prefix.</param>
    /// <param name="content">The bytes.</param>
    /// <param name="metadata">Metadata to store with the object; may be empty.</param>
    /// <param name="expectedVersion">
    /// The <see cref="StoredObject.Version"/> the caller read, or <see langword="null"/> to write only when the
    /// key does not exist.
    /// </param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>
    /// <see langword="true"/> when the object was written; <see langword="false"/> when the precondition failed
    /// (someone else wrote the key first). Other failures throw <see cref="FallbackStoreException"/>.
    /// </returns>
    ValueTask<bool> TryPutAsync(
        string key,
        ReadOnlyMemory<byte> content,
        IReadOnlyDictionary<string, string> metadata,
        string? expectedVersion,
        CancellationToken cancellationToken);
}
