namespace Resilience.Storage;

/// <summary>
/// What every cloud store adapter has (shared source): its location, its options and its retry budget, the
/// description and budget the exporter reads. An adapter implements the four calls with its client, inside
/// <see cref="Operations"/>.
/// </summary>
/// <typeparam name="TOptions">The store's options.</typeparam>
internal abstract class CloudFallbackStore<TOptions> : IRetryingFallbackStore
    where TOptions : FallbackStoreRetryOptions
{
    /// <param name="location">Container and prefix.</param>
    /// <param name="options">The store's options.</param>
    /// <param name="operations">The retry budget and error mapping every call runs in.</param>
    protected CloudFallbackStore(StorageLocation location, TOptions options, StoreOperations operations)
    {
        Location = location;
        Options = options;
        Operations = operations;
    }

    public string Description => Location.Description;

    public TimeSpan RetryBudget => Options.TotalTimeout;

    /// <summary>Gets the container and prefix.</summary>
    protected StorageLocation Location { get; }

    /// <summary>Gets the store's options.</summary>
    protected TOptions Options { get; }

    /// <summary>Gets the retry budget and error mapping every call runs in.</summary>
    protected StoreOperations Operations { get; }

    /// <summary>An object whose stated size is over the caller's limit is an error before any byte is read (<see cref="BoundedRead"/> bounds the bytes themselves).</summary>
    protected void ThrowIfOverLimit(string key, long size, long maxBytes)
    {
        if (size > maxBytes)
        {
            throw new FallbackStoreException($"{Description}/{key} is {size} bytes, over the limit of {maxBytes}");
        }
    }

    public abstract ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken);

    public abstract ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);

    public abstract ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken);

    public abstract ValueTask DeleteAsync(string key, CancellationToken cancellationToken);
}
